"""The benchmark's measured phases: the bare baselines, the service, a worker's memory."""

import argparse
import asyncio
import random
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from redis import Redis
from rq import Queue, Worker
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, FinishedJobRegistry

from clearance.embedded import free_port
from clearance.queues import SCREENING_QUEUE
from loadtests import bench_timings as timings
from loadtests.bare_jobs import enqueue_noops
from loadtests.bench_pipeline import Intake, Tracked, intake
from loadtests.bench_services import (
    CLEARANCE,
    REPO_ROOT,
    BenchError,
    Child,
    PrivateDatabase,
    start_child,
    wait_http,
)
from loadtests.bench_setup import Bodies, Keys, build_bodies, lodge_all
from loadtests.cpu_usage import (
    CpuMeter,
    PostgresOf,
    Snapshot,
    Trees,
    cpu_count,
    rss_bytes,
)
from loadtests.wrk_intake import WrkResult, run_wrk

BARE_QUEUE = "bench-noop"
SAMPLE_CONCURRENCY = 4
WARMUP_PER_PROCESS = 10
PROGRESS_SECONDS = 0.25
RSS_SECONDS = 0.5
# Once every declaration has its channel and the sample's requests are all answered, a green
# release is due at once (it happens in the transaction that opens the last gate).
RELEASE_GRACE_SECONDS = 5.0
MB = 1024 * 1024


@dataclass
class Run:
    """One benchmark run: its settings, private database and Redis, and what it started."""

    args: argparse.Namespace
    workdir: Path
    database: PrivateDatabase
    redis: Child
    redis_url: str
    env: dict[str, str]
    tag: str
    rng: random.Random
    children: list[Child] = field(default_factory=list)

    def start(self, name: str, command: list[str]) -> Child:
        child = start_child(name, command, env=self.env, workdir=self.workdir)
        self.children.append(child)
        return child


def cpu_figures(
    seconds: dict[str, float], before: Snapshot, after: Snapshot, units: int
) -> dict[str, Any]:
    """CPU seconds per component, and milliseconds per unit of work; the machine alongside."""
    components = dict(seconds)
    # This process and wrk, which it has waited for by now.
    components.setdefault("load_generator", after.own - before.own + after.reaped - before.reaped)
    wall = after.at - before.at
    machine = after.machine - before.machine
    return {
        "wall_seconds": round(wall, 3),
        "units": units,
        "seconds": {name: round(value, 3) for name, value in components.items()},
        "ms_per_unit": {
            name: round(value * 1000 / units, 3) if units else None
            for name, value in components.items()
        },
        "machine_busy_seconds": round(machine, 3),
        "machine_busy_share": round(machine / (wall * cpu_count()), 3) if wall else None,
        "outside_run_seconds": round(machine - sum(components.values()), 3),
        "postgres_cluster_seconds": round(after.postgres_cluster - before.postgres_cluster, 3),
    }


