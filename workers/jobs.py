"""Job functions: thin wrappers that open a session and call a `clearance` service."""

import logging
import math
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from rq import Queue, get_current_job
from rq.job import Job
from rq.timeouts import JobTimeoutException, UnixSignalDeathPenalty
from sqlmodel import Session

from clearance import db, logs, metrics, queues, wiring
from clearance.clock import Clock, get_clock
from clearance.declarations import lifecycle
from clearance.documents import recheck_sets, rechecks
from clearance.notifications import delivery
from clearance.queues import TRAINING_QUEUE, get_redis
from clearance.risk import retraining, screening, sets
from clearance.settings import Settings, get_settings
from workers import sweeper

# The worker's declaration lifecycle, the same as the API's, attached to every job's session.
LIFECYCLE = wiring.lifecycle()
logger = logging.getLogger(__name__)
# Pending versions whose rows another transaction held at the claim are claimed again this
# much later (a claimer screening them will be done; a request on them will have committed).
RECLAIM_AFTER_SECONDS = 1.0
# Set when the worker is asked to stop: a screening job hands over instead of waiting on.
STOPPING = threading.Event()


@contextmanager
def _unit_of_work() -> Iterator[Session]:
    with db.unit_of_work() as session:
        yield lifecycle.attach(session, LIFECYCLE)


@contextmanager
def _measured(job: str) -> Iterator[Callable[[str], None]]:
    started, outcome = time.perf_counter(), ["done"]

    def set_outcome(value: str) -> None:
        outcome[0] = value

    metrics.JOBS_IN_FLIGHT.labels(job).inc()
    try:
        yield set_outcome
    except Exception:
        outcome[0] = "failed"
        raise
    finally:
        metrics.JOBS_IN_FLIGHT.labels(job).dec()
        metrics.JOBS.labels(job, outcome[0]).inc()
        metrics.JOB_DURATION.labels(job).observe(time.perf_counter() - started)


def _job_id() -> str:
    current = get_current_job()
    return current.id if current is not None else "inline"


def screen_pending() -> dict[str, int]:
    """Screen what the database holds pending, a set at a time, for as long as work arrives.

    The job keeps the screening marker (`clearance.queues`): lodgements meanwhile note new work
    in it and queue no job. After a set short of a whole one it waits `screening_poll_seconds`
    and claims again if work was noted; idle for `screening_idle_seconds`, it releases the
    marker (unless work was noted just then) and claims once more, for what was committed
    before the release.
    A set that comes full calls another worker (`screen_backlog`). Past half the job's timeout,
    or when the worker is asked to stop, it hands the marker over to a new trigger.
    """
    settings, clock = get_settings(), get_clock()
    queues.screening_news()  # the marker is this job's: what is committed from now is claimed
    totals: Counter[str] = Counter()
    until = time.monotonic() + settings.job_timeout_seconds / 2
    with logs.bound(job_id=_job_id()), _measured("screen") as set_outcome:
        try:
            _screen_while_arriving(settings, clock, totals, until)
        except BaseException as exc:
            _give_up_marker()
            if isinstance(exc, Exception):
                _park_if_final(exc)
            raise
        set_outcome("done" if totals["claimed"] else "skipped")
        return dict(totals)


def _screen_while_arriving(
    settings: Settings, clock: Clock, totals: Counter[str], until: float
) -> None:
    idle_since = time.monotonic()
    recheck_failed: set[uuid.UUID] = set()  # tried again by a later job, as within a re-check job
    while True:
        if time.monotonic() > until or STOPPING.is_set():
            _hand_over()
            return
        outcome = _screen_one_set(settings, clock, totals, count_waiting=False)
        _recheck_between_sets(clock, recheck_failed)
        if outcome.claimed >= settings.screening_batch_size:
            continue  # a backlog: no wait (and another worker was called to it)
        if outcome.claimed:
            idle_since = time.monotonic()
        # A few looks in Redis cost less than one more RQ job, and a set's fixed cost (its
        # transaction, a statement per table) is spread over what gathered meanwhile.
        if _news_before(settings, idle_since + settings.screening_idle_seconds, until):
            continue
        if not queues.release_screening():
            continue  # noted just now: the marker stays this job's
        # Released: a lodgement from now queues its own trigger. One claim more for what was
        # committed before; rows others hold are claimed again a little later.
        last = _screen_one_set(settings, clock, totals, count_waiting=True)
        if (
            last.held_elsewhere > 0
            and last.claimed < settings.screening_batch_size
            and not queues.screening_triggered()
        ):
            queues.trigger_screening_later(RECLAIM_AFTER_SECONDS)
        return


