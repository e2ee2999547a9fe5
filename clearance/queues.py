"""Redis connection, queue names and job ids: Redis carries work the database can rebuild."""

import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry

from clearance.settings import get_settings

SCREENING_QUEUE = "clearance-screening"
SCREEN_JOB = "workers.jobs.screen_declaration"
# Pushes to traders' callbacks wait on other people's servers: a queue of their own, so a slow
# receiver never holds up screening (workers take screening first; see workers/worker.py).
NOTIFICATIONS_QUEUE = "clearance-notifications"
DELIVER_JOB = "workers.jobs.deliver_notifications"
SWEEPER_LOCK_KEY = "clearance:sweeper:lock"
# A failed job is parked as a dead letter for an operator to replay, not lost: leave it be.
ACCOUNTED_FOR = frozenset(
    {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.FAILED}
)
# A delivery job is never parked: the database says what is due, so a failed one is just gone.
WAITING_OR_RUNNING = ACCOUNTED_FOR - {JobStatus.FAILED}


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
    return job_accounted_for(
        screening_job_id(declaration_id, version), ACCOUNTED_FOR, connection=connection
    )


def job_accounted_for(
    job_id: str, statuses: frozenset[JobStatus], connection: Redis | None = None
) -> bool:
    """Whether a job of this id is in one of `statuses` and, if started, still running."""
    try:
        job = Job.fetch(job_id, connection=connection or get_redis())
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    if status == JobStatus.STARTED and job.last_heartbeat is not None:
        # A worker killed mid-job leaves it "started" until RQ's own cleanup; a silent
        # heartbeat past the job timeout means nobody is running it.
        silent = datetime.now(UTC) - job.last_heartbeat.replace(tzinfo=UTC)
        return silent.total_seconds() < get_settings().job_timeout_seconds * 2
    return status in statuses


def notifications_queue(connection: Redis | None = None) -> Queue:
    return Queue(NOTIFICATIONS_QUEUE, connection=connection or get_redis())


def sweeper_delivery_job_id(subscription_id: uuid.UUID, declaration_id: uuid.UUID) -> str:
    """The sweeper's job for one subscription and declaration: one at a time, never a pile."""
    return f"notify-{subscription_id}-{declaration_id}"


def enqueue_delivery(
    subscription_id: uuid.UUID,
    declaration_id: uuid.UUID,
    *,
    delay: timedelta | None = None,
    job_id: str | None = None,
    connection: Redis | None = None,
) -> None:
    """Deliver a subscription's due events of one declaration, now or after `delay`."""
    # Running the job twice is harmless (a claimed event is leased in the database), so most
    # callers let RQ pick the id: the database, not Redis, remembers what is still due.
    settings = get_settings()
    queue = notifications_queue(connection)
    options = {
        "job_id": job_id,
        "job_timeout": settings.job_timeout_seconds,
        "failure_ttl": settings.job_failure_ttl_seconds,
        "result_ttl": 600,
    }
    args = (str(subscription_id), str(declaration_id))
    if delay is not None and delay.total_seconds() > 0:
        queue.enqueue_in(delay, DELIVER_JOB, *args, **options)
    else:
        queue.enqueue(DELIVER_JOB, *args, **options)
