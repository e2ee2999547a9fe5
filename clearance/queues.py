"""Redis connection, queue names and job ids: Redis carries work the database can rebuild."""

import uuid
from datetime import UTC, datetime
from functools import lru_cache

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry

from clearance.settings import get_settings

SCREENING_QUEUE = "clearance-screening"
SCREEN_JOB = "workers.jobs.screen_declaration"
SWEEPER_LOCK_KEY = "clearance:sweeper:lock"
# A failed job is parked as a dead letter for an operator to replay, not lost: leave it be.
ACCOUNTED_FOR = frozenset(
    {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.FAILED}
)


@lru_cache
def get_redis() -> Redis:
    return Redis.from_url(get_settings().redis_url, socket_timeout=5, socket_connect_timeout=2)


def screening_queue(connection: Redis | None = None) -> Queue:
    return Queue(SCREENING_QUEUE, connection=connection or get_redis())


def screening_job_id(declaration_id: uuid.UUID, version: int) -> str:
    """One job id per version: re-enqueueing the same version replaces, never duplicates."""
    return f"screen-{declaration_id}-v{version}"


def enqueue_screening(
    declaration_id: uuid.UUID, version: int, connection: Redis | None = None
) -> None:
    settings = get_settings()
    screening_queue(connection).enqueue(
        SCREEN_JOB,
        str(declaration_id),
        version,
        job_id=screening_job_id(declaration_id, version),
        job_timeout=settings.job_timeout_seconds,
        failure_ttl=settings.job_failure_ttl_seconds,
        result_ttl=3600,
        # Backoff between tries; intervals above zero need the worker's scheduler.
        retry=Retry(max=len(settings.job_retry_intervals), interval=settings.job_retry_intervals),
    )


def replay_screening(declaration_id: uuid.UUID, version: int) -> None:
    """Take the failed job out of RQ's failed registry and queue it afresh."""
    queue = screening_queue()
    job_id = screening_job_id(declaration_id, version)
    registry = FailedJobRegistry(queue=queue)
    if job_id in registry:
        registry.remove(job_id, delete_job=True)
    enqueue_screening(declaration_id, version, queue.connection)


def screening_job_accounted_for(
    declaration_id: uuid.UUID, version: int, connection: Redis | None = None
) -> bool:
    """Whether a job for this version is waiting, running or parked, so the sweeper leaves it."""
    try:
        job = Job.fetch(
            screening_job_id(declaration_id, version), connection=connection or get_redis()
        )
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    if status == JobStatus.STARTED and job.last_heartbeat is not None:
        # A worker killed mid-job leaves it "started" until RQ's own cleanup; a silent
        # heartbeat past the job timeout means nobody is running it.
        silent = datetime.now(UTC) - job.last_heartbeat.replace(tzinfo=UTC)
        return silent.total_seconds() < get_settings().job_timeout_seconds * 2
    return status in ACCOUNTED_FOR