def bare_api(run: Run, bodies_file: Path) -> dict[str, Any]:
    """The bare endpoint (loadtests/bare_app.py) under the same uvicorn set-up and wrk load."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "loadtests.bare_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(run.args.api_processes),
        "--log-level",
        "info",
    ]
    child = run.start("bare-api", command)
    try:
        wait_http(f"http://127.0.0.1:{port}/openapi.json", child)
        meter = CpuMeter({"api": Trees(child.pid)})
        before = Snapshot.now()
        meter.start()
        result = _wrk(run, f"http://127.0.0.1:{port}/v1/declarations", bodies_file)
        seconds = meter.stop()
        after = Snapshot.now()
    finally:
        child.stop()
    return result.to_json() | {"cpu": cpu_figures(seconds, before, after, result.answered)}


def _wrk(run: Run, url: str, bodies_file: Path) -> WrkResult:
    return run_wrk(
        url=url,
        bodies=bodies_file,
        threads=run.args.threads,
        connections=run.args.connections,
        timeout=run.args.timeout,
        workdir=run.workdir,
    )


def bare_rq(run: Run) -> dict[str, Any]:
    """`--count` no-op jobs drained by `--workers` RQ SimpleWorkers that wait for them."""
    redis = Redis.from_url(run.redis_url)
    # A queue of its own each time: the registries of an earlier run would count as done.
    queue = Queue(f"{BARE_QUEUE}-{uuid.uuid4().hex[:6]}", connection=redis)
    command = [
        sys.executable,
        "-m",
        "rq.cli",
        "worker",
        "-w",
        "rq.worker.SimpleWorker",
        "--url",
        run.redis_url,
        "--path",
        str(REPO_ROOT),
        "--quiet",
        queue.name,
    ]
    workers = [run.start(f"bare-rq-{i}", command) for i in range(run.args.workers)]
    children = [run.redis, *workers]
    try:
        # Started first, like the service's workers: their start-up is not measured.
        _until(lambda: Worker.count(queue=queue) >= len(workers), children, "bare RQ workers")
        meter = CpuMeter(
            {
                "redis": Trees(run.redis.pid),
                "workers": Trees(*(w.pid for w in workers)),
            }
        )
        before = Snapshot.now()
        meter.start()
        ids = enqueue_noops(redis=redis, queue_name=queue.name, count=run.args.count)
        over = (FinishedJobRegistry(queue=queue), FailedJobRegistry(queue=queue))
        _until(
            lambda: sum(r.count for r in over) >= len(ids), children, "bare RQ", run.args.timeout
        )
        seconds = meter.stop()
        after = Snapshot.now()
    finally:
        for worker in workers:
            worker.stop()
    jobs = [job for job in Job.fetch_many(ids, connection=redis) if job is not None]
    finished = [j for j in jobs if j.get_status(refresh=False) == JobStatus.FINISHED]
    ended = sorted(j.ended_at for j in finished if j.ended_at is not None)
    return {
        "jobs": len(ids),
        "finished": len(finished),
        "jobs_per_second": round(timings.per_second(len(ended), *_ends(ended)), 2),
        "drain_seconds": round((ended[-1] - ended[0]).total_seconds(), 3) if ended else None,
        "cpu": cpu_figures(seconds, before, after, len(finished)),
    }


def _ends(values: list[Any]) -> tuple[Any, Any]:
    return (values[0], values[-1]) if values else (None, None)


def start_service(run: Run) -> tuple[Child, list[Child], str]:
    """`clearance api` with N processes and M `clearance worker`s, ready to take work."""
    port = free_port()
    api_command = ["api", "--processes", str(run.args.api_processes), "--port", str(port)]
    api = run.start("api", [*CLEARANCE, *api_command])
    workers = [
        run.start(f"worker-{i}", [*CLEARANCE, "worker", "--queue", SCREENING_QUEUE])
        for i in range(run.args.workers)
    ]
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/readyz", api)
    queue = Queue(SCREENING_QUEUE, connection=Redis.from_url(run.redis_url))
    _until(lambda: Worker.count(queue=queue) >= len(workers), [api, *workers], "workers")
    return api, workers, url


def _until(
    done: Callable[[], bool], children: list[Child], what: str, seconds: float = 120.0
) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if dead := [c for c in children if not c.alive()]:
            raise BenchError(f"{dead[0].name} ended:\n{dead[0].tail()}")
        if time.monotonic() > deadline:
            raise BenchError(f"{what}: not ready in {seconds:.0f} s")
        time.sleep(PROGRESS_SECONDS)


def warm_up(
    run: Run, url: str, keys: Keys, connection: psycopg.Connection[Any], children: list[Child]
) -> None:
    """A few declarations through every stage first: imports, caches, the model are loaded."""
    suffix = f"{run.tag}U"
    count = WARMUP_PER_PROCESS * run.args.api_processes
    bodies = build_bodies(keys.traders, count, suffix=suffix, rng=run.rng)
    if failures := lodge_all(url, bodies, SAMPLE_CONCURRENCY):
        raise BenchError(f"warm-up lodgements failed: {failures[:3]}")
    _until(lambda: timings.progress(connection, suffix).with_channel >= count, children, "warm-up")


def _sample_flow(url: str, sample: list[Tracked], keys: Keys) -> Intake:
    """bench_pipeline's full flow: lodge, upload the papers, pay, record the arrival."""

    async def flow() -> Intake:
        limits = httpx.Limits(max_connections=SAMPLE_CONCURRENCY)
        async with httpx.AsyncClient(base_url=url, timeout=30.0, limits=limits) as client:
            return await intake(client, sample, (keys.gate, keys.bank), SAMPLE_CONCURRENCY)

    return asyncio.run(flow())


