"""Release gates (DESIGN §2): a declaration is released the moment every gate is open.

The gates are the session's lifecycle's (`clearance.declarations.lifecycle`): this module's
own two, and those of other domains (documents, payments), which it never imports.
"""

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, col

from clearance import metrics
from clearance.clock import Clock
from clearance.declarations import lifecycle, states
from clearance.declarations.changes import Changes
from clearance.declarations.lifecycle import LifecycleIncomplete, ReleaseCheck
from clearance.declarations.models import Declaration, State
from clearance.messages import Message
from clearance.reference.calendar import local_date

# Gates every lifecycle must have before anything is released: one built without them would
# otherwise release goods whose documents or duty were never checked.
REQUIRED_GATES = frozenset({"decision", "arrival", "documents", "duty"})


def _gates(session: Session) -> Mapping[str, ReleaseCheck]:
    """The session's gates; refuses while a required gate is missing."""
    gates = lifecycle.of(session).release_gates
    if absent := sorted(REQUIRED_GATES - gates.keys()):
        raise LifecycleIncomplete(
            f"release gates missing from the lifecycle: {', '.join(absent)} "
            "(build it with clearance.wiring.lifecycle())"
        )
    return gates


def closed_gates(*, session: Session, declaration: Declaration) -> list[Message]:
    """What still holds the declaration; refuses to answer while a required gate is missing."""
    return _asked(session, declaration, _gates(session))


def _asked(
    session: Session, declaration: Declaration, gates: Mapping[str, ReleaseCheck]
) -> list[Message]:
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


# What a kept gate reads besides the declaration's row: columns of a statement on the
# declaration's table (scalar subqueries on the rows it reads, correlated to the id and
# version columns given). Each must change whenever what the gate answers can (rows only
# ever inserted: their count; rows rewritten: the highest id), and reads NULL while the gate
# reads more than these rows (nothing stored yet): its answer is then asked each time.
GateInputs = Callable[
    [sa.ColumnElement[uuid.UUID], sa.ColumnElement[int]], Sequence[sa.ColumnElement[Any]]
]


@dataclass(frozen=True)
class KeptGate:
    """A release gate whose answer a status read (or the sweeper) may keep while `inputs`,
    the declaration's row and the day are unchanged (at most `KEPT_SECONDS`)."""

    check: ReleaseCheck
    inputs: GateInputs

    def __call__(self, session: Session, declaration: Declaration) -> Message | None:
        return self.check(session, declaration)


# Past this a kept answer is asked again: what no input shows (reference data, such as the
# papers required) reaches a status read within the reference snapshot's own minute.
KEPT_SECONDS = 60.0
MAX_KEPT = 10_000  # about a kilobyte each

_kept_lock = threading.Lock()
# declaration id -> (what the gates read, when, their answer), least recently used first.
_kept: OrderedDict[uuid.UUID, tuple[Hashable, float, tuple[Message, ...]]] = OrderedDict()


@lru_cache(maxsize=16)
def _inputs_statement(inputs: tuple[GateInputs, ...], one: bool) -> sa.Executable:
    """Every kept gate's inputs for one declaration (`id`) or a set (`ids`), in one statement
    (built once; a status read's has no list to render on each call)."""
    declaration_id = cast(sa.ColumnElement[uuid.UUID], col(Declaration.id))
    version = cast(sa.ColumnElement[int], col(Declaration.version))
    columns = [column for read in inputs for column in read(declaration_id, version)]
    chosen = (
        declaration_id == sa.bindparam("id")
        if one
        else declaration_id.in_(sa.bindparam("ids", expanding=True))
    )
    return sa.select(declaration_id, *columns).where(chosen)


def _kept_inputs(gates: Mapping[str, ReleaseCheck]) -> tuple[GateInputs, ...] | None:
    """The kept gates' inputs; None when a gate is neither this module's nor kept."""
    own = set(OWN_GATES.values())
    if any(check not in own and not isinstance(check, KeptGate) for check in gates.values()):
        return None
    return tuple(check.inputs for check in gates.values() if isinstance(check, KeptGate))


def _read_keys(
    session: Session,
    clock: Clock,
    declarations: Sequence[Declaration],
    inputs: tuple[GateInputs, ...],
) -> dict[uuid.UUID, Hashable]:
    """Per declaration, all its gates read: its row, the day, every kept gate's inputs
    (declarations with an input NULL are left out)."""
    now = clock.now()
    days = (now.date(), local_date(now))  # papers expire by the UTC day, duty by the gate's
    found: dict[uuid.UUID, Hashable] = {}
    rows = session.connection().execute(
        _inputs_statement(inputs, len(declarations) == 1),
        {"id": declarations[0].id}
        if len(declarations) == 1
        else {"ids": [d.id for d in declarations]},
    )
    read = {row[0]: tuple(row[1:]) for row in rows}
    for declaration in declarations:
        stamp = read.get(declaration.id)
        if stamp is None or None in stamp:
            continue
        row = (declaration.version, declaration.state, declaration.arrived_at)
        found[declaration.id] = (*row, declaration.arrival_weight_kg, days, stamp)
    return found


def _kept_answer(declaration_id: uuid.UUID, key: Hashable, kept_for: float) -> list[Message] | None:
    found = _kept.get(declaration_id)
    if found is None or found[0] != key or time.monotonic() - found[1] > kept_for:
        return None
    return list(found[2])


def _keep(declaration_id: uuid.UUID, key: Hashable, answer: Sequence[Message]) -> None:
    with _kept_lock:
        _kept[declaration_id] = (key, time.monotonic(), tuple(answer))
        _kept.move_to_end(declaration_id)
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)


def kept_closed_gates(
    *,
    session: Session,
    clock: Clock,
    declarations: Sequence[Declaration],
    kept_for: float = KEPT_SECONDS,
) -> dict[uuid.UUID, list[Message]]:
    """`closed_gates` of each declaration, answered from what was kept (up to `kept_for`
    seconds ago) while nothing its gates read has changed, else asked now and kept. For
    reads and the sweeper, never for a release (`release_if_ready` asks every gate)."""
    gates = _gates(session)
    inputs = _kept_inputs(gates)
    keys = _read_keys(session, clock, declarations, inputs) if inputs is not None else {}
    answers: dict[uuid.UUID, list[Message]] = {}
    for declaration in declarations:
        key = keys.get(declaration.id)
        answer = _kept_answer(declaration.id, key, kept_for) if key is not None else None
        if answer is None:
            answer = _asked(session, declaration, gates)
            if key is not None:
                _keep(declaration.id, key, answer)
        answers[declaration.id] = answer
    return answers


def forget_kept() -> None:
    """Drop every kept answer (tests, or after reference data changed in this process)."""
    with _kept_lock:
        _kept.clear()
