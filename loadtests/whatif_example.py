"""A week at the gate through the real service, then the what-if planner replayed on it.

    python -m loadtests.whatif_example [--out deploy/what-if-example.png] [--per-day 24]

Runs the service in this process (SQLite, a private redis-server, a real RQ worker) on a
controlled clock, drives a week of Ma Lù Thàng traffic with officers on shifts
(`clearance/synthetic/gate_week.py`), then prints the planner's validation (observed against
simulated medians per channel) and the answer to "one more officer on the morning shift",
and writes that answer's chart.
"""

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from rq import SimpleWorker

from clearance import db, logs
from clearance.auth.models import Role
from clearance.clock import FrozenClock, set_clock
from clearance.embedded import create_keys, start_redis
from clearance.migrations import migrate
from clearance.planning.schemas import Changes, OfficerChange, ShiftName, WhatIfReport
from clearance.planning.service import what_if
from clearance.queues import get_redis, screening_queue
from clearance.settings import get_settings
from clearance.synthetic.gate_week import GateWeek, WeekKeys, WeekPlan
from clearance.synthetic.mandates import grant_demo_mandates
from clearance.synthetic.parties import DEMO_TRADERS

# Monday 30 November 2026, midnight at the gate.
WEEK_START = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
OFFICERS = 6


def week_keys(clock: FrozenClock) -> WeekKeys:
    """A key per demo trader, the bank, the gate and each officer."""
    traders = {tax_code: name for tax_code, name in DEMO_TRADERS}
    keys = create_keys({Role.gate: None, Role.bank: None}, "what-if example")
    trader_keys = {
        t: create_keys({Role.trader: t}, "what-if example")[Role.trader] for t in traders
    }
    officers = [
        create_keys({Role.officer: None}, f"officer {n}")[Role.officer] for n in range(OFFICERS)
    ]
    with db.unit_of_work() as session:
        grant_demo_mandates(session=session, clock=clock, brokers=traders)
    return WeekKeys(trader_keys, traders, keys[Role.bank], keys[Role.gate], officers)


def drive_week(client: TestClient, clock: FrozenClock, per_day: int, seed: int) -> None:
    def screen() -> None:
        SimpleWorker([screening_queue()], connection=get_redis()).work(burst=True, logging_level="WARNING")

    plan = WeekPlan(start=WEEK_START, lodgements_per_day=per_day, seed=seed)
    started = time.perf_counter()
    result = GateWeek(client, clock, week_keys(clock), plan, screen).run()
    seconds = time.perf_counter() - started
    channels = [truck.channel for truck in result.trucks.values()]
    mix = {c: channels.count(c) for c in ("green", "yellow", "red")}
    print(f"week driven: {result.lodged} lodged {mix} in {seconds:.0f} s;"
          f" {len(result.refused)} refused: {result.refused[:5]}")  # fmt: skip


def print_validation(report: WhatIfReport) -> None:
    """The replay against what was observed, a row per channel and stage."""
    print(f"replay of {report.period_from:%Y-%m-%d} to {report.period_to:%Y-%m-%d},"
          f" {report.runs} runs (seed {report.seed}); medians in minutes")  # fmt: skip
    print(f"{'channel':8} {'stage':22} {'observed':>9} {'simulated':>9} {'error':>7}  within")
    for row in report.validation:
        observed, simulated = row.observed_median_seconds, row.simulated_median_seconds
        error = "" if row.relative_error is None else f"{row.relative_error:+.1%}"
        print(f"{row.channel:8} {row.stage:22} {_minutes(observed):>9} {_minutes(simulated):>9}"
              f" {error:>7}  {row.within_tolerance}")  # fmt: skip


def print_answer(report: WhatIfReport) -> None:
    print(f"what if: {report.changes}")
    for channel in report.channels:
        base, new = channel.baseline, channel.scenario
        print(f"  {channel.channel:7} arrival->release median {_minutes(base.arrival_to_release_median_seconds)}"
              f" -> {_minutes(new.arrival_to_release_median_seconds)} min, p90"
              f" {_minutes(base.arrival_to_release_p90_seconds)} -> {_minutes(new.arrival_to_release_p90_seconds)}")  # fmt: skip
    revenue = report.revenue
    print(f"  duty exposed to inspection {revenue.duty_inspected_share_observed}"
          f" -> {revenue.duty_inspected_share_scenario}")  # fmt: skip


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def plan(clock: FrozenClock, out: str) -> None:
    period = (WEEK_START, WEEK_START + timedelta(days=7))
    settings = get_settings()
    with db.new_session() as session:
        started = time.perf_counter()
        replay = what_if(session=session, period=period, now=clock.now(), changes=Changes(),
                         settings=settings)  # fmt: skip
        print(f"calibrated and replayed in {time.perf_counter() - started:.1f} s")
        print(replay.calibration.model_dump_json(indent=1, exclude={"stages"}))
        for fit in replay.calibration.stages:
            print(f"  {fit}")
        print_validation(replay)
        for changes in (
            Changes(officers=[OfficerChange(shift=ShiftName.morning, value=1, relative=True)]),
            Changes(red_rate=0.03),
        ):
            answer = what_if(session=session, period=period, now=clock.now(), changes=changes,
                             settings=settings)  # fmt: skip
            print_answer(answer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="deploy/what-if-example.png")
    parser.add_argument("--per-day", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7, help="the week's traffic")
    parser.add_argument("--db", default=None, help="keep the week in this SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        redis_process, redis_url = start_redis(Path(tmp))
        try:
            os.environ.update(CLEARANCE_LOG_LEVEL="WARNING", CLEARANCE_REDIS_URL=redis_url,
                              CLEARANCE_DATABASE_URL=f"sqlite:///{args.db or f'{tmp}/week.db'}",
                              CLEARANCE_DOCUMENTS_DIR=f"{tmp}/documents",
                              CLEARANCE_LEASE_SECONDS=str(24 * 3600))  # fmt: skip
            get_settings.cache_clear()
            logs.configure()
            migrate(get_settings().database_url)
            clock = FrozenClock(WEEK_START - timedelta(hours=1))
            set_clock(clock)
            from clearance.main import create_app

            with TestClient(create_app()) as client:
                drive_week(client, clock, args.per_day, args.seed)
            plan(clock, args.out)
        finally:
            redis_process.terminate()
            redis_process.wait()


if __name__ == "__main__":
    main()
