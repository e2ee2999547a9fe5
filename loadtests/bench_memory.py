"""The benchmark's memory phase: one `clearance worker` working through many units, its RSS.

Two kinds of work: no-op jobs on the screening queue (what RQ and the worker class keep), and
declarations lodged and waiting for screening (what screening itself keeps: the model, the
reference data, its caches).
"""

import time
from collections.abc import Callable
from typing import Any, cast

from redis import Redis
from rq import Queue
from rq.registry import StartedJobRegistry

from clearance.queues import SCREENING_QUEUE, trigger_screening
from loadtests import prefill
from loadtests.bare_jobs import enqueue_noops
from loadtests.bench_phases import MB, PROGRESS_SECONDS, RSS_SECONDS, Run
from loadtests.bench_services import CLEARANCE, BenchError
from loadtests.cpu_usage import Trees, rss_bytes

Point = tuple[float, int, int, int]  # seconds, units done, RSS, RSS with children
# A declaration waits for screening while it is in one of these states.
WAITING_SQL = (
    "SELECT count(*) FROM declaration WHERE ucr LIKE %s AND state IN ('lodged', 'screening')"
)


def worker_memory(run: Run, jobs: int) -> dict[str, Any]:
    """One `clearance worker` draining `jobs` no-op jobs from its own queue: RSS over time."""
    redis = Redis.from_url(run.redis_url)
    started_at = time.monotonic()
    enqueue_noops(redis=redis, queue_name=SCREENING_QUEUE, count=jobs)
    enqueue_seconds = time.monotonic() - started_at
    queue = Queue(SCREENING_QUEUE, connection=redis)
    running = StartedJobRegistry(queue=queue)
    figures = _drain(run, jobs, lambda: queue.count + running.count)
    return {"unit": "no-op jobs"} | figures | {"enqueue_seconds": round(enqueue_seconds, 2)}


def declarations_memory(run: Run, count: int) -> dict[str, Any]:
    """`count` declarations written as the API leaves them (lodged, waiting), then screened
    by one `clearance worker`: RSS over time."""
    prefix = f"PM{run.tag}"
    written = prefill.pending(run.database.url, count, prefix=prefix)
    trigger_screening(connection=Redis.from_url(run.redis_url))
    with run.database.connect() as connection:

        def left() -> int:
            row = connection.execute(WAITING_SQL, (f"{prefix}%",)).fetchone()
            return cast(int, row[0]) if row else 0

        figures = _drain(run, count, left)
    return {"unit": "declarations"} | figures | {"write_seconds": written["seconds"]}


def _drain(run: Run, units: int, left: Callable[[], int]) -> dict[str, Any]:
    """Start the worker, sample its RSS until no unit is `left`, then once more at rest."""
    worker = run.start("rss-worker", [*CLEARANCE, "worker", "--queue", SCREENING_QUEUE])
    tree = Trees(worker.pid)  # with its RQ scheduler, a forked child
    points: list[Point] = []
    began = time.monotonic()
    deadline = began + max(run.args.timeout, units / 20)
    try:
        while time.monotonic() < deadline:
            if not worker.alive():
                raise BenchError(f"the worker ended:\n{worker.tail()}")
            remaining = left()
            rss = rss_bytes(worker.pid), sum(rss_bytes(p.pid) for p in tree())
            points.append((time.monotonic() - began, units - remaining, *rss))
            if remaining == 0:
                break
            # Finely until the first unit is done: the worker's size once it is up and working.
            time.sleep(RSS_SECONDS if remaining < units else PROGRESS_SECONDS / 5)
        time.sleep(1.0)  # idle: what it keeps once the work is done
        rss = rss_bytes(worker.pid), sum(rss_bytes(p.pid) for p in tree())
        idle = (time.monotonic() - began, points[-1][1], *rss)
    finally:
        worker.stop()
    return memory_figures(points, idle, units)


def memory_figures(points: list[Point], idle: Point, units: int) -> dict[str, Any]:
    """RSS after the first unit, after 10% of them, and at the end; the series by tenths."""

    def first(share: float) -> Point:
        wanted = max(1, int(units * share))
        return next((p for p in points if p[1] >= wanted), points[-1])

    working = [p for p in points if p[1] > 0]
    span = working[-1][0] - working[0][0] if len(working) > 1 else 0.0
    return {
        "units": units,
        "done": points[-1][1],
        "per_second": round((working[-1][1] - working[0][1]) / span, 1) if span else None,
        "rss_mb": {
            "start": round(first(0.0)[2] / MB, 1),
            "after_10_percent": round(first(0.1)[2] / MB, 1),
            "end": round(idle[2] / MB, 1),
            "max": round(max(p[2] for p in points) / MB, 1),
        },
        # Near 0 when flat. One-off growth comes early (lazy imports; the sweeper's first
        # run, 30 s in): over enough units, what grows after the first tenth is a leak.
        "growth_after_10_percent_mb": round((idle[2] - first(0.1)[2]) / MB, 1),
        "rss_with_children_mb_end": round(idle[3] / MB, 1),
        "series": [
            {"done": p[1], "seconds": round(p[0], 1), "rss_mb": round(p[2] / MB, 1)}
            for p in (first(tenth / 10) for tenth in range(11))
        ],
    }
