"""Worker start-up: a non-forking RQ worker, plus the sweeper on a timer."""

import logging
import signal
import threading
import time
from types import FrameType

from prometheus_client import start_http_server
from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker

from clearance.queues import SWEEPER_LOCK_KEY, get_redis, screening_queue
from clearance.settings import get_settings
from workers import jobs

logger = logging.getLogger(__name__)
RESTART_AFTER_SECONDS = 1.0


class ScreeningWorker(SimpleWorker):
    """A SimpleWorker that remembers being asked to stop, to tell a shutdown from a lost Redis."""

    stop_asked = False

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_asked = True
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]  # rq: untyped


def _sweep_forever(redis: Redis, interval: float, stop: threading.Event) -> None:
    """Run the sweeper every `interval` seconds; a Redis lock keeps it to one worker at a time."""
    while not stop.wait(interval):
        try:
            if redis.set(SWEEPER_LOCK_KEY, "1", nx=True, px=int(interval * 1000 * 0.9)):
                result = jobs.sweep()
                if any(result.values()):
                    logger.info("sweeper: %s", result)
        except Exception:
            logger.exception("sweeper run failed; trying again next interval")


def run(*, burst: bool = False, metrics_port: int | None = None, sweep: bool = True) -> None:
    """Work the screening queue until stopped (or until empty with `burst`)."""
    settings = get_settings()
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
    try:
        while not _work(redis, burst=burst):
            # RQ quits its loop when Redis goes away in the middle of a job (and cannot start
            # without it): start again, rather than leave screening to whoever restarts the
            # process. Nothing runs now, so a stop signal may end the process at once.
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            time.sleep(RESTART_AFTER_SECONDS)
    finally:
        stop.set()


def _work(redis: Redis, *, burst: bool) -> bool:
    """Work the queue; False when the worker stopped without being asked (Redis lost)."""
    # SimpleWorker runs jobs in its own process: no fork per job (~46 jobs/s with forking),
    # and Prometheus multiprocess files stay one per worker. Creating it talks to Redis too.
    try:
        worker = ScreeningWorker([screening_queue(redis)], connection=redis)
        worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
    except RedisError as exc:
        logger.warning("the worker lost Redis (%s); starting it again", exc)
        return False
    if burst or worker.stop_asked:
        return True
    logger.warning("the worker stopped without being asked; starting it again")
    return False
