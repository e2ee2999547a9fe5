"""Review queues: what officers work next, leases that keep two officers off one item."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, delete, func, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from clearance.auth.service import Caller
from clearance.clock import Clock
from clearance.declarations import outcomes, states
from clearance.declarations import service as declarations_service
from clearance.declarations.errors import InvalidTransition, StaleVersion
from clearance.declarations.models import Assessment, Channel, Decision, Declaration, State
from clearance.errors import Conflict
from clearance.reference import service as reference_service
from clearance.review.models import ReviewLease
from clearance.review.schemas import DecisionIn, Lane, QueueItem
from clearance.risk import learning

CLAIM_CANDIDATES = 20
LANE_STATES: dict[Lane, tuple[State, ...]] = {
    Lane.document_check: (State.assessed, State.document_check),
    Lane.inspection: (State.inspection,),
    Lane.held: (State.held,),
}
CLAIMABLE = (Lane.document_check, Lane.inspection)


@dataclass(frozen=True)
class LaneStats:
    lane: Lane
    waiting: int
    overdue: int
    oldest_waiting_seconds: float


def lane_stats(*, session: Session, clock: Clock) -> list[LaneStats]:
    """How many wait in each lane, how many are past their legal clock, the longest wait."""
    now = clock.now()
    overdue = func.sum(case((col(Declaration.due_at) < now, 1), else_=0))
    rows = session.exec(
        select(Declaration.state, func.count(), overdue, func.min(Declaration.state_since))
        .where(_in_lanes(tuple(Lane)))
        .group_by(col(Declaration.state))
    ).all()
    totals = {lane: [0, 0, 0.0] for lane in Lane}
    for state, count, late, since in rows:
        figures = totals[_lane_of(State(state))]
        figures[0] += count
        figures[1] += int(late or 0)
        if since is not None:
            figures[2] = max(figures[2], (now - since).total_seconds())
    return [LaneStats(lane, int(w), int(o), float(a)) for lane, (w, o, a) in totals.items()]


class LeaseRequired(Conflict):
    code = "lease_required"


def _lane_of(state: State) -> Lane:
    return next(lane for lane, lane_states in LANE_STATES.items() if state in lane_states)


def _in_lanes(lanes: tuple[Lane, ...]) -> ColumnElement[bool]:
    wanted = [s for lane in lanes for s in LANE_STATES[lane]]
    in_review = col(Declaration.state).in_(wanted)
    # Green declarations pass through `assessed` on their way to a decision.
    not_green = or_(
        col(Declaration.state) != State.assessed, col(Declaration.channel) != Channel.green
    )
    return and_(in_review, not_green)


def _queue_statement(lanes: tuple[Lane, ...]):  # type: ignore[no-untyped-def]
    return (
        select(Declaration, Assessment.score, ReviewLease)
        .outerjoin(
            Assessment,
            and_(
                col(Assessment.declaration_id) == col(Declaration.id),
                col(Assessment.version) == col(Declaration.version),
            ),
        )
        .outerjoin(ReviewLease, col(ReviewLease.declaration_id) == col(Declaration.id))
        .where(_in_lanes(lanes))
        # Overdue first (earliest due), then by risk: the legal clock outranks the score.
        .order_by(
            case((col(Declaration.due_at).is_(None), 1), else_=0),
            col(Declaration.due_at),
            col(Assessment.score).desc(),
            col(Declaration.lodged_at),
        )
    )


def _item(
    now: datetime, declaration: Declaration, score: float | None, lease: ReviewLease | None
) -> QueueItem:
    active = (
        lease
        if lease is not None and lease.expires_at > now and lease.version == declaration.version
        else None
    )
    due = declaration.due_at
    return QueueItem(
        declaration_id=declaration.id,
        version=declaration.version,
        ucr=declaration.ucr,
        lane=_lane_of(declaration.state),
        state=declaration.state,
        channel=declaration.channel,
        score=score,
        due_at=due,
        overdue=due is not None and due < now,
        leased_by=active.officer if active else None,
        lease_expires_at=active.expires_at if active else None,
    )


def queue(*, session: Session, clock: Clock, lane: Lane | None, limit: int) -> list[QueueItem]:
    lanes = (lane,) if lane else tuple(Lane)
    rows = session.exec(_queue_statement(lanes).limit(limit)).all()
    return [_item(clock.now(), d, score, lease) for d, score, lease in rows]


def _acquire(
    session: Session, *, declaration: Declaration, officer: str, now: datetime, expires: datetime
) -> bool:
    """Take or renew the lease in one statement; false if someone else holds it."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = {
        "declaration_id": declaration.id,
        "version": declaration.version,
        "officer": officer,
        "claimed_at": now,
        "expires_at": expires,
    }
    statement = dialect.insert(ReviewLease).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["declaration_id"],
        set_=values,
        # An expired lease, or one on an earlier version (amended since), is free to take.
        where=or_(
            col(ReviewLease.expires_at) < now,
            col(ReviewLease.officer) == officer,
            col(ReviewLease.version) != declaration.version,
        ),
    )
    # RETURNING, not rowcount: drivers report -1 for INSERT ... ON CONFLICT.
    taken = session.connection().execute(statement.returning(col(ReviewLease.declaration_id)))
    return taken.first() is not None


