"""The sweeper: the database, not Redis, decides what still needs work (DESIGN §6)."""

from datetime import timedelta

from sqlmodel import Session, col, select

from clearance import metrics
from clearance.clock import Clock
from clearance.db import after_commit
from clearance.declarations import release, service, states
from clearance.declarations.models import Declaration, State
from clearance.documents import rechecks
from clearance.messages import Message
from clearance.queues import screening_triggered, trigger_screening
from clearance.risk import pending
from clearance.settings import Settings

SWEEP_BATCH = 500


def stuck_in_screening(*, session: Session, clock: Clock, settings: Settings) -> int:
    """Versions waiting for screening longer than they should (parked ones wait for an
    operator, not a worker)."""
    older_than = clock.now() - timedelta(seconds=settings.sweeper_stuck_after_seconds)
    stuck, _oldest = pending.waiting(session=session, older_than=older_than)
    return stuck


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


def _trigger() -> None:
    trigger_screening()


def sweep(*, session: Session, clock: Clock, settings: Settings) -> dict[str, int]:
    # Screening's work list is the database: with versions overdue and no trigger waiting
    # (Redis lost it, or its last try failed), one trigger screens them all.
    reenqueued = 0
    if (stuck := stuck_in_screening(session=session, clock=clock, settings=settings)) and (
        not screening_triggered()
    ):
        after_commit(session, _trigger)
        reenqueued = stuck
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
    # Likewise the documents re-checks uploads asked for.
    rechecked = rechecks.sweep(session=session, clock=clock, settings=settings)
    released = sum(
        release.release_if_ready(session=session, clock=clock, declaration=declaration)
        for declaration in decided_and_arrived(session=session)
    )
    return {
        "reenqueued": reenqueued,
        "cancelled": cancelled,
        "released": released,
        "rechecks": rechecked,
    }
