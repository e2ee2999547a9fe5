"""The one state machine every declaration change goes through (DESIGN §2)."""

from datetime import datetime
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel

from clearance import metrics
from clearance.audit import service as audit_service
from clearance.audit.models import AuditRecord
from clearance.clock import Clock
from clearance.declarations import lifecycle, sla
from clearance.declarations.errors import InvalidTransition
from clearance.declarations.models import Declaration, DeclarationEvent, State
from clearance.messages import Message, params_json

Row = TypeVar("Row", bound=SQLModel)

TRADER, WORKER, OFFICER, GATE, SYSTEM, SWEEPER = (
    "trader",
    "worker",
    "officer",
    "gate",
    "system",
    "sweeper",
)
# The service's own actors: their changes get an audit record here, the one place every change
# passes; a person's changes are audited once per request instead (clearance.deps).
SYSTEM_ACTORS = frozenset({WORKER, SYSTEM, SWEEPER})

BEFORE_DECISION = frozenset(
    {
        State.lodged,
        State.screening,
        State.assessed,
        State.document_check,
        State.inspection,
        State.held,
    }
)
CANCELLABLE = frozenset({State.lodged, State.screening, State.assessed, State.held})
HOLDABLE = frozenset(
    {State.lodged, State.screening, State.assessed, State.document_check, State.inspection}
)
FINAL = frozenset({State.exited, State.seized, State.cancelled})


def run_event_hooks(session: Session, declaration: Declaration, event: DeclarationEvent) -> None:
    """What other domains do with every event (the notifications outbox), in the same unit of
    work: the hooks of the session's lifecycle, so this module imports none of them."""
    for hook in lifecycle.of(session).event_hooks:
        hook(session, declaration, event)


# (from, to) -> the kinds of actor that may make the move.
TRANSITIONS: dict[tuple[State | None, State], frozenset[str]] = {
    (None, State.lodged): frozenset({TRADER}),
    (State.lodged, State.screening): frozenset({WORKER}),
    (State.screening, State.assessed): frozenset({WORKER}),
    (State.assessed, State.decided): frozenset({WORKER}),
    (State.assessed, State.document_check): frozenset({OFFICER}),
    (State.document_check, State.inspection): frozenset({OFFICER}),
    (State.document_check, State.decided): frozenset({OFFICER}),
    (State.inspection, State.decided): frozenset({OFFICER}),
    (State.document_check, State.seized): frozenset({OFFICER}),
    (State.inspection, State.seized): frozenset({OFFICER}),
    (State.decided, State.released): frozenset({SYSTEM}),
    # The gate's weighbridge contradicts the declaration after the decision: stop the truck.
    (State.decided, State.inspection): frozenset({SYSTEM}),
    (State.released, State.exited): frozenset({GATE}),
    **{(s, State.held): frozenset({OFFICER, WORKER}) for s in HOLDABLE},
    **{(State.held, s): frozenset({TRADER, WORKER}) for s in HOLDABLE},
    **{(s, State.cancelled): frozenset({TRADER, SWEEPER}) for s in CANCELLABLE},
    # An amendment starts the new version from the beginning.
    **{(s, State.lodged): frozenset({TRADER}) for s in BEFORE_DECISION},
}


def state_word(state: State | str | None) -> Message:
    """A state as people read it, in either language."""
    return Message(f"state.{State(state).value}" if state is not None else "state.none")


def actor_word(actor_kind: str) -> Message:
    return Message(f"actor.{actor_kind}")


def check(*, state: State | None, to: State, actor_kind: str) -> None:
    allowed = TRANSITIONS.get((state, to))
    if allowed is None:
        raise InvalidTransition(
            Message("error.transition_state", {"state": state_word(state), "to": state_word(to)})
        )
    if actor_kind not in allowed:
        raise InvalidTransition(
            Message(
                "error.transition_actor",
                {"actor": actor_word(actor_kind), "state": state_word(state), "to": state_word(to)},
            )
        )


