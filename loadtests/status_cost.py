"""The API's CPU per trader `status` read (GET /v1/declarations/{id}), in one process.

    python -m loadtests.status_cost --count 300 --reads 1500 --rounds 5

Lodges `--count` demo declarations through the API in this process, uploads every paper each
lists (as the locust traders do), records the truck's arrival for `--arrived` of them, screens
them and re-checks their papers as a worker does, then reads them as their traders poll,
driven through ASGI by `--concurrency` clients at once, `--rounds` times `--reads` reads. It
prints, per read, the medians over the rounds of the process's CPU (the event loop, the thread
the route runs on), its PostgreSQL backends' CPU and the wall time, with the states read.
With `--sweeps`, first measures that many sweeps of the worker's sweeper (its CPU and its
backend's per sweep) over the declarations decided and arrived. Reads after the first of a
declaration find its gates' answer kept (`release.KeptGate`), as long as nothing they read
changes; `--forget-kept` measures reads that find none.
Creates and drops a database `status_cost_<hex>` on the local PostgreSQL (`--pg-admin-url`)
and a redis-server of its own. `--profile` then writes a cProfile of the view (`views.detail`,
by its threads' CPU) over one more round.
"""

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import random
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from clearance import db, hot
from clearance.clock import get_clock
from clearance.declarations import release, views
from clearance.declarations.models import Declaration, State
from clearance.documents import recheck_sets
from clearance.main import create_app
from clearance.migrations import migrate
from clearance.risk import sets
from clearance.settings import get_settings
from loadtests.bench_services import DEFAULT_PG_ADMIN_URL
from loadtests.in_process import admin, backends_cpu, http_scope, lodge_demo, service_settings
from workers import jobs

Read = tuple[str, str]  # the trader's key, the declaration's id


def _work() -> None:
    """Screen every set, then re-check every paper, as a worker would."""
    settings, clock = get_settings(), get_clock()
    while sets.screen_set(clock=clock, settings=settings, lifecycle=jobs.LIFECYCLE).claimed:
        pass
    while recheck_sets.recheck_set(clock=clock, lifecycle=jobs.LIFECYCLE).claimed:
        pass


async def _get(app: Any, read: Read) -> tuple[int, str]:
    key, declaration_id = read
    path = f"/v1/declarations/{declaration_id}"
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"user-agent", b"status-cost"),
        (b"authorization", f"Bearer {key}".encode()),
    ]
    scope = http_scope("GET", path, headers)
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    state = json.loads(b"".join(chunks)).get("state", "") if status == 200 else ""
    return status, str(state)


async def _drive(
    app: Any, reads: list[Read], concurrency: int, forget: bool
) -> tuple[Counter[str], float]:
    """The reads by `concurrency` clients; the states (or statuses) read, and the wall time
    of each read summed. `forget`: no gates' answer kept from one read to the next."""
    states: Counter[str] = Counter()
    waited = 0.0
    pending = iter(reads)

    async def client() -> None:
        nonlocal waited
        for read in pending:
            if forget:
                release.forget_kept()
            started = time.perf_counter()
            status, state = await _get(app, read)
            waited += time.perf_counter() - started
            states[state or str(status)] += 1

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return states, waited


class _Profiled:
    """`views.detail` under a profiler of the thread that runs it (the routes run on the
    thread pool, which a profiler of the loop's thread would not see): the view's own cost."""

    def __init__(self) -> None:
        self.original = views.detail
        self.local = threading.local()
        self.profilers: list[cProfile.Profile] = []

    def __call__(self, **kwargs: Any) -> Any:
        profiler = getattr(self.local, "profiler", None)
        if profiler is None:
            profiler = self.local.profiler = cProfile.Profile(time.thread_time)
            self.profilers.append(profiler)
        return profiler.runcall(self.original, **kwargs)

    def dump(self, path: str) -> None:
        views.detail = self.original
        stats = pstats.Stats(self.profilers[0])
        for profiler in self.profilers[1:]:
            stats.add(profiler)
        stats.dump_stats(path)


