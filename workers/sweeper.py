"""The sweeper: the database, not Redis, decides what still needs work (DESIGN §6)."""

import uuid
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
# Declarations whose gates are asked together: one read of what their gates read, then the
# gates of those whose answer was not kept.
SWEEP_SET = 50
# The sweeper is a safety net: what no input of a gate shows (reference data) may take this
# long to release a declaration, so a sweep asks again only the gates whose inputs changed.
SWEEP_KEPT_SECONDS = 300.0


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
    """A safety net: release waits for no request if every gate is open already. Read without
    a lock: only those about to be released are locked (`release_ready`)."""
    return list(
        session.exec(
            select(Declaration)
            .where(Declaration.state == State.decided, col(Declaration.arrived_at).is_not(None))
            .limit(SWEEP_BATCH)
        ).all()
    )


def _lock_decided(session: Session, declaration_id: uuid.UUID) -> Declaration | None:
    """The declaration, read again and locked, if still decided and no one else holds it."""
    return session.exec(
        select(Declaration)
        .where(Declaration.id == declaration_id, Declaration.state == State.decided)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).first()


def release_ready(*, session: Session, clock: Clock) -> int:
    """Release the decided, arrived declarations whose gates are all open, `SWEEP_SET` at a
    time: a set's gates answered from what was kept while nothing they read changed, and
    only those whose gates read open locked, to be asked again and released."""
    found, released = decided_and_arrived(session=session), 0
    for start in range(0, len(found), SWEEP_SET):
        part = found[start : start + SWEEP_SET]
        answers = release.kept_closed_gates(
            session=session, clock=clock, declarations=part, kept_for=SWEEP_KEPT_SECONDS
        )
        for declaration in part:
            if answers[declaration.id]:
                continue
            locked = _lock_decided(session, declaration.id)
            if locked is not None:
                released += release.release_if_ready(
                    session=session, clock=clock, declaration=locked
                )
    return released


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
    released = release_ready(session=session, clock=clock)
    return {
        "reenqueued": reenqueued,
        "cancelled": cancelled,
        "released": released,
        "rechecks": rechecked,
    }
