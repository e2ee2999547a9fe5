"""Redis connection, queue names and job ids: Redis carries work the database can rebuild."""

import uuid
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
# Set while a screening job is queued or screening (the marker): a lodgement that finds it set
# enqueues nothing and notes `NEW` in it, since that job claims its version too. The job keeps
# the marker while it screens and while work keeps arriving (it looks for `NEW` and marks what
# it saw `SEEN`), and deletes it only when it saw nothing new (`release_screening`).
SCREENING_TRIGGERED_KEY = "clearance:screening:triggered"
NEW, SEEN = b"new", b"seen"
SCREENING_LATER_KEY = "clearance:screening:later"
# A set that came full calls one more worker to the backlog: set while that call waits.
SCREEN_BACKLOG_JOB = "workers.jobs.screen_backlog"
SCREENING_BACKLOG_KEY = "clearance:screening:backlog"
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

# Atomic in Redis, one round trip each (Redis 6.2 or later: KEEPTTL).
# A lodgement's note: True when no job was on its way (the caller enqueues one).
_NOTE_WORK = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""
# The screening job's look: what the marker held (nil: it had expired), now SEEN for ARGV[2] s.
_LOOK = """
local found = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return found
"""
# The marker deleted if nothing was noted since the last look; else SEEN again, and 0.
_RELEASE = """
local found = redis.call('GET', KEYS[1])
if (not found) or found == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 0
"""


@lru_cache
def get_redis() -> Redis:
    return Redis.from_url(get_settings().redis_url, socket_timeout=5, socket_connect_timeout=2)


def screening_queue(connection: Redis | None = None) -> Queue:
    return Queue(SCREENING_QUEUE, connection=connection or get_redis())


def screening_job_id(declaration_id: uuid.UUID, version: int) -> str:
    """A version's name in dead letters and logs: screening it is the job that failed."""
    return f"screen-{declaration_id}-v{version}"


def retried(job_function: str, trace: dict[str, Any] | None, name: str) -> EnqueueData:
    """A job's data with the service's timeout, TTLs and retries, its id prefixed `name`."""
    settings = get_settings()
    return Queue.prepare_data(
        job_function,
        job_id=f"{name}-{uuid.uuid4().hex[:16]}",
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


def _active_ttl() -> int:
    """A screening job's marker outlives its last look by this much: no job runs longer (RQ
    stops it), so a worker killed mid-job leaves lodgements without a trigger no longer."""
    return max(get_settings().job_timeout_seconds, 1)


def trigger_screening(trace: dict[str, Any] | None = None, connection: Redis | None = None) -> bool:
    """Make sure a screening job is on its way or screening; True if this call enqueued it.

    One round trip when a job is on its way already (the usual case under load: the call notes
    new work for it), two when not. `trace` is the context of the request it belongs to, if
    not the current one.
    """
    redis = connection or get_redis()
    note = redis.register_script(_NOTE_WORK)
    if not note(keys=[SCREENING_TRIGGERED_KEY], args=[NEW, _trigger_ttl()], client=redis):
        return False
    try:
        screening_queue(redis).enqueue_many([retried(SCREEN_JOB, trace, "screen-pending")])
    except Exception:
        redis.delete(SCREENING_TRIGGERED_KEY)
        raise
    return True


def screening_news(connection: Redis | None = None) -> bool:
    """The screening job's look: whether work was noted since its last look (or its marker
    expired: unknown, so yes). Marks the look, and the job active for a while more."""
    redis = connection or get_redis()
    look = redis.register_script(_LOOK)
    found = look(keys=[SCREENING_TRIGGERED_KEY], args=[SEEN, _active_ttl()], client=redis)
    return found not in (SEEN, SEEN.decode())  # bytes, or text on a decoding connection


def release_screening(connection: Redis | None = None) -> bool:
    """The screening job's marker deleted, unless work was noted since its last look (then it
    stays, looked at: False). From a release on, a lodgement enqueues a trigger of its own."""
    redis = connection or get_redis()
    release = redis.register_script(_RELEASE)
    return bool(release(keys=[SCREENING_TRIGGERED_KEY], args=[SEEN, _active_ttl()], client=redis))


def screening_released(connection: Redis | None = None) -> None:
    """The marker deleted whatever it holds (a job that fails, stops or hands over): from now
    on a lodgement, or the sweeper, enqueues a trigger."""
    (connection or get_redis()).delete(SCREENING_TRIGGERED_KEY)


def trigger_backlog(connection: Redis | None = None) -> bool:
    """A set came full: call one more worker to the pending versions, unless one is called
    already and has not started; True if this call enqueued it."""
    redis = connection or get_redis()
    if not redis.set(SCREENING_BACKLOG_KEY, "1", nx=True, ex=_trigger_ttl()):
        return False
    try:
        screening_queue(redis).enqueue_many([retried(SCREEN_BACKLOG_JOB, None, "screen-backlog")])
    except Exception:
        redis.delete(SCREENING_BACKLOG_KEY)
        raise
    return True


def backlog_taken(connection: Redis | None = None) -> None:
    """A worker answered the backlog's call: the next full set may call another."""
    (connection or get_redis()).delete(SCREENING_BACKLOG_KEY)


def trigger_screening_later(seconds: float, connection: Redis | None = None) -> bool:
    """A claim in `seconds` (for the worker's RQ scheduler), unless one is due already: for
    pending versions a claim skipped because another transaction held their rows. It claims
    as a backlog's worker does (whole sets, then stops), never taking the marker from the job
    that holds it."""
    redis = connection or get_redis()
    if not redis.set(SCREENING_LATER_KEY, "1", nx=True, ex=max(int(seconds), 1)):
        return False
    settings = get_settings()
    screening_queue(redis).enqueue_in(
        timedelta(seconds=seconds),
        SCREEN_BACKLOG_JOB,
        job_id=f"screen-backlog-{uuid.uuid4().hex[:16]}",
        job_timeout=settings.job_timeout_seconds,
        failure_ttl=settings.job_failure_ttl_seconds,
        result_ttl=600,
        retry=Retry(max=len(settings.job_retry_intervals), interval=settings.job_retry_intervals),
    )
    return True


def screening_triggered(connection: Redis | None = None) -> bool:
    """Whether a screening job is on its way or screening (and will claim what is pending)."""
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