def move(
    *,
    session: Session,
    clock: Clock,
    declaration: Declaration,
    to: State,
    actor_kind: str,
    new: bool = False,
) -> State | None:
    """Make the move on the declaration itself (its state, since when, its review clock), or
    refuse it with a 409; returns the state it left (None for a new one)."""
    from_state = None if new else declaration.state
    check(state=from_state, to=to, actor_kind=actor_kind)
    if from_state is not None and from_state != to:
        metrics.observe_stage(
            stage=from_state,
            channel=declaration.channel,
            entered_at=declaration.state_since,
            left_at=clock.now(),
        )
    entered = declaration.state != to or new
    declaration.state = to
    if entered:
        if not new or declaration.state_since is None:  # a new one is stored with its time
            declaration.state_since = clock.now()
        # Claiming an assessed item starts the check, not a new clock: the dossier was complete.
        if (from_state, to) != (State.assessed, State.document_check):
            sla.restart(session=session, declaration=declaration, now=clock.now())
    return from_state


def transition(
    *,
    session: Session,
    clock: Clock,
    declaration: Declaration,
    to: State,
    actor_kind: str,
    actor: str,
    action: str,
    reason: str | Message = "",
    new: bool = False,
) -> DeclarationEvent:
    """Move the declaration and record the event; an illegal move raises a 409."""
    from_state = move(
        session=session,
        clock=clock,
        declaration=declaration,
        to=to,
        actor_kind=actor_kind,
        new=new,
    )
    return _write(session, clock, declaration, from_state, action, actor, reason)


class Immediate:
    """`transition` with the session and clock given once: the one-change-at-a-time form of a
    set's `changes.Changes`, for code that serves both."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self.session, self.clock = session, clock

    def add_one(self, model: type[Row], row: dict[str, Any]) -> Row:
        """The row, added to the session's unit of work."""
        instance = model(**row)
        self.session.add(instance)
        return instance

    def transition(
        self,
        *,
        declaration: Declaration,
        to: State,
        actor_kind: str,
        actor: str,
        action: str,
        reason: str | Message = "",
    ) -> None:
        transition(
            session=self.session,
            clock=self.clock,
            declaration=declaration,
            to=to,
            actor_kind=actor_kind,
            actor=actor,
            action=action,
            reason=reason,
        )


def note(
    *,
    session: Session,
    clock: Clock,
    declaration: Declaration,
    actor: str,
    action: str,
    reason: str | Message,
) -> DeclarationEvent:
    """Record something that happened to the declaration without changing its state."""
    return _write(session, clock, declaration, declaration.state, action, actor, reason)


def event_row(
    declaration: Declaration,
    from_state: State | None,
    action: str,
    actor: str,
    reason: str | Message,
    at: datetime,
) -> dict[str, Any]:
    """The event of a change the declaration has just been through, as its table's columns."""
    message = reason if isinstance(reason, Message) else None
    return {
        "declaration_id": declaration.id,
        "version": declaration.version,
        "action": action,
        "from_state": from_state,
        "to_state": declaration.state,
        "actor": actor,
        "reason": message.text if message else str(reason),
        "reason_code": message.code if message else None,
        "reason_params": params_json(message.params) if message else None,
        "at": at,
    }


def audit_row(session: Session, event: dict[str, Any]) -> dict[str, Any] | None:
    """The audit record of an event by the service's own actors; a person's changes are
    audited once per request instead (None here)."""
    if event["actor"] not in SYSTEM_ACTORS:
        return None
    moved = event["from_state"] is not None and event["from_state"] != event["to_state"]
    return audit_service.system_event_row(
        session=session,
        at=event["at"],
        actor=event["actor"],
        action=f"transition:{event['from_state']}->{event['to_state']}"
        if moved
        else f"event:{event['action']}",
        declaration_id=event["declaration_id"],
        version=event["version"],
    )


def _write(
    session: Session,
    clock: Clock,
    declaration: Declaration,
    from_state: State | None,
    action: str,
    actor: str,
    reason: str | Message,
) -> DeclarationEvent:
    row = event_row(declaration, from_state, action, actor, reason, clock.now())
    event = DeclarationEvent(**row)
    session.add(declaration)
    session.add(event)
    audit_service.declaration_changed(session, declaration.id)
    if (audited := audit_row(session, row)) is not None:
        session.add(AuditRecord(**audited))
    run_event_hooks(session, declaration, event)
    return event
