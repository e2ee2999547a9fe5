"""Worker start-up: a non-forking RQ worker with RQ's scheduler (retries, scheduled retraining),
plus the sweeper on a timer.

Idle, a worker costs next to nothing: it waits in one blocking pop on Redis, waking every
`worker_maintenance_seconds` to heartbeat; the sweeper thread wakes every sweeper interval
and sweeps in one worker at a time (a Redis lock). RQ's scheduler runs as one process for all
workers: each tries its lock at start and at maintenance, and only the holder forks it.
"""

import gc
import logging
import signal
import threading
import time
from collections.abc import Sequence
from types import FrameType

from prometheus_client import start_http_server
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.job import Job

from clearance import tracing
from clearance.logs import log_level
from clearance.queues import (
    NOTIFICATIONS_QUEUE,
    SCREENING_QUEUE,
    SWEEPER_LOCK_KEY,
    TRAINING_QUEUE,
    get_redis,
)
from clearance.settings import get_settings
from workers import jobs

logger = logging.getLogger(__name__)
RESTART_AFTER_SECONDS = 1.0


# In order of priority: a worker takes a screening job before any delivery, and retrains the
# risk model only when neither waits.
QUEUES = (SCREENING_QUEUE, NOTIFICATIONS_QUEUE, TRAINING_QUEUE)


class Worker(SimpleWorker):
    """A SimpleWorker that remembers being asked to stop, to tell a shutdown from a lost Redis."""

    stop_asked = False
    frozen = False

    def perform_job(self, job: Job, queue: Queue) -> bool:
        with tracing.job_span(f"job {job.func_name}", job.meta):
            done = super().perform_job(job, queue)
        if not self.frozen:
            # What the first job loaded (the model, the reference data: half a million objects)
            # stays for the process's life: kept out of the collector's full passes, which
            # otherwise walk it every few hundred declarations (a quarter of a second each).
            gc.freeze()
            self.frozen = True
        return done

    def subscribe(self) -> None:
        """No command channel: RQ's pubsub thread serves `rq`'s shutdown and kill commands,
        which this service never sends; it would hold a Redis connection more per worker, and
        its join holds up every stop by up to a second."""

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_asked = True
        jobs.STOPPING.set()  # a screening job waiting for more work hands over at once
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]  # rq: untyped


def _sweep_forever(redis: Redis, interval: float, stop: threading.Event) -> None:
    """Run the sweepers every `interval` seconds; a Redis lock keeps them to one worker."""
    while not stop.wait(interval):
        try:
            if redis.set(SWEEPER_LOCK_KEY, "1", nx=True, px=int(interval * 1000 * 0.9)):
                _sweep_once()
        except Exception:
            logger.exception("sweeper lock unavailable; trying again next interval")


def _sweep_once() -> None:
    # Each sweep on its own: a failure of one must not starve the other.
    try:
        result = jobs.sweep()
        if any(result.values()):
            logger.info("sweeper: %s", result)
    except Exception:
        logger.exception("sweeper run failed; trying again next interval")
    try:
        if enqueued := jobs.sweep_notifications():
            logger.info("sweeper: %d overdue notification deliveries enqueued", enqueued)
    except Exception:
        logger.exception("notification sweep failed; trying again next interval")


def run(
    *,
    burst: bool = False,
    metrics_port: int | None = None,
    sweep: bool = True,
    queues: Sequence[str] = QUEUES,
) -> None:
    """Work the queues until stopped (or until empty with `burst`)."""
    settings = get_settings()
    tracing.start_worker()
    redis = get_redis()
    if metrics_port:
        start_http_server(metrics_port)
    stop = threading.Event()
    if sweep and not burst:
        threading.Thread(
            target=_sweep_forever,
            args=(redis, settings.sweeper_interval_seconds, stop),
            name="sweeper",
            daemon=True,
        ).start()
    if SCREENING_QUEUE in queues and not burst:
        # What the first screening would load (the model, the reference data), loaded before
        # the worker registers: a worker's first job took seconds, and under load it is a
        # backlog's call or a hand-over that finds a cold worker. Kept out of the collector's
        # passes like what the first job loads (`Worker.perform_job`).
        jobs.warm_up()
        gc.freeze()
    try:
        while not _work(redis, queues, burst=burst):
            # RQ quits its loop when Redis goes away in the middle of a job (and cannot start
            # without it): start again, rather than leave screening to whoever restarts the
            # process. Nothing runs now, so a stop signal may end the process at once.
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            time.sleep(RESTART_AFTER_SECONDS)
    finally:
        stop.set()


def _work(redis: Redis, queues: Sequence[str], *, burst: bool) -> bool:
    """Work the queues; False when the worker stopped without being asked (Redis lost)."""
    # SimpleWorker runs jobs in its own process: no fork per job (~46 jobs/s with forking),
    # and Prometheus multiprocess files stay one per worker. Creating it talks to Redis too.
    try:
        if TRAINING_QUEUE in queues and not burst:
            jobs.schedule_retraining(redis)  # for this worker's scheduler (RQ's, with_scheduler)
        maintenance = get_settings().worker_maintenance_seconds
        worker = Worker(
            [Queue(name, connection=redis) for name in queues],
            connection=redis,
            # RQ blocks in its pop for `worker_ttl` - 15 s, then heartbeats and, every
            # `maintenance_interval`, starts its scheduler here if no live worker holds it.
            worker_ttl=maintenance + 15,
            maintenance_interval=maintenance,
        )
        worker.work(burst=burst, with_scheduler=True, logging_level=log_level())
    except RedisError as exc:
        logger.warning("the worker lost Redis (%s); starting it again", exc)
        return False
    if burst or worker.stop_asked:
        return True
    logger.warning("the worker stopped without being asked; starting it again")
    return False