def service(
    run: Run, keys: Keys, bodies_file: Path, sample: Bodies
) -> tuple[dict[str, Any], list[str]]:
    """Intake with wrk (and the release sample alongside), then every channel; the figures,
    and the problems that fail the run."""
    api, workers, url = start_service(run)
    connection = run.database.connect()
    children = [run.redis, api, *workers]
    warm_up(run, url, keys, connection, children)
    from loadtests import bench_intake  # it builds on this module

    paced = bench_intake.paced_with_workers(run, keys, url, connection, [api, *workers])
    meter = CpuMeter(
        {
            "api": Trees(api.pid),
            "database": PostgresOf(run.database.name),
            "redis": Trees(run.redis.pid),
            "workers": Trees(*(w.pid for w in workers)),
        }
    )
    rss_start = [rss_bytes(w.pid) for w in workers]
    before = Snapshot.now()
    meter.start()
    tracked = [Tracked(body=body, trader=trader) for trader, body in sample.items]
    with ThreadPoolExecutor(1) as pool:
        flowing = pool.submit(_sample_flow, url, tracked, keys)
        result = _wrk(run, f"{url}/v1/declarations", bodies_file)
        intake_seconds = meter.seconds()
        intake_done = Snapshot.now()
        sample_intake = flowing.result()
    timed_out = _wait_settled(run, connection, before.at + run.args.timeout, children)
    seconds = meter.stop()
    after = Snapshot.now()
    rss_end = [rss_bytes(w.pid) for w in workers]
    lodged = timings.timelines(connection, f"{run.tag}W")
    sampled = timings.timelines(connection, f"{run.tag}S")
    sets = timings.screening_sets(connection, f"{run.tag}W")
    connection.close()
    measured = len(lodged) + len(sampled)
    # Each sampled declaration also uploads its papers, is paid and arrives: more requests.
    requests = result.answered + sample_intake.requests
    figures = {
        "paced": paced,
        "intake": result.to_json() | {"in_database": len(lodged)},
        "end_to_end": timings.end_to_end([*lodged, *sampled]),
        "sets": sets,
        "release_sample": timings.releases(sampled)
        | {"lodged": sample_intake.lodged, "failures": dict(sample_intake.failures)},
        "cpu": cpu_figures(seconds, before, after, measured) | {"requests": requests},
        "cpu_intake": cpu_figures(intake_seconds, before, intake_done, measured),
        "worker_rss_mb": [
            {"start": round(a / MB, 1), "end": round(b / MB, 1)}
            for a, b in zip(rss_start, rss_end, strict=True)
        ],
    }
    return figures, _problems(run, result, lodged, sampled, sample_intake, timed_out)


def _wait_settled(
    run: Run, connection: psycopg.Connection[Any], deadline: float, children: list[Child]
) -> bool:
    """Until every declaration has its channel and the sample's green ones are released;
    whether time ran out first."""
    channels_at = None
    while time.monotonic() < deadline:
        if dead := [c for c in children if not c.alive()]:
            raise BenchError(f"{dead[0].name} ended:\n{dead[0].tail()}")
        lodged = timings.progress(connection, f"{run.tag}W")
        sampled = timings.progress(connection, f"{run.tag}S")
        if lodged.with_channel == lodged.declarations and (
            sampled.with_channel == sampled.declarations
        ):
            channels_at = channels_at or time.monotonic()
            late = time.monotonic() - channels_at > RELEASE_GRACE_SECONDS
            if sampled.awaiting_release == 0 or late:
                return False
        time.sleep(PROGRESS_SECONDS)
    return True


def _problems(
    run: Run,
    result: WrkResult,
    lodged: list[timings.Timeline],
    sampled: list[timings.Timeline],
    sample_intake: Intake,
    timed_out: bool,
) -> list[str]:
    problems = []
    if not result.complete or result.refused or result.socket_errors.get("timeout"):
        problems.append(
            f"intake: {result.accepted} of {result.bodies} accepted, {result.refused} refused, "
            f"{result.bodies - result.answered} unanswered: {result.refusals[:2]}"
        )
    if len(lodged) != run.args.count:
        problems.append(f"{len(lodged)} declarations in the database, {run.args.count} sent")
    lodge_failures = {k: n for k, n in sample_intake.failures.items() if k.startswith("lodge")}
    if lodge_failures:
        problems.append(f"release sample lodgements failed: {lodge_failures}")
    unscreened = sum(1 for t in [*lodged, *sampled] if t.channel is None)
    if timed_out or unscreened:
        problems.append(f"{unscreened} declarations without a channel after {run.args.timeout} s")
    return problems
