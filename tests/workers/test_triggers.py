"""Screening jobs are triggers: concurrent lodgements share one, and none is lost."""

from concurrent.futures import ThreadPoolExecutor

from redis import Redis
from rq.job import Job, JobStatus

from clearance import queues
from clearance.settings import get_settings


def test_concurrent_triggers_queue_one_job_with_its_retries(redis: Redis) -> None:
    with ThreadPoolExecutor(max_workers=16) as pool:
        enqueued = list(pool.map(lambda _n: queues.trigger_screening(), range(40)))
    assert enqueued.count(True) == 1
    [job_id] = queues.screening_queue(redis).get_job_ids()
    job = Job.fetch(job_id, connection=redis)
    assert job.func_name == queues.SCREEN_JOB
    assert job.get_status() == JobStatus.QUEUED
    assert job.retries_left == len(get_settings().job_retry_intervals)
    assert job.timeout == get_settings().job_timeout_seconds