def _recheck_between_sets(clock: Clock, failed: set[uuid.UUID]) -> None:
    """Papers uploaded wait for their re-check (`clearance.documents.rechecks`), whose job is
    queued behind this one, which keeps its worker while lodgements arrive: a set of them now.
    The queued job takes what is left."""
    try:
        if rechecks.triggered():
            failed |= recheck_sets.recheck_set(clock=clock, lifecycle=LIFECYCLE, skip=failed).failed
    except Exception:  # left to their own job, or to the sweeper
        logger.exception("a documents re-check between screening sets failed")


def _news_before(settings: Settings, idle_at: float, until: float) -> bool:
    """Wait until work is noted (True), or until `idle_at` (False)."""
    while True:
        time.sleep(settings.screening_poll_seconds)
        if queues.screening_news():
            return True
        now = time.monotonic()
        if now >= idle_at or now > until or STOPPING.is_set():
            return False


def screen_backlog() -> dict[str, int]:
    """Called by a set that came full: screen whole sets beside the marker's job, and stop at
    the first set short of a whole one (that job screens what arrives from then on)."""
    settings, clock = get_settings(), get_clock()
    queues.backlog_taken()  # a full set from now on may call one more worker
    totals: Counter[str] = Counter()
    until = time.monotonic() + settings.job_timeout_seconds / 2
    with logs.bound(job_id=_job_id()), _measured("screen") as set_outcome:
        try:
            while time.monotonic() <= until and not STOPPING.is_set():
                outcome = _screen_one_set(settings, clock, totals, count_waiting=True)
                if outcome.claimed < settings.screening_batch_size:
                    # Rows held elsewhere: by the marker's job or another set's worker, most
                    # often (they screen them), else by a request whose commit triggers nothing.
                    if outcome.held_elsewhere > 0 and not queues.screening_triggered():
                        queues.trigger_screening_later(RECLAIM_AFTER_SECONDS)
                    break
            else:
                _share_backlog()
        except Exception as exc:
            _park_if_final(exc)
            raise
        set_outcome("done" if totals["claimed"] else "skipped")
        return dict(totals)


def _screen_one_set(
    settings: Settings, clock: Clock, totals: Counter[str], *, count_waiting: bool
) -> sets.Outcome:
    outcome = sets.screen_set(
        clock=clock,
        settings=settings,
        lifecycle=LIFECYCLE,
        full=_share_backlog,
        count_waiting=count_waiting,
    )
    totals.update(outcome.channels)
    totals.update(claimed=outcome.claimed, skipped=outcome.skipped, parked=len(outcome.parked))
    return outcome


def _share_backlog() -> None:
    try:
        queues.trigger_backlog()
    except Exception:  # the marker's job, or the sweeper, screens what waits meanwhile
        logger.exception("could not call another worker to the backlog")


def _hand_over() -> None:
    """Time is up (or the worker stops): a new trigger takes the marker and what is pending."""
    try:
        queues.screening_released()
        queues.trigger_screening()
    except Exception:  # the sweeper triggers what waits too long
        logger.exception("could not hand screening over to a new trigger")


def _give_up_marker() -> None:
    """A failing job lets go of the marker: lodgements, and the sweeper, trigger again."""
    try:
        queues.screening_released()
    except Exception:
        logger.exception("could not release the screening marker; it expires on its own")


def screen_declaration(declaration_id: str, version: int) -> str:
    """Screen one version if it is still pending: its channel, or "skipped" (or "parked")."""
    outcome = sets.screen_set(
        clock=get_clock(),
        settings=get_settings(),
        lifecycle=LIFECYCLE,
        versions=[(uuid.UUID(declaration_id), version)],
    )
    if outcome.parked:
        return "parked"
    return next(iter(outcome.channels), "skipped")