def _round(app: Any, reads: list[Read], args: argparse.Namespace, database: str) -> dict[str, Any]:
    loop = asyncio.new_event_loop()
    profiled = _Profiled() if args.profile else None
    if profiled is not None:
        views.detail = profiled
    backends = backends_cpu(database)
    cpu = time.process_time()
    try:
        states, waited = loop.run_until_complete(
            _drive(app, reads, args.concurrency, args.forget_kept)
        )
    finally:
        if profiled is not None:
            profiled.dump(args.profile)
        loop.close()
    cpu = time.process_time() - cpu
    database_cpu = sum(t - backends.get(pid, 0.0) for pid, t in backends_cpu(database).items())
    return {
        "states": dict(states),
        "cpu_ms": 1000 * cpu / len(reads),
        "postgresql_cpu_ms": 1000 * database_cpu / len(reads),
        "wall_ms": 1000 * waited / len(reads),
    }


def _sweeps(count: int, database: str) -> list[dict[str, float]]:
    """`count` sweeps as the worker's sweeper runs them: each one's CPU, and its backend's."""
    found = []
    for _ in range(count):
        backends = backends_cpu(database)
        cpu = time.process_time()
        swept = jobs.sweep()
        cpu = time.process_time() - cpu
        database_cpu = sum(t - backends.get(pid, 0.0) for pid, t in backends_cpu(database).items())
        found.append(
            {
                "cpu_ms": round(1000 * cpu, 1),
                "postgresql_cpu_ms": round(1000 * database_cpu, 1),
                **{name: float(value) for name, value in swept.items()},
            }
        )
    return found


def _waiting_for_release(session: Session) -> int:
    return session.exec(
        select(func.count())
        .select_from(Declaration)
        .where(Declaration.state == State.decided, col(Declaration.arrived_at).is_not(None))
    ).one()


def _measure(args: argparse.Namespace, database: str) -> dict[str, Any]:
    migrate(get_settings().database_url)
    with TestClient(create_app()) as client:
        # Every declaration with its papers (and its truck for some): what traders poll.
        polled = lodge_demo(
            client,
            count=args.count,
            seed=args.seed,
            papers=1.0,
            arrived=args.arrived,
            subscribe=False,
        )
        _work()
        with db.unit_of_work() as session:
            waiting = _waiting_for_release(session)
        sweeps = _sweeps(args.sweeps, database)
        rng = random.Random(args.seed)
        warm = [rng.choice(polled) for _ in range(args.reads // 5)]
        rounds = [[rng.choice(polled) for _ in range(args.reads)] for _ in range(args.rounds)]
        app = client.app
        quiet = argparse.Namespace(**{**vars(args), "profile": None})
        _round(app, warm, quiet, database)
        found = [_round(app, reads, quiet, database) for reads in rounds]
        if args.profile:
            _round(app, rounds[-1], args, database)  # not counted: the profiler's cost is in it
    return {
        "declarations": len(polled),
        "reads_per_round": args.reads,
        "rounds": args.rounds,
        "concurrency": args.concurrency,
        "forget_kept": args.forget_kept,
        "states": dict(sum((Counter(r["states"]) for r in found), Counter())),
        "decided_and_arrived": waiting,
        "sweeps": sweeps,
        **{
            f"{name}_per_read_median": round(statistics.median(r[name] for r in found), 3)
            for name in ("cpu_ms", "postgresql_cpu_ms", "wall_ms")
        },
        "cpu_ms_per_read_rounds": [round(r["cpu_ms"], 3) for r in found],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.status_cost", description=__doc__)
    parser.add_argument("--count", type=int, default=300, help="declarations polled (300)")
    parser.add_argument("--arrived", type=float, default=0.5, help="share arrived (0.5)")
    parser.add_argument("--reads", type=int, default=1500, help="reads a round (1500)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds measured (5)")
    parser.add_argument("--concurrency", type=int, default=8, help="clients at once (8)")
    parser.add_argument(
        "--forget-kept",
        action="store_true",
        help="forget the gates' kept answers before each read: every read asks every gate",
    )
    parser.add_argument(
        "--sweeps", type=int, default=0, help="sweeps measured before the reads (0)"
    )
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--profile", help="write a cProfile of the view to this file")
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL)
    args = parser.parse_args(argv)
    name = f"status_cost_{uuid.uuid4().hex[:8]}"
    admin(args.pg_admin_url, "CREATE DATABASE {}", name)
    try:
        with service_settings(args.pg_admin_url, name, CLEARANCE_RATE_LIMIT_PER_SECOND="0"):
            hot.clear()
            print(json.dumps(_measure(args, name), indent=2))
    finally:
        admin(args.pg_admin_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


if __name__ == "__main__":
    main()
