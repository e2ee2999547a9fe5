"""Redis connection, queue names and job ids: Redis carries work the database can rebuild."""

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.queue import EnqueueData
from rq.registry import FailedJobRegistry

from clearance import tracing
from clearance.settings import get_settings

SCREENING_QUEUE = "clearance-screening"
SCREEN_JOB = "workers.jobs.screen_declaration"
# Pushes to traders' callbacks wait on other people's servers: a queue of their own, so a slow
# receiver never holds up screening (workers take screening first; see workers/worker.py).
NOTIFICATIONS_QUEUE = "clearance-notifications"
DELIVER_JOB = "workers.jobs.deliver_notifications"
# Retraining the risk model takes minutes: a queue of its own, taken after the others, so a
# deployment may also give it a worker of its own (`clearance worker --queue clearance-training`).
TRAINING_QUEUE = "clearance-training"
SWEEPER_LOCK_KEY = "clearance:sweeper:lock"
# Waiting or running: the sweeper leaves the declaration to its job. A failed one is left
# only if it was parked as a dead letter (the sweeper asks the database).
IN_HAND = frozenset({JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED})


@lru_cache
def get_redis() -> Redis:
    return Redis.from_url(get_settings().redis_url, socket_timeout=5, socket_connect_timeout=2)


def screening_queue(connection: Redis | None = None) -> Queue:
    return Queue(SCREENING_QUEUE, connection=connection or get_redis())


def screening_job_id(declaration_id: uuid.UUID, version: int) -> str:
    """One job id per version: re-enqueueing the same version replaces, never duplicates."""
    return f"screen-{declaration_id}-v{version}"


@dataclass(eq=False)
class _Waiting:
    job: EnqueueData
    sent: bool = False
    error: Exception | None = None


class GroupEnqueue:
    """Jobs of concurrent requests go to Redis in one pipeline, with no timer to wait for.

    The first caller sends its job at once. Callers that come while a send is under way wait,
    and the first of them sends every job waiting by then in one pipeline. A request alone
    pays for its own round trip, as before; a burst shares them. Each caller returns once its
    job is in Redis (or raises what sending it raised), as a plain enqueue would.
    """

    def __init__(self, send: Callable[[list[EnqueueData]], None]) -> None:
        self._send = send
        self._ready = threading.Condition()
        self._waiting: list[_Waiting] = []
        self._sending = False

    def submit(self, job: EnqueueData) -> None:
        mine = _Waiting(job)
        with self._ready:
            self._waiting.append(mine)
            while self._sending and not mine.sent:
                self._ready.wait()
            if not mine.sent:
                self._sending = True
                batch, self._waiting = self._waiting, []
        if not mine.sent:
            try:
                self._send([waiting.job for waiting in batch])
            except Exception as exc:
                for waiting in batch:
                    waiting.error = exc
            with self._ready:
                for waiting in batch:
                    waiting.sent = True
                self._sending = False
                self._ready.notify_all()
        if mine.error is not None:
            raise mine.error


def _send_screenings(jobs: list[EnqueueData]) -> None:
    queue = screening_queue()
    with queue.connection.pipeline() as pipeline:
        queue.enqueue_many(jobs, pipeline=pipeline)
        pipeline.execute()


_screenings = GroupEnqueue(_send_screenings)


def _screening_job(
    declaration_id: uuid.UUID, version: int, trace: dict[str, Any] | None = None
) -> EnqueueData:
    """The job; `trace` is the context of the request it belongs to, if not the current one."""
    settings = get_settings()
    return Queue.prepare_data(
        SCREEN_JOB,
        (str(declaration_id), version),
        job_id=screening_job_id(declaration_id, version),
        timeout=settings.job_timeout_seconds,
        failure_ttl=settings.job_failure_ttl_seconds,
        result_ttl=3600,
        # Backoff between tries; intervals above zero need the worker's scheduler.
        retry=Retry(max=len(settings.job_retry_intervals), interval=settings.job_retry_intervals),
        meta=tracing.job_meta() if trace is None else trace,
    )


def enqueue_screening(
    declaration_id: uuid.UUID, version: int, connection: Redis | None = None
) -> None:
    """Queue a version's screening job; concurrent callers share one pipeline to Redis."""
    job = _screening_job(declaration_id, version)
    if connection is not None:
        screening_queue(connection).enqueue_many([job])
    else:
        _screenings.submit(job)


def enqueue_screenings(versions: list[tuple[uuid.UUID, int, dict[str, Any]]]) -> None:
    """`enqueue_screening` for many versions (a set of lodgements), in one pipeline; each
    with the trace context of the request that lodged it (`tracing.job_meta()` there)."""
    if versions:
        _send_screenings([_screening_job(*version) for version in versions])


def replay_screening(declaration_id: uuid.UUID, version: int) -> None:
    """Take the failed job out of RQ's failed registry and queue it afresh."""
    queue = screening_queue()
    job_id = screening_job_id(declaration_id, version)
    registry = FailedJobRegistry(queue=queue)
    if job_id in registry:
        registry.remove(job_id, delete_job=True)
    enqueue_screening(declaration_id, version, queue.connection)


def screening_job_status(
    declaration_id: uuid.UUID, version: int, connection: Redis | None = None
) -> JobStatus | None:
    """This version's screening job as RQ sees it (see `job_status`)."""
    return job_status(screening_job_id(declaration_id, version), connection)


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
