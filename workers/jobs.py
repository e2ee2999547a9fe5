"""Job functions: thin wrappers that open a session and call a `clearance` service."""

import math
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from rq import Queue, get_current_job
from rq.job import Job
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from clearance import db, logs, metrics, wiring
from clearance.clock import get_clock
from clearance.deadletters import service as deadletters
from clearance.declarations import lifecycle, sweeper
from clearance.notifications import delivery
from clearance.queues import TRAINING_QUEUE, get_redis
from clearance.risk import retraining
from clearance.risk import service as risk_service
from clearance.settings import get_settings

# The worker's declaration lifecycle, the same as the API's, attached to every job's session.
LIFECYCLE = wiring.lifecycle()


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


def screen_declaration(declaration_id: str, version: int) -> str:
    """Screen one declaration version; safe to run twice (one assessment per version)."""
    with (
        logs.bound(job_id=_job_id(), declaration_id=declaration_id),
        _measured("screen") as set_outcome,
    ):
        try:
            with _unit_of_work() as session:
                assessment = risk_service.screen(
                    session=session,
                    clock=get_clock(),
                    settings=get_settings(),
                    declaration_id=uuid.UUID(declaration_id),
                    version=version,
                )
                result = assessment.channel.value if assessment else "skipped"
        except IntegrityError:
            # Another run stored this version's assessment first: the work is done.
            result = "duplicate"
        except Exception:
            _park_if_final("screen", uuid.UUID(declaration_id), version)
            raise
        set_outcome(result if result in {"skipped", "duplicate"} else "done")
        return result


def _park_if_final(job: str, declaration_id: uuid.UUID, version: int) -> None:
    """On the last retry's failure, keep the job in the database as a dead letter."""
    current = get_current_job()
    if current is not None and current.retries_left:
        return  # RQ tries it again
    with _unit_of_work() as session:
        deadletters.park(
            session=session,
            clock=get_clock(),
            job=job,
            job_id=current.id if current else f"{job}-{declaration_id}-v{version}",
            declaration_id=declaration_id,
            version=version,
            error=traceback.format_exc(),
        )


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
