"""A worker keeps what its first job loaded out of the garbage collector's full passes."""

import gc

from redis import Redis
from rq import Queue

from workers.worker import Worker


def test_a_worker_freezes_what_its_first_job_loaded(redis: Redis) -> None:
    queue = Queue("gc-freeze", connection=redis)
    queue.enqueue(sorted, [3, 1, 2])
    frozen_before = gc.get_freeze_count()
    try:
        worker = Worker([queue], connection=redis)
        assert not worker.frozen
        worker.work(burst=True, logging_level="WARNING")
        assert worker.frozen
        assert gc.get_freeze_count() > frozen_before
    finally:
        gc.unfreeze()
