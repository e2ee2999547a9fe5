"""What other domains add to the declaration lifecycle (DESIGN §2), as one immutable object.

An entry point (the app factory, the worker's jobs) builds it with `clearance.wiring.lifecycle`
and attaches it to each session it opens; the declarations code reads it from the session. A
session without one is refused (`LifecycleIncomplete`), so an entry point that forgot it fails
instead of releasing goods without the documents and duty gates. This module imports no domain.
"""

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Protocol

from sqlmodel import Session

from clearance.clock import Clock
from clearance.declarations.models import Channel, Declaration, DeclarationEvent, State
from clearance.messages import Message

# A release gate answers None when it is open, else a message saying what is still missing.
ReleaseCheck = Callable[[Session, Declaration], Message | None]
# Run for every event written, in the same unit of work (the notifications outbox).
EventHook = Callable[[Session, Declaration, DeclarationEvent], None]


class DeclarationAsOf(Protocol):
    """What an event set hook reads of the declaration as it was at the event."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def ucr(self) -> str: ...
    @property
    def channel(self) -> Channel | None: ...
    @property
    def declarant_tax_code(self) -> str: ...
    @property
    def trader_tax_code(self) -> str: ...


class EventWritten(Protocol):
    """What an event set hook reads of an event written with a set."""

    @property
    def version(self) -> int: ...
    @property
    def action(self) -> str: ...
    @property
    def from_state(self) -> State | None: ...
    @property
    def to_state(self) -> State: ...
    @property
    def at(self) -> datetime: ...


# The same for the events of a set, written together (`changes.Changes`): one call for them
# all, with plain rows (the declarations' and events' ORM objects, or lighter stand-ins).
EventSetHook = Callable[[Session, Sequence[tuple[DeclarationAsOf, EventWritten]]], None]
# Run once a set of versions is assessed, before the green ones are decided (duties assess
# what each owes), with the set's versions.
AssessedSetHook = Callable[[Session, Clock, Sequence[Declaration]], None]
# Run when the truck reaches the gate, before release is considered (the weighbridge check).
ArrivalCheck = Callable[[Session, Clock, Declaration], None]
# Run once a document of the dossier is stored (duties and risk look again).
UploadHook = Callable[[Session, Clock, Declaration], None]

_SESSION_KEY = "clearance.lifecycle"


class LifecycleIncomplete(RuntimeError):
    """The declarations code ran without its lifecycle, or with a release gate missing."""


@dataclass(frozen=True)
class Lifecycle:
    """Hooks run in the order given; release gates by name, in the order given."""

    release_gates: Mapping[str, ReleaseCheck]
    event_hooks: tuple[EventHook, ...] = ()
    # Each event hook in its set form, for the events a set writes together: the same hooks.
    event_set_hooks: tuple[EventSetHook, ...] = ()
    assessed_set_hooks: tuple[AssessedSetHook, ...] = ()
    arrival_checks: tuple[ArrivalCheck, ...] = ()
    upload_hooks: tuple[UploadHook, ...] = ()

    def __post_init__(self) -> None:
        # A copy nobody can change: the gates are fixed once the entry point built them.
        object.__setattr__(self, "release_gates", MappingProxyType(dict(self.release_gates)))
        if len(self.event_set_hooks) != len(self.event_hooks):
            # A set's events would miss a hook (or run one twice) that a lone event runs once.
            raise LifecycleIncomplete("every event hook needs its set form, in the same order")


def attach(session: Session, lifecycle: Lifecycle) -> Session:
    """Hand the lifecycle to the declarations code that runs in this session."""
    session.info[_SESSION_KEY] = lifecycle
    return session


def of(session: Session) -> Lifecycle:
    """The session's lifecycle; refuses a session its entry point opened without one."""
    found = session.info.get(_SESSION_KEY)
    if not isinstance(found, Lifecycle):
        raise LifecycleIncomplete(
            "this session carries no lifecycle: its entry point must build one "
            "(clearance.wiring.lifecycle()) and attach it (clearance.declarations.lifecycle.attach)"
        )
    return found
