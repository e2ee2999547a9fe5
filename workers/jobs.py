"""Job functions: thin wrappers that open a session and call a `clearance` service."""

import logging
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rq import get_current_job

from clearance import db, logs, metrics, queues, wiring
from clearance.clock import get_clock
from clearance.notifications import delivery
from clearance.risk import sets
from clearance.settings import get_settings
from workers import sweeper

wiring.install()  # a worker process runs the same lifecycle hooks as the API
logger = logging.getLogger(__name__)


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
    """Screen what the database holds pending, a set at a time (a trigger carries no work).

    Up to `screening_sets_per_job` sets; a set that comes full queues another trigger first,
    so a free worker shares the backlog (and what this job leaves has its trigger).
    """
    settings, clock = get_settings(), get_clock()
    queues.screening_taken()  # from now on a lodgement needs a trigger of its own
    totals: Counter[str] = Counter()
    with logs.bound(job_id=_job_id()), _measured("screen") as set_outcome:
        try:
            for _ in range(settings.screening_sets_per_job):
                outcome = sets.screen_set(clock=clock, settings=settings, full=_share_backlog)
                totals.update(outcome.channels)
                totals.update(claimed=outcome.claimed, skipped=outcome.skipped)
                totals.update(parked=len(outcome.parked))
                if outcome.claimed < settings.screening_batch_size:
                    break
        except Exception as exc:
            _park_if_final(exc)
            raise
        set_outcome("done" if totals["claimed"] else "skipped")
        return dict(totals)


def _share_backlog() -> None:
    try:
        queues.trigger_screening()
    except Exception:  # the sweeper triggers what waits too long
        logger.exception("could not queue a trigger for the rest of the backlog")


def screen_declaration(declaration_id: str, version: int) -> str:
    """Screen one version if it is still pending: its channel, or "skipped" (or "parked")."""
    outcome = sets.screen_set(
        clock=get_clock(),
        settings=get_settings(),
        versions=[(uuid.UUID(declaration_id), version)],
    )
    if outcome.parked:
        return "parked"
    return next(iter(outcome.channels), "skipped")


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
            job_id=_job_id(),
            error=traceback.format_exc(),
        )
    except Exception:
        logger.exception("could not park the pending versions; the sweeper triggers them again")


def sweep() -> dict[str, int]:
    """Re-enqueue lost screening jobs and cancel declarations whose truck never came."""
    with _measured("sweep"), db.unit_of_work() as session:
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


def sweep_notifications() -> int:
    """Enqueue deliveries that are overdue in the outbox: Redis lost their job."""
    with _measured("sweep_notifications"), db.unit_of_work() as session:
        return delivery.sweep(session=session, clock=get_clock(), settings=get_settings())
