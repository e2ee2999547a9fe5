"""The sweeper: the database, not Redis, decides what still needs work (DESIGN §6)."""

from datetime import timedelta

from rq.job import JobStatus
from sqlmodel import Session, col, select

from clearance import metrics
from clearance.clock import Clock
from clearance.db import after_commit
from clearance.deadletters import service as deadletters
from clearance.declarations import release, service, states
from clearance.declarations.models import Declaration, State
from clearance.messages import Message
from clearance.queues import IN_HAND, enqueue_screening, screening_job_status
from clearance.settings import Settings

SWEEP_BATCH = 500


def stuck_in_screening(*, session: Session, clock: Clock, settings: Settings) -> list[Declaration]:
    older_than = clock.now() - timedelta(seconds=settings.sweeper_stuck_after_seconds)
    return list(
        session.exec(
            select(Declaration)
            .where(
                col(Declaration.state).in_([State.lodged, State.screening]),
                col(Declaration.state_since) < older_than,
            )
            .order_by(col(Declaration.state_since))
            .limit(SWEEP_BATCH)
        ).all()
    )


def never_arrived(*, session: Session, clock: Clock, settings: Settings) -> list[Declaration]:
    older_than = clock.now() - timedelta(days=settings.auto_cancel_after_days)
    return list(
        session.exec(
            select(Declaration)
            .where(
                col(Declaration.state).in_(list(states.CANCELLABLE)),
                col(Declaration.arrived_at).is_(None),
                col(Declaration.lodged_at) < older_than,
            )
            .with_for_update(skip_locked=True)
            .limit(SWEEP_BATCH)
        ).all()
    )


def decided_and_arrived(*, session: Session) -> list[Declaration]:
    """A safety net: release waits for no request if every gate is open already."""
    return list(
        session.exec(
            select(Declaration)
            .where(Declaration.state == State.decided, col(Declaration.arrived_at).is_not(None))
            .with_for_update(skip_locked=True)
            .limit(SWEEP_BATCH)
        ).all()
    )


def _job_in_hand(session: Session, declaration: Declaration) -> bool:
    """Its job waits, runs, or failed and was parked for an operator: nothing to do here."""
    status = screening_job_status(declaration.id, declaration.version)
    if status == JobStatus.FAILED:
        # A last try that failed while the database was down could not park itself, nor can
        # one RQ gives up on after its worker died: enqueued afresh, it is screened, or it
        # fails again and is parked then.
        return deadletters.parked(
            session=session, declaration_id=declaration.id, version=declaration.version
        )
    return status in IN_HAND


def sweep(*, session: Session, clock: Clock, settings: Settings) -> dict[str, int]:
    reenqueued = 0
    for declaration in stuck_in_screening(session=session, clock=clock, settings=settings):
        if _job_in_hand(session, declaration):
            continue
        declaration_id, version = declaration.id, declaration.version
        after_commit(session, lambda d=declaration_id, v=version: enqueue_screening(d, v))  # type: ignore[misc]
        reenqueued += 1
    metrics.SWEEPER_REENQUEUED.inc(reenqueued)
    cancelled = 0
    for declaration in never_arrived(session=session, clock=clock, settings=settings):
        service.cancel(
            session=session,
            clock=clock,
            declaration=declaration,
            actor_kind=states.SWEEPER,
            actor=states.SWEEPER,
            reason=Message("event.no_arrival", {"days": settings.auto_cancel_after_days}),
        )
        cancelled += 1
    released = sum(
        release.release_if_ready(session=session, clock=clock, declaration=declaration)
        for declaration in decided_and_arrived(session=session)
    )
    return {"reenqueued": reenqueued, "cancelled": cancelled, "released": released}
