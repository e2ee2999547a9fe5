"""Redis connection, queue names and job ids: Redis carries work the database can rebuild."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.queue import EnqueueData

from clearance import tracing
from clearance.settings import get_settings

SCREENING_QUEUE = "clearance-screening"
# Screening's work list is the database (the versions waiting in `lodged` or `screening`); a
# screening job is only the trigger that says "screen what is pending".
SCREEN_JOB = "workers.jobs.screen_pending"
# Set while a trigger waits in the queue: a lodgement that finds it set enqueues nothing, since
# the waiting trigger will claim its version too (a worker clears it before it claims).
SCREENING_TRIGGERED_KEY = "clearance:screening:triggered"
SCREENING_LATER_KEY = "clearance:screening:later"
# Pushes to traders' callbacks wait on other people's servers: a queue of their own, so a slow
# receiver never holds up screening (workers take screening first; see workers/worker.py).
NOTIFICATIONS_QUEUE = "clearance-notifications"
DELIVER_JOB = "workers.jobs.deliver_notifications"
# Retraining the risk model takes minutes: a queue of its own, taken after the others, so a
# deployment may also give it a worker of its own (`clearance worker --queue clearance-training`).
TRAINING_QUEUE = "clearance-training"
SWEEPER_LOCK_KEY = "clearance:sweeper:lock"
# Waiting or running: the notification sweeper leaves a delivery to its job.
IN_HAND = frozenset({JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED})


@lru_cache
def get_redis() -> Redis:
    return Redis.from_url(get_settings().redis_url, socket_timeout=5, socket_connect_timeout=2)


def screening_queue(connection: Redis | None = None) -> Queue:
    return Queue(SCREENING_QUEUE, connection=connection or get_redis())


def screening_job_id(declaration_id: uuid.UUID, version: int) -> str:
    """A version's name in dead letters and logs: screening it is the job that failed."""
    return f"screen-{declaration_id}-v{version}"


def _trigger_job(trace: dict[str, Any] | None) -> EnqueueData:
    settings = get_settings()
    return Queue.prepare_data(
        SCREEN_JOB,
        job_id=f"screen-pending-{uuid.uuid4().hex[:16]}",
        timeout=settings.job_timeout_seconds,
        failure_ttl=settings.job_failure_ttl_seconds,
        result_ttl=600,
        # Backoff between tries; intervals above zero need the worker's scheduler.
        retry=Retry(max=len(settings.job_retry_intervals), interval=settings.job_retry_intervals),
        meta=tracing.job_meta() if trace is None else trace,
    )


def _trigger_ttl() -> int:
    """A trigger waiting longer than this is taken for lost: the next caller enqueues another."""
    settings = get_settings()
    return max(settings.job_timeout_seconds, int(settings.sweeper_stuck_after_seconds), 1)


def trigger_screening(trace: dict[str, Any] | None = None, connection: Redis | None = None) -> bool:
    """Make sure a screening job is on its way; True if this call enqueued it.

    One round trip when a trigger is waiting already (the usual case under load), two when
    not. `trace` is the context of the request it belongs to, if not the current one.
    """
    redis = connection or get_redis()
    if not redis.set(SCREENING_TRIGGERED_KEY, "1", nx=True, ex=_trigger_ttl()):
        return False
    try:
        screening_queue(redis).enqueue_many([_trigger_job(trace)])
    except Exception:
        redis.delete(SCREENING_TRIGGERED_KEY)
        raise
    return True


def trigger_screening_later(seconds: float, connection: Redis | None = None) -> bool:
    """A trigger in `seconds` (for the worker's RQ scheduler), unless one is due already: for
    pending versions a claim skipped because another transaction held their rows."""
    redis = connection or get_redis()
    if not redis.set(SCREENING_LATER_KEY, "1", nx=True, ex=max(int(seconds), 1)):
        return False
    settings = get_settings()
    screening_queue(redis).enqueue_in(
        timedelta(seconds=seconds),
        SCREEN_JOB,
        job_id=f"screen-pending-{uuid.uuid4().hex[:16]}",
        job_timeout=settings.job_timeout_seconds,
        failure_ttl=settings.job_failure_ttl_seconds,
        result_ttl=600,
        retry=Retry(max=len(settings.job_retry_intervals), interval=settings.job_retry_intervals),
    )
    return True


def screening_taken(connection: Redis | None = None) -> None:
    """A worker is about to claim pending versions: what is lodged from now needs a trigger."""
    (connection or get_redis()).delete(SCREENING_TRIGGERED_KEY)


def screening_triggered(connection: Redis | None = None) -> bool:
    """Whether a trigger waits in the queue (and will claim whatever is pending)."""
    return bool((connection or get_redis()).exists(SCREENING_TRIGGERED_KEY))


def enqueue_screenings(versions: list[tuple[uuid.UUID, int, dict[str, Any]]]) -> None:
    """After a set of lodgements is committed: wake a worker, in the first one's trace."""
    if versions:
        trigger_screening(versions[0][2])


def job_status(job_id: str, connection: Redis | None = None) -> JobStatus | None:
    """A job as RQ sees it; None when Redis holds none, or nobody runs it."""
    try:
        job = Job.fetch(job_id, connection=connection or get_redis())
    except NoSuchJobError:
        return None
    status = job.get_status(refresh=False)
    if status == JobStatus.STARTED and job.last_heartbeat is not None:
        # A worker killed mid-job leaves it "started" until RQ's own cleanup; a silent
        # heartbeat past the job timeout means nobody is running it.
        silent = datetime.now(UTC) - job.last_heartbeat.replace(tzinfo=UTC)
        if silent.total_seconds() >= get_settings().job_timeout_seconds * 2:
            return None
    return status


def notifications_queue(connection: Redis | None = None) -> Queue:
    return Queue(NOTIFICATIONS_QUEUE, connection=connection or get_redis())


def sweeper_delivery_job_id(subscription_id: uuid.UUID, declaration_id: uuid.UUID) -> str:
    """The sweeper's job for one subscription and declaration: one at a time, never a pile."""
    return f"notify-{subscription_id}-{declaration_id}"


def enqueue_deliveries(pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """`enqueue_delivery` now for each (subscription, declaration), in one Redis round trip."""
    if not pairs:
        return
    settings = get_settings()
    queue = notifications_queue()
    queue.enqueue_many(
        [
            Queue.prepare_data(
                DELIVER_JOB,
                args=(str(subscription_id), str(declaration_id)),
                timeout=settings.job_timeout_seconds,
                failure_ttl=settings.job_failure_ttl_seconds,
                result_ttl=600,
                meta=tracing.job_meta(),
            )
            for subscription_id, declaration_id in pairs
        ]
    )


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
        "meta": tracing.job_meta(),
    }
    args = (str(subscription_id), str(declaration_id))
    if delay is not None and delay.total_seconds() > 0:
        queue.enqueue_in(delay, DELIVER_JOB, *args, **options)
    else:
        queue.enqueue(DELIVER_JOB, *args, **options)
