"""Release gates (DESIGN §2): a declaration is released the moment every gate is open.

Other domains (documents, payments) register their gate here; this module never imports them.
"""

from collections.abc import Callable

from sqlmodel import Session

from clearance import metrics
from clearance.clock import Clock
from clearance.declarations import states
from clearance.declarations.models import Declaration, State
from clearance.messages import Message

# A check answers None when its gate is open, else a message saying what is still missing.
ReleaseCheck = Callable[[Session, Declaration], Message | None]

_gates: dict[str, ReleaseCheck] = {}
# Gates other domains must have registered (`clearance.wiring.install`) before anything is
# released: an entry point that forgot them would otherwise release without documents or duty.
REQUIRED_GATES = frozenset({"decision", "arrival", "documents", "duty"})


class LifecycleIncomplete(RuntimeError):
    """A release was attempted in a process whose release gates are not all installed."""


def register_gate(name: str, check: ReleaseCheck) -> None:
    _gates[name] = check


def unregister_gate(name: str) -> None:
    _gates.pop(name, None)


def closed_gates(*, session: Session, declaration: Declaration) -> list[Message]:
    """What still holds the declaration; refuses to answer while a required gate is missing."""
    if absent := sorted(REQUIRED_GATES - _gates.keys()):
        raise LifecycleIncomplete(
            f"release gates not installed: {', '.join(absent)} (call clearance.wiring.install())"
        )
    return [
        missing for check in _gates.values() if (missing := check(session, declaration)) is not None
    ]


def release_if_ready(*, session: Session, clock: Clock, declaration: Declaration) -> bool:
    """The one way to release: called whenever something that opens a gate happened."""
    if declaration.state is not State.decided or closed_gates(
        session=session, declaration=declaration
    ):
        return False
    states.transition(
        session=session,
        clock=clock,
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


register_gate("decision", _decided)
register_gate("arrival", _arrived)
