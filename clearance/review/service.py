"""Review queues: what officers work next, leases that keep two officers off one item."""

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, delete, func, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from clearance.auth.models import ApiKey, Role
from clearance.auth.service import Caller
from clearance.clock import Clock
from clearance.declarations import service as declarations_service
from clearance.declarations import states
from clearance.declarations.models import Assessment, Channel, Declaration, State
from clearance.errors import Conflict, NotFound, invalid_field
from clearance.messages import Message
from clearance.reference import calendar
from clearance.review.models import ReviewLease
from clearance.review.schemas import Lane, QueueItem

# The queue is sorted in Python by working time left, which SQL cannot compute; a gate's
# queue holds hundreds of items, so reading this many is cheap and never cuts a real one.
QUEUE_SCAN = 5000
LANE_STATES: dict[Lane, tuple[State, ...]] = {
    Lane.document_check: (State.assessed, State.document_check),
    Lane.inspection: (State.inspection,),
    Lane.held: (State.held,),
}
CLAIMABLE = (Lane.document_check, Lane.inspection)
REVIEWING = frozenset({State.document_check, State.inspection})


class LeaseRequired(Conflict):
    code = "lease_required"


class LeaseNotFound(NotFound):
    code = "lease_not_found"


class LeaseHeld(Conflict):
    code = "lease_held"


class NotClaimable(Conflict):
    code = "not_claimable"


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
        .order_by(col(Declaration.due_at), col(Declaration.lodged_at), col(Declaration.id))
        .limit(QUEUE_SCAN)
    )


def _active(lease: ReviewLease | None, declaration: Declaration, now: datetime) -> bool:
    return lease is not None and lease.expires_at > now and lease.version == declaration.version


def _items(
    session: Session,
    now: datetime,
    rows: list[tuple[Declaration, float | None, ReviewLease | None]],
) -> list[QueueItem]:
    """Queue items, overdue first, then by working time left, then by risk."""
    calendars = calendar.for_gates(session=session, gate_codes={d.gate_code for d, _, _ in rows})
    items = []
    for declaration, score, lease in rows:
        due = declaration.due_at
        left = (
            None
            if due is None
            else calendars[declaration.gate_code].between(now, due).total_seconds()
        )
        held = lease if _active(lease, declaration, now) else None
        items.append(
            QueueItem(
                declaration_id=declaration.id,
                version=declaration.version,
                ucr=declaration.ucr,
                gate=declaration.gate_code,
                lane=_lane_of(declaration.state),
                state=declaration.state,
                channel=declaration.channel,
                score=score,
                due_at=due,
                time_left_seconds=left,
                overdue=due is not None and due < now,
                leased_by=held.officer if held else None,
                lease_expires_at=held.expires_at if held else None,
            )
        )
    return sorted(items, key=_urgency)


def _urgency(item: QueueItem) -> tuple[bool, float, float, datetime | None]:
    left = math.inf if item.time_left_seconds is None else item.time_left_seconds
    return (not item.overdue, left, -(item.score or 0.0), item.due_at)


def queue(
    *,
    session: Session,
    clock: Clock,
    lane: Lane | None,
    limit: int,
    overdue_only: bool = False,
    officer: str | None = None,
) -> list[QueueItem]:
    lanes = (lane,) if lane else tuple(Lane)
    items = _items(session, clock.now(), list(session.exec(_queue_statement(lanes)).all()))
    if overdue_only:
        items = [i for i in items if i.overdue]
    if officer is not None:
        items = [i for i in items if i.leased_by == officer]
    return items[:limit]


def _lease_values(
    declaration: Declaration, officer: str, now: datetime, seconds: int
) -> dict[str, object]:
    return {
        "declaration_id": declaration.id,
        "version": declaration.version,
        "officer": officer,
        "claimed_at": now,
        "expires_at": now + timedelta(seconds=seconds),
    }