def warm_up() -> None:
    """Load what every screening reads first (the model, the reference data, the rules), as a
    worker's first set would: once a process, before it takes a job. A failure is left to the
    jobs, which fail, retry and park as they would have (a broken model), or find the
    database back (the database away at start)."""
    started, settings = time.perf_counter(), get_settings()
    try:
        # No longer than a job may take: a database that does not answer holds up no start.
        timeout = settings.job_timeout_seconds
        with (
            UnixSignalDeathPenalty(timeout, JobTimeoutException),  # type: ignore[no-untyped-call]
            db.new_session(writes=False) as session,
        ):
            screening.shared(session=session, clock=get_clock(), settings=settings)
    except Exception as exc:
        logger.warning("screening's warm-up failed (%r); the first job loads it instead", exc)
        return
    logger.info("screening warmed up in %.2f s", time.perf_counter() - started)


def _park_if_final(exc: Exception) -> None:
    """On the last retry's failure, park what it would have screened, unless the cause was
    the database or Redis being away (the sweeper triggers the work again then)."""
    current = get_current_job()
    if (current is not None and current.retries_left) or sets.transient(exc):
        return  # RQ tries it again
    try:
        sets.park_pending(
            clock=get_clock(),
            settings=get_settings(),
            lifecycle=LIFECYCLE,
            job_id=_job_id(),
            error=traceback.format_exc(),
        )
    except Exception:
        logger.exception("could not park the pending versions; the sweeper triggers them again")


def sweep() -> dict[str, int]:
    """Re-enqueue lost screening jobs and cancel declarations whose truck never came."""
    with _measured("sweep"), _unit_of_work() as session:
        return sweeper.sweep(session=session, clock=get_clock(), settings=get_settings())


def deliver_notifications(subscription_id: str, declaration_id: str) -> str:
    """Push a subscription's due events of one declaration, in order; safe to run twice."""
    with logs.bound(job_id=_job_id(), declaration_id=declaration_id), _measured("deliver"):
        return delivery.deliver_pending(
            clock=get_clock(),
            settings=get_settings(),
            subscription_id=uuid.UUID(subscription_id),
            declaration_id=uuid.UUID(declaration_id),
        )


def deliver_notification_set(subscription_id: str, declaration_ids: list[str]) -> str:
    """`deliver_notifications` for each of a subscription's declarations whose events a set
    (or a request) wrote: one job for them all; safe to run twice."""
    with logs.bound(job_id=_job_id(), subscription_id=subscription_id), _measured("deliver"):
        return delivery.deliver_set(
            clock=get_clock(),
            settings=get_settings(),
            subscription_id=uuid.UUID(subscription_id),
            declaration_ids=[uuid.UUID(d) for d in declaration_ids],
        )


def sweep_notifications() -> int:
    """Enqueue deliveries that are overdue in the outbox: Redis lost their job."""
    with _measured("sweep_notifications"), _unit_of_work() as session:
        return delivery.sweep(session=session, clock=get_clock(), settings=get_settings())


def retrain() -> dict[str, Any]:
    """The scheduled round of retraining (`clearance.risk.retraining`), then the next one."""
    with logs.bound(job_id=_job_id()), _measured("retrain"):
        try:
            done = retraining.run_round(clock=get_clock(), settings=get_settings())
        finally:
            schedule_retraining(get_redis())
        return done.as_json()


def schedule_retraining(connection: Redis) -> str | None:
    """Schedule the next round at the next multiple of `retrain_hours` (since 1970, UTC: daily
    is at midnight UTC) for the RQ scheduler of a worker of the training queue; None when off.

    The job's id names its time: workers that all schedule it leave one job, and a round that
    ran (or failed) is not scheduled again while RQ keeps its result.
    """
    settings = get_settings()
    if settings.retrain_hours <= 0:
        return None
    interval = settings.retrain_hours * 3600
    due = datetime.fromtimestamp((math.floor(time.time() / interval) + 1) * interval, UTC)
    job_id = f"retrain-{due:%Y%m%dT%H%M%S}"
    if not Job.exists(job_id, connection=connection):
        Queue(TRAINING_QUEUE, connection=connection).enqueue_at(
            due,
            retrain,
            job_id=job_id,
            job_timeout=settings.retrain_timeout_seconds,
            result_ttl=max(int(interval) * 2, 60),
            failure_ttl=settings.job_failure_ttl_seconds,
        )
    return job_id
