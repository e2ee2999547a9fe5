"""A declaration's events as each role may read them: traders get texts from a fixed set.

An event's `reason` is written for officers: rule reasons, tolerances, other declarations and
traders, an officer's free text. None of it may reach a trader (DESIGN §1), so a trader's view
is derived from the action and the move alone, never from the reason, and an action this map
does not know reads as a plain update instead of falling back to the reason.
"""

from collections.abc import Mapping
from enum import StrEnum

from clearance.declarations.models import DeclarationEvent, State
from clearance.declarations.schemas import EventOut
from clearance.messages import Message, params_json, rendered, stored


class TraderText(StrEnum):
    """The English texts; each is the catalogue's `trader.<name>` (see `trader_message`)."""

    lodged = "declaration lodged"
    amended = "amendment lodged"
    cancelled = "declaration cancelled"
    screening = "screening started"
    assessed = "screening done"
    selected_for_checks = "selected for document check"
    selected_for_inspection = "selected for physical inspection"
    query_raised = "query raised: see the queries"
    query_answered = "query answered"
    documents_complete = "required documents complete"
    check_started = "document check started"
    documents_checked = "document check recorded"
    inspected = "inspection recorded"
    decided = "decision to release recorded"
    seized = "goods seized"
    released = "released"
    arrived = "weighbridge reading recorded"
    exited = "exit recorded"
    paid = "payment recorded"
    guaranteed = "guarantee recorded"
    overpaid = "paid beyond the duty owed: a refund is due"
    updated = "declaration updated"


_BY_ACTION = {
    "lodge": TraderText.lodged,
    "amend": TraderText.amended,
    "cancel": TraderText.cancelled,
    "screen": TraderText.screening,
    "assess": TraderText.assessed,
    "answer": TraderText.query_answered,
    "documents_arrived": TraderText.documents_complete,
    "claim": TraderText.check_started,
    "document_check": TraderText.documents_checked,
    "inspection": TraderText.inspected,
    "decide_release": TraderText.decided,
    "decide_seize": TraderText.seized,
    "decide_hold": TraderText.query_raised,
    "decide_inspect": TraderText.selected_for_inspection,
    "decide_escalate": TraderText.selected_for_inspection,
    "release": TraderText.released,
    "arrival": TraderText.arrived,
    "exit": TraderText.exited,
    "payment": TraderText.paid,
    "guarantee": TraderText.guaranteed,
    "overpayment": TraderText.overpaid,
}

KNOWN_ACTIONS = frozenset({*_BY_ACTION, "rescore"})


def trader_text(event: DeclarationEvent) -> TraderText:
    """The trader-facing text of an event: from the action and the move, never the reason."""
    if event.action == "rescore":
        # A late signal (a reused file, the weighbridge): say what happens, not what was seen.
        if event.to_state is State.inspection:
            return TraderText.selected_for_inspection
        return TraderText.selected_for_checks
    return _BY_ACTION.get(event.action, TraderText.updated)


def trader_message(event: DeclarationEvent) -> Message:
    return Message(f"trader.{trader_text(event).name}")


def reason_of(event: DeclarationEvent) -> str | Message:
    """The event's reason as a message, or the words an officer (or an older row) wrote."""
    return stored(event.reason_code, event.reason_params, event.reason)


def event_out(
    event: DeclarationEvent,
    *,
    with_detail: bool,
    lang: str = "en",
    names: Mapping[str, str] | None = None,
) -> EventOut:
    """The event for a reader; without detail, no reason and no officer's key behind the actor.

    `names` are the key holders' names by actor, for officers reading who did what."""
    text = trader_message(event)
    reason = reason_of(event)
    message = reason if with_detail and isinstance(reason, Message) else None
    return EventOut(
        version=event.version,
        action=event.action,
        from_state=event.from_state,
        to_state=event.to_state,
        # "officer:12" names a key: a trader learns the kind of actor, not which one.
        actor=event.actor if with_detail else event.actor.split(":", 1)[0],
        actor_name=(names or {}).get(event.actor) if with_detail else None,
        text=text.render(lang),
        code=text.code,
        reason=rendered(reason, lang) if with_detail else None,
        reason_code=message.code if message else None,
        reason_params=params_json(message.params) if message else None,
        at=event.at,
    )
