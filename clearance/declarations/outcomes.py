"""What screening and officers conclude about a version: assessments and decisions."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from clearance import metrics
from clearance.clock import Clock
from clearance.declarations import lifecycle, release, states
from clearance.declarations import service as declarations_service
from clearance.declarations.changes import Changes
from clearance.declarations.errors import InvalidTransition
from clearance.declarations.models import (
    Assessment,
    Channel,
    Decision,
    DecisionKind,
    Declaration,
    Query,
    State,
)
from clearance.messages import Message, params_json


def assessment_of(*, session: Session, declaration: Declaration) -> Assessment | None:
    return session.exec(
        select(Assessment).where(
            Assessment.declaration_id == declaration.id,
            Assessment.version == declaration.version,
        )
    ).first()


def channel_floor(*, session: Session, declaration: Declaration) -> Channel | None:
    """The strictest channel any earlier version got: an amendment never lowers it."""
    channels = session.exec(
        select(Assessment.channel).where(
            Assessment.declaration_id == declaration.id,
            col(Assessment.version) < declaration.version,
        )
    ).all()
    return max((Channel(c) for c in channels), key=lambda c: c.strictness, default=None)


def assess(
    *,
    changes: Changes,
    declaration: Declaration,
    score: float,
    channel: Channel,
    hard_hit: bool,
    random_selected: bool,
    reasons: list[dict[str, Any]],
    details: Mapping[str, Any] | None = None,
) -> Assessment:
    """Add the version's assessment to the set's `changes` and move it to `assessed`;
    `conclude` does the rest once the whole set is assessed."""
    now = changes.clock.now()
    row = {
        **(details or {}),
        "declaration_id": declaration.id,
        "version": declaration.version,
        "score": score,
        "channel": channel,
        "hard_hit": hard_hit,
        "random_selected": random_selected,
        "reasons": reasons,
        "assessed_at": now,
    }
    changes.add(Assessment, [row])
    declaration.channel = channel
    changes.transition(
        declaration=declaration,
        to=State.assessed,
        actor_kind=states.WORKER,
        actor=states.WORKER,
        action="assess",
        reason=Message("event.channel", {"channel": Message(f"channel_word.{channel.value}")}),
    )
    version_lodged_at = declarations_service.current_version(
        session=changes.session, declaration=declaration
    ).created_at
    metrics.observe_channel(channel=channel, lodged_at=version_lodged_at, assessed_at=now)
    return Assessment.model_construct(**row)


def conclude(
    *, changes: Changes, concluded: Sequence[tuple[Declaration, Sequence[Message]]]
) -> None:
    """After `assess` of a whole set: the other domains' hooks for the set, then each green
    version is decided here and now and the others join a queue. With required documents
    missing (the message of each), any channel waits in `held` with a query naming them."""
    session, clock = changes.session, changes.clock
    declarations = [declaration for declaration, _missing in concluded]
    for hook in lifecycle.of(session).assessed_set_hooks:
        hook(session, clock, declarations)
    for declaration, missing in concluded:
        if missing:
            record_decision(
                session=session,
                clock=clock,
                declaration=declaration,
                kind=DecisionKind.hold,
                actor_kind=states.WORKER,
                actor=states.WORKER,
                reason=Message("event.documents_missing"),
                query=Message("query.upload_missing", {"missing": list(missing)}),
                changes=changes,
            )
        elif declaration.channel is Channel.green:
            _decide_green(session=session, clock=clock, declaration=declaration, changes=changes)


# The state each kind of decision moves the declaration to.
_DECISION_MOVES = {
    DecisionKind.release: State.decided,
    DecisionKind.seize: State.seized,
    DecisionKind.hold: State.held,
    DecisionKind.inspect: State.inspection,
    DecisionKind.escalate: State.inspection,
}


def record_decision(
    *,
    session: Session,
    clock: Clock,
    declaration: Declaration,
    kind: DecisionKind,
    actor_kind: str,
    actor: str,
    reason: str | Message = "",
    inspected: bool = False,
    fraud_found: bool = False,
    revenue_recovered: Decimal | None = None,
    revenue_currency: str | None = None,
    findings: list[dict[str, Any]] | None = None,
    query: str | Message | None = None,
    changes: Changes | None = None,
) -> Decision:
    """Record a decision on the current version and make the move it calls for (written with
    the set's `changes`, when given)."""
    state = declaration.state
    target = _move_for(declaration=declaration, kind=kind, actor_kind=actor_kind)
    now = clock.now()
    row: dict[str, Any] = {
        "declaration_id": declaration.id,
        "version": declaration.version,
        "kind": kind,
        "actor": actor,
        "reason": reason.text if isinstance(reason, Message) else reason,
        "inspected": inspected,
        "fraud_found": fraud_found,
        "revenue_recovered": revenue_recovered,
        "revenue_currency": revenue_currency,
        "findings": findings or [],
        "decided_at": now,
    }
    writer = changes or states.Immediate(session, clock)
    decision = writer.add_one(Decision, row)
    if kind is DecisionKind.hold:
        declaration.held_from = state
        writer.add_one(Query, _query_row(declaration, text=query or reason, actor=actor, now=now))
    if kind is DecisionKind.escalate:
        declaration.channel = Channel.red
    writer.transition(
        declaration=declaration,
        to=target,
        actor_kind=actor_kind,
        actor=actor,
        action=f"decide_{kind.value}",
        reason=reason,
    )
    metrics.DECISIONS.labels(kind.value, actor_kind).inc()
    if target is State.decided:
        release.release_if_ready(
            session=session, clock=clock, declaration=declaration, changes=changes
        )
    return decision


def _move_for(*, declaration: Declaration, kind: DecisionKind, actor_kind: str) -> State:
    """The state the decision moves the declaration to, refused when it may not move there.

    A red declaration is released only from physical inspection.
    """
    if (
        kind is DecisionKind.release
        and declaration.channel is Channel.red
        and declaration.state is not State.inspection
    ):
        raise InvalidTransition(Message("error.red_needs_inspection"))
    target = _DECISION_MOVES[kind]
    states.check(state=declaration.state, to=target, actor_kind=actor_kind)
    return target


def _query_row(
    declaration: Declaration, *, text: str | Message, actor: str, now: datetime
) -> dict[str, Any]:
    """The query a hold puts to the declarant, in words or as a catalogue message."""
    message = text if isinstance(text, Message) else None
    return {
        "declaration_id": declaration.id,
        "version": declaration.version,
        "text": message.text if message else str(text),
        "text_code": message.code if message else None,
        "text_params": params_json(message.params) if message else None,
        "raised_by": actor,
        "raised_at": now,
    }


def stop_for_inspection(
    *, session: Session, clock: Clock, declaration: Declaration, reason: str | Message
) -> None:
    """A decided declaration the gate found wrong goes to physical inspection, not release."""
    states.transition(
        session=session,
        clock=clock,
        declaration=declaration,
        to=State.inspection,
        actor_kind=states.SYSTEM,
        actor=states.SYSTEM,
        action="rescore",
        reason=reason,
    )


def documents_arrived(*, session: Session, clock: Clock, declaration: Declaration) -> bool:
    """Answer the worker's query for documents and go back to where the declaration was.

    Returns whether it was waiting for them. A green one is then decided, as at screening.
    """
    if declaration.state is not State.held or declaration.held_from is None:
        return False
    waiting = session.exec(
        select(Query).where(
            Query.declaration_id == declaration.id,
            Query.raised_by == states.WORKER,
            col(Query.answered_at).is_(None),
        )
    ).all()
    if not waiting:
        return False
    for query in waiting:
        query.answer, query.answered_at = "the documents were uploaded", clock.now()
        session.add(query)
    states.transition(
        session=session,
        clock=clock,
        declaration=declaration,
        to=declaration.held_from,
        actor_kind=states.WORKER,
        actor=states.WORKER,
        action="documents_arrived",
        reason=Message("event.documents_complete"),
    )
    declaration.held_from = None
    # The transition moved the state on from the `held` the check above narrowed it to.
    if State(declaration.state) is State.assessed and declaration.channel is Channel.green:
        _decide_green(session=session, clock=clock, declaration=declaration)
    return True


def _decide_green(
    *, session: Session, clock: Clock, declaration: Declaration, changes: Changes | None = None
) -> None:
    """The worker's decision on a green declaration: release as soon as the gates open."""
    record_decision(
        changes=changes,
        session=session,
        clock=clock,
        declaration=declaration,
        kind=DecisionKind.release,
        actor_kind=states.WORKER,
        actor=states.WORKER,
        reason=Message("event.green_channel"),
    )
