"""Screening jobs of concurrent requests reach Redis together, each complete and exactly once."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.queue import EnqueueData

from clearance import queues
from clearance.queues import GroupEnqueue
from clearance.settings import get_settings


def _job(n: int) -> EnqueueData:
    return Queue.prepare_data("workers.jobs.sweep", job_id=f"job-{n}")


def test_callers_that_come_during_a_send_go_together_in_the_next() -> None:
    batches: list[list[str]] = []
    first_in_flight, release_first = threading.Event(), threading.Event()

    def send(jobs: list[EnqueueData]) -> None:
        batches.append([job.job_id or "" for job in jobs])
        if len(batches) == 1:
            first_in_flight.set()
            release_first.wait(5)

    group = GroupEnqueue(send)
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = pool.submit(group.submit, _job(0))
        assert first_in_flight.wait(5)
        rest = [pool.submit(group.submit, _job(n)) for n in range(1, 8)]
        while len(group._waiting) < 7:  # all seven queued behind the send in flight
            time.sleep(0.01)
        release_first.set()
        for future in [first, *rest]:
            future.result(5)
    assert batches == [["job-0"], [f"job-{n}" for n in range(1, 8)]]


def test_a_failed_send_raises_in_every_caller_of_its_batch_and_the_next_one_goes_on() -> None:
    calls = [0]

    def send(jobs: list[EnqueueData]) -> None:
        calls[0] += 1
        if calls[0] == 1:
            raise ConnectionError("Redis is down")

    group = GroupEnqueue(send)
    with pytest.raises(ConnectionError, match="Redis is down"):
        group.submit(_job(1))
    group.submit(_job(2))  # not stuck behind the failure
    assert calls == [2]


def test_concurrent_screenings_are_queued_once_each_with_their_retries(redis: Redis) -> None:
    declarations = [uuid.uuid4() for _ in range(40)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda d: queues.enqueue_screening(d, 1), declarations))
    queued = queues.screening_queue().get_job_ids()
    assert sorted(queued) == sorted(queues.screening_job_id(d, 1) for d in declarations)
    job = Job.fetch(queues.screening_job_id(declarations[0], 1), connection=redis)
    assert job.get_status() == JobStatus.QUEUED
    assert list(job.args) == [str(declarations[0]), 1]
    assert job.retries_left == len(get_settings().job_retry_intervals)
    assert job.timeout == get_settings().job_timeout_seconds