def _acquire(
    session: Session, *, values: dict[str, object], force: bool = False
) -> ReviewLease | None:
    """Take the lease in one statement; None if someone else holds it (unless forced)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ReviewLease).values(**values)
    # An expired lease, or one on an earlier version (amended since), is free to take.
    free = or_(
        col(ReviewLease.expires_at) < values["claimed_at"],
        col(ReviewLease.officer) == values["officer"],
        col(ReviewLease.version) != values["version"],
    )
    statement = statement.on_conflict_do_update(
        index_elements=["declaration_id"], set_=values, where=None if force else free
    )
    # RETURNING, not rowcount: drivers report -1 for INSERT ... ON CONFLICT.
    taken = session.connection().execute(statement.returning(col(ReviewLease.declaration_id)))
    if taken.first() is None:
        return None
    return session.get(ReviewLease, values["declaration_id"], populate_existing=True)


def _start_check(session: Session, clock: Clock, declaration: Declaration, actor: str) -> None:
    if declaration.state is State.assessed:
        states.transition(
            session=session,
            clock=clock,
            declaration=declaration,
            to=State.document_check,
            actor_kind=states.OFFICER,
            actor=actor,
            action="claim",
        )


def claim_next(
    *, session: Session, clock: Clock, caller: Caller, lane: Lane | None, lease_seconds: int
) -> tuple[QueueItem, datetime] | None:
    """Lease the most urgent free item to the officer, or None when the queue is empty."""
    now = clock.now()
    statement = _queue_statement((lane,) if lane else CLAIMABLE).where(
        or_(
            col(ReviewLease.declaration_id).is_(None),
            col(ReviewLease.expires_at) < now,
            col(ReviewLease.version) != col(Declaration.version),
        )
    )
    rows = {d.id: (d, s, lease) for d, s, lease in session.exec(statement).all()}
    for item in _items(session, now, list(rows.values())):
        declaration = rows[item.declaration_id][0]
        values = _lease_values(declaration, caller.actor, now, lease_seconds)
        lease = _acquire(session, values=values)
        if lease is None:
            continue  # another officer got there first
        session.refresh(declaration, with_for_update=True)
        _start_check(session, clock, declaration, caller.actor)
        claimed = item.model_copy(
            update={
                "state": declaration.state,
                "leased_by": lease.officer,
                "lease_expires_at": lease.expires_at,
            }
        )
        return claimed, lease.expires_at
    return None


def claim(
    *,
    session: Session,
    clock: Clock,
    caller: Caller,
    declaration_id: uuid.UUID,
    lease_seconds: int,
) -> tuple[QueueItem, datetime]:
    """Lease the chosen item to the officer, if it waits for a check or an inspection and no
    one else holds it."""
    declaration = declarations_service.get(
        session=session, caller=caller, declaration_id=declaration_id, for_update=True
    )
    found = item(session=session, clock=clock, declaration=declaration)
    if found is None or found.lane not in CLAIMABLE:
        raise NotClaimable(
            Message("error.not_claimable", {"state": states.state_word(declaration.state)})
        )
    values = _lease_values(declaration, caller.actor, clock.now(), lease_seconds)
    lease = _acquire(session, values=values)
    if lease is None:
        held = session.get(ReviewLease, declaration.id)
        holder = (
            Message(
                "lease.holder_until",
                {"officer": held.officer, "until": held.expires_at.isoformat()},
            )
            if held
            else Message("lease.another_officer")
        )
        raise LeaseHeld(Message("error.lease_held", {"holder": holder}))
    _start_check(session, clock, declaration, caller.actor)
    claimed = found.model_copy(
        update={
            "state": declaration.state,
            "leased_by": lease.officer,
            "lease_expires_at": lease.expires_at,
        }
    )
    return claimed, lease.expires_at


def held_lease(
    *, session: Session, clock: Clock, caller: Caller, declaration: Declaration
) -> ReviewLease:
    """The caller's live lease on the declaration's current version, or a 409 saying so."""
    lease = session.get(ReviewLease, declaration.id)
    if (
        lease is None
        or lease.officer != caller.actor
        or not _active(lease, declaration, clock.now())
    ):
        how = f"POST /v1/review/items/{declaration.id}/claim"
        raise LeaseRequired(Message("error.lease_required", {"how": how}))
    return lease


def end_lease(*, session: Session, declaration: Declaration) -> None:
    session.exec(delete(ReviewLease).where(col(ReviewLease.declaration_id) == declaration.id))


def renew_lease(
    *, session: Session, clock: Clock, caller: Caller, declaration_id: uuid.UUID, lease_seconds: int
) -> ReviewLease:
    """Extend the caller's own live lease; an expired one must be claimed again."""
    declaration = declarations_service.get(
        session=session, caller=caller, declaration_id=declaration_id, for_update=True
    )
    lease = held_lease(session=session, clock=clock, caller=caller, declaration=declaration)
    lease.expires_at = clock.now() + timedelta(seconds=lease_seconds)
    session.add(lease)
    return lease


def release_lease(
    *, session: Session, clock: Clock, caller: Caller, declaration_id: uuid.UUID
) -> None:
    """Give the item back to the queue: the holder may, and so may a supervisor."""
    declaration = declarations_service.get(
        session=session, caller=caller, declaration_id=declaration_id, for_update=True
    )
    lease = session.get(ReviewLease, declaration.id)
    if lease is None or not _active(lease, declaration, clock.now()):
        raise LeaseNotFound(
            Message("error.lease_not_found", {"declaration_id": str(declaration_id)})
        )
    if lease.officer != caller.actor and caller.role is not Role.supervisor:
        raise LeaseRequired(Message("error.lease_held_by", {"officer": lease.officer}))
    end_lease(session=session, declaration=declaration)


def reassign(
    *,
    session: Session,
    clock: Clock,
    caller: Caller,
    declaration_id: uuid.UUID,
    officer: str,
    lease_seconds: int,
) -> ReviewLease:
    """A supervisor hands an item under review to an officer, whoever held it."""
    role, _, key_id = officer.partition(":")
    key = session.get(ApiKey, int(key_id))
    if key is None or key.revoked_at is not None or key.role.value != role:
        raise invalid_field("officer", Message("field.officer_inactive", {"officer": officer}))
    declaration = declarations_service.get(
        session=session, caller=caller, declaration_id=declaration_id, for_update=True
    )
    if declaration.state not in REVIEWING and not (
        declaration.state is State.assessed and declaration.channel is not Channel.green
    ):
        raise LeaseRequired(
            Message("error.not_under_review", {"state": states.state_word(declaration.state)})
        )
    values = _lease_values(declaration, officer, clock.now(), lease_seconds)
    lease = _acquire(session, values=values, force=True)
    assert lease is not None  # forced: the upsert always writes
    _start_check(session, clock, declaration, caller.actor)
    return lease


def item(*, session: Session, clock: Clock, declaration: Declaration) -> QueueItem | None:
    """The declaration as a queue item, or None when it waits in no lane."""
    rows = session.exec(
        _queue_statement(tuple(Lane)).where(col(Declaration.id) == declaration.id)
    ).all()
    items = _items(session, clock.now(), list(rows))
    return items[0] if items else None


def live_lease(*, session: Session, clock: Clock, declaration: Declaration) -> ReviewLease | None:
    lease = session.get(ReviewLease, declaration.id)
    return lease if _active(lease, declaration, clock.now()) else None