def claim_next(
    *, session: Session, clock: Clock, caller: Caller, lane: Lane | None, lease_seconds: int
) -> tuple[QueueItem, datetime] | None:
    """Lease the most urgent free item to the officer, or None when the queue is empty."""
    now = clock.now()
    expires = now + timedelta(seconds=lease_seconds)
    lanes = (lane,) if lane else CLAIMABLE
    statement = _queue_statement(lanes).where(
        or_(
            col(ReviewLease.declaration_id).is_(None),
            col(ReviewLease.expires_at) < now,
            col(ReviewLease.version) != col(Declaration.version),
        )
    )
    for declaration, score, _lease in session.exec(statement.limit(CLAIM_CANDIDATES)).all():
        if not _acquire(
            session, declaration=declaration, officer=caller.actor, now=now, expires=expires
        ):
            continue  # another officer got there first
        session.refresh(declaration, with_for_update=True)
        if declaration.state is State.assessed:
            states.transition(
                session=session,
                clock=clock,
                declaration=declaration,
                to=State.document_check,
                actor_kind=states.OFFICER,
                actor=caller.actor,
                action="claim",
            )
        item = _item(now, declaration, score, None)
        return item.model_copy(
            update={"leased_by": caller.actor, "lease_expires_at": expires}
        ), expires
    return None


def decide(
    *,
    session: Session,
    clock: Clock,
    caller: Caller,
    declaration_id: uuid.UUID,
    decision_in: DecisionIn,
) -> tuple[Declaration, Decision]:
    """Record the officer's decision on the version it names; the lease ends with it."""
    declaration = declarations_service.get(
        session=session, caller=caller, declaration_id=declaration_id, for_update=True
    )
    lease = session.get(ReviewLease, declaration.id)
    if (
        lease is None
        or lease.officer != caller.actor
        or lease.version != declaration.version
        or lease.expires_at <= clock.now()
    ):
        raise LeaseRequired("claim this declaration (POST /v1/review/claim-next) before deciding")
    if decision_in.version != declaration.version:
        raise StaleVersion(
            f"the decision names version {decision_in.version}; the declaration is at version "
            f"{declaration.version}"
        )
    if declaration.state not in {State.document_check, State.inspection}:
        raise InvalidTransition(f"a declaration in state {declaration.state} is not under review")
    decision = outcomes.record_decision(
        session=session,
        clock=clock,
        declaration=declaration,
        kind=decision_in.decision,
        actor_kind=states.OFFICER,
        actor=caller.actor,
        reason=decision_in.reason,
        inspected=decision_in.inspected,
        fraud_found=decision_in.fraud_found,
        revenue_recovered=decision_in.revenue_recovered,
        revenue_currency=decision_in.revenue_currency,
        findings=[f.model_dump() for f in decision_in.findings],
        query=decision_in.query,
    )
    learning.record_outcome(
        session=session,
        clock=clock,
        reference=reference_service.snapshot(session=session, today=clock.now().date()),
        declaration=declaration,
        body=declarations_service.body(session=session, declaration=declaration),
        decision=decision,
    )
    session.exec(delete(ReviewLease).where(col(ReviewLease.declaration_id) == declaration.id))
    return declaration, decision


def current_lease(
    *, session: Session, clock: Clock, declaration: Declaration
) -> ReviewLease | None:
    """The unexpired lease on the declaration's current version, if anyone holds one."""
    lease = session.get(ReviewLease, declaration.id)
    if lease is None or lease.version != declaration.version or lease.expires_at <= clock.now():
        return None
    return lease
