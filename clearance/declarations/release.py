"""Release gates (DESIGN §2): a declaration is released the moment every gate is open.

The gates are the session's lifecycle's (`clearance.declarations.lifecycle`): this module's
own two, and those of other domains (documents, payments), which it never imports.
"""

from collections.abc import Mapping
from types import MappingProxyType

from sqlmodel import Session

from clearance import metrics
from clearance.clock import Clock
from clearance.declarations import lifecycle, states
from clearance.declarations.changes import Changes
from clearance.declarations.lifecycle import LifecycleIncomplete, ReleaseCheck
from clearance.declarations.models import Declaration, State
from clearance.messages import Message

# Gates every lifecycle must have before anything is released: one built without them would
# otherwise release goods whose documents or duty were never checked.
REQUIRED_GATES = frozenset({"decision", "arrival", "documents", "duty"})


def closed_gates(*, session: Session, declaration: Declaration) -> list[Message]:
    """What still holds the declaration; refuses to answer while a required gate is missing."""
    gates = lifecycle.of(session).release_gates
    if absent := sorted(REQUIRED_GATES - gates.keys()):
        raise LifecycleIncomplete(
            f"release gates missing from the lifecycle: {', '.join(absent)} "
            "(build it with clearance.wiring.lifecycle())"
        )
    return [
        missing for check in gates.values() if (missing := check(session, declaration)) is not None
    ]


def release_if_ready(
    *, session: Session, clock: Clock, declaration: Declaration, changes: Changes | None = None
) -> bool:
    """The one way to release: called whenever something that opens a gate happened (the
    move written with a set's `changes`, when given)."""
    if declaration.state is not State.decided or closed_gates(
        session=session, declaration=declaration
    ):
        return False
    (changes or states.Immediate(session, clock)).transition(
        declaration=declaration,
        to=State.released,
        actor_kind=states.SYSTEM,
        actor=states.SYSTEM,
        action="release",
        reason=Message("event.all_gates_open"),
    )
    declaration.released_at = clock.now()
    metrics.observe_release(
        channel=declaration.channel,
        lodged_at=declaration.lodged_at,
        released_at=declaration.released_at,
        arrived_at=declaration.arrived_at,
    )
    return True


ARRIVAL_GATE = Message("gate.arrival")


def readiness(state: State, missing: list[Message]) -> Message | str:
    """One line for the trader: what is still needed, or that only the truck is (a final or
    released state reads as the state itself)."""
    if state in states.FINAL or state is State.released:
        return state.value
    if missing == [ARRIVAL_GATE]:
        return Message("readiness.on_arrival")
    return (
        Message("readiness.waiting", {"missing": missing})
        if missing
        else Message("readiness.ready")
    )


def _decided(_session: Session, declaration: Declaration) -> Message | None:
    if declaration.state in {State.decided, State.released, State.exited}:
        return None
    return Message("gate.decision")


def _arrived(_session: Session, declaration: Declaration) -> Message | None:
    return None if declaration.arrived_at is not None else ARRIVAL_GATE


# This module's own gates, first in every lifecycle.
OWN_GATES: Mapping[str, ReleaseCheck] = MappingProxyType(
    {"decision": _decided, "arrival": _arrived}
)
