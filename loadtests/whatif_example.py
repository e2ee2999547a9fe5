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
from clearance.planning.chart import render_png
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
        worker = SimpleWorker([screening_queue()], connection=get_redis())
        worker.work(burst=True, logging_level="WARNING")

    plan = WeekPlan(start=WEEK_START, lodgements_per_day=per_day, seed=seed)
    started = time.perf_counter()
    result = GateWeek(client, clock, week_keys(clock), plan, screen).run()
    seconds = time.perf_counter() - started
    channels = [truck.channel for truck in result.trucks.values()]
    mix = {c: channels.count(c) for c in ("green", "yellow", "red")}
    print(
        f"week driven through the service in {seconds:.0f} s: {result.lodged} lodged {mix},"
        f" {len(result.refused)} requests refused {result.refused[:3]}"
    )


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def print_calibration(report: WhatIfReport) -> None:
    calibration = report.calibration
    print(
        f"calibration on {calibration.declarations} declarations at {report.gate}:"
        f" shares {calibration.channel_shares}, officers per shift"
        f" {calibration.officers_per_shift} ({calibration.officers_source})"
    )
    for fit in calibration.stages:
        if fit.stage == "screening":
            continue
        seen = f"{_minutes(fit.observed_median_seconds)} / {_minutes(fit.observed_p90_seconds)}"
        fitted = f"{_minutes(fit.fitted_median_seconds)} / {_minutes(fit.fitted_p90_seconds)}"
        what = f"{fit.stage:14} {fit.channel:6} n={fit.count:3} ({fit.source})"
        print(f"  {what}: median / p90 observed {seen}, fitted {fitted} min")


def print_validation(report: WhatIfReport) -> None:
    """The replay against what was observed, a row per channel and stage."""
    print(f"replay of the week, {report.runs} runs (seed {report.seed}); medians in minutes:")
    print(
        f"  {'channel':7} {'stage':21} {'observed':>9} {'replayed':>9} {'error':>7}"
        f"  within 15%  drawn, one run's median (p10-p90)"
    )
    for row in report.validation:
        error = "" if row.relative_error is None else f"{row.relative_error:+.1%}"
        observed, replayed = (
            _minutes(row.observed_median_seconds),
            _minutes(row.simulated_median_seconds),
        )
        baseline = next(c.baseline for c in report.channels if c.channel == row.channel)
        drawn = _minutes(getattr(baseline, f"{row.stage}_median_seconds"))
        what = f"{row.channel:7} {row.stage:21}"
        spread = f"{_minutes(row.run_medians_p10_seconds)}-{_minutes(row.run_medians_p90_seconds)}"
        within = str(row.within_tolerance)
        print(f"  {what} {observed:>9} {replayed:>9} {error:>7}  {within:10} {drawn}, {spread}")


def print_answer(report: WhatIfReport) -> None:
    print(f"what if {report.changes}? arrival -> release, replayed -> what if (minutes):")
    for channel in report.channels:
        base, new = channel.baseline, channel.scenario
        print(
            f"  {channel.channel:7} median {_minutes(base.arrival_to_release_median_seconds)}"
            f" -> {_minutes(new.arrival_to_release_median_seconds)},"
            f" p90 {_minutes(base.arrival_to_release_p90_seconds)}"
            f" -> {_minutes(new.arrival_to_release_p90_seconds)},"
            f" released {base.released:g} -> {new.released:g}"
        )
    revenue = report.revenue
    print(
        f"  red rate {revenue.red_rate_observed:.1%} -> {revenue.red_rate_scenario:.1%};"
        f" duty exposed to inspection {revenue.duty_inspected_share_observed:.1%}"
        f" -> {revenue.duty_inspected_share_scenario:.1%}"
    )


def plan(clock: FrozenClock, out: str) -> None:
    """The planner on the week: its calibration and replay, then two questions."""
    period = (WEEK_START, WEEK_START + timedelta(days=7))
    settings = get_settings()
    more = Changes(officers=[OfficerChange(shift=ShiftName.morning, value=1, relative=True)])
    with db.new_session() as session:
        started = time.perf_counter()
        replay = what_if(
            session=session, period=period, now=clock.now(), changes=more, settings=settings
        )
        print(f"calibrated, replayed and answered in {time.perf_counter() - started:.1f} s")
        print_calibration(replay)
        print_validation(replay)
        print_answer(replay)
        Path(out).write_bytes(render_png(replay))
        half = Changes(red_rate=round(replay.revenue.red_rate_observed / 2, 3))
        print_answer(
            what_if(
                session=session, period=period, now=clock.now(), changes=half, settings=settings
            )
        )
    print(f"chart of the first question: {out}")


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
            os.environ.update(
                CLEARANCE_LOG_LEVEL="WARNING",
                CLEARANCE_REDIS_URL=redis_url,
                CLEARANCE_DATABASE_URL=f"sqlite:///{args.db or f'{tmp}/week.db'}",
                CLEARANCE_DOCUMENTS_DIR=f"{tmp}/documents",
                CLEARANCE_LEASE_SECONDS=str(24 * 3600),
            )
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
