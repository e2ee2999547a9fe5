"""Worker start-up: a non-forking RQ worker, plus the sweeper on a timer."""

import logging
import threading

from prometheus_client import start_http_server
from redis import Redis
from rq import SimpleWorker

from clearance.queues import SWEEPER_LOCK_KEY, get_redis, screening_queue
from clearance.settings import get_settings
from workers import jobs

logger = logging.getLogger(__name__)


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
    # SimpleWorker runs jobs in its own process: no fork per job (~46 jobs/s with forking),
    # and Prometheus multiprocess files stay one per worker.
    worker = SimpleWorker([screening_queue(redis)], connection=redis)
    try:
        worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
    finally:
        stop.set()
