"""What a screening set changes, gathered and written one statement per table.

A set's moves, assessments, decisions and releases are made in memory on the claimed
declarations (the same checks and rules as one change at a time, `states.move`); the rows they
call for wait here and go out together: one multi-row INSERT per table, one UPDATE for the
declarations' rows, then the event hooks (the outbox) once for all the set's events.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlmodel import Session, SQLModel

from clearance import db
from clearance.audit import service as audit_service
from clearance.audit.models import AuditRecord
from clearance.clock import Clock
from clearance.declarations import lifecycle, states
from clearance.declarations.models import Channel, Declaration, DeclarationEvent, State
from clearance.declarations.states import Row
from clearance.messages import Message


@dataclass(frozen=True, slots=True)
class _AsOf:
    """What an event hook may read of the declaration as it was at the event (the outbox's
    view): plain values, not an ORM object per event."""

    id: uuid.UUID
    ucr: str
    channel: Channel | None
    declarant_tax_code: str
    trader_tax_code: str


@dataclass(frozen=True, slots=True)
class _Written:
    """What an event hook reads of an event written with the set."""

    version: int
    action: str
    from_state: State | None
    to_state: State
    at: datetime


class Changes:
    """Rows waiting to be written together, in the order tables were first given rows."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self.session, self.clock = session, clock
        self._rows: dict[type[SQLModel], list[dict[str, Any]]] = {}
        self._events: list[tuple[_AsOf, dict[str, Any]]] = []
        self._moved: dict[int, Declaration] = {}

    def add(self, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
        self._rows.setdefault(model, []).extend(rows)

    def add_one(self, model: type[Row], row: dict[str, Any]) -> Row:
        """The row, to be written with the set's; an unsaved stand-in for it."""
        self.add(model, [row])
        return cast(Row, model.model_construct(**row))

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
        """`states.transition`, its event and audit record written with the set's."""
        from_state = states.move(
            session=self.session,
            clock=self.clock,
            declaration=declaration,
            to=to,
            actor_kind=actor_kind,
        )
        event = states.event_row(declaration, from_state, action, actor, reason, self.clock.now())
        self._moved[id(declaration)] = declaration
        as_of = _AsOf(
            event["declaration_id"],
            declaration.ucr,
            declaration.channel,
            declaration.declarant_tax_code,
            declaration.trader_tax_code,
        )
        self._events.append((as_of, event))
        if (audited := states.audit_row(self.session, event)) is not None:
            self.add(AuditRecord, [audited])

    def write(self) -> None:
        """Every row gathered, one INSERT per table; then the event hooks for all the events."""
        events = [row for _declaration, row in self._events]
        self.add(DeclarationEvent, [dict(row) for row in events])
        for model, rows in self._rows.items():
            db.insert_rows(self.session, model, rows)
        db.update_rows(self.session, list(self._moved.values()))
        if self._events:
            audit_service.declaration_changed(self.session, self._events[-1][1]["declaration_id"])
        written = [
            (as_of, _Written(e["version"], e["action"], e["from_state"], e["to_state"], e["at"]))
            for as_of, e in self._events
        ]
        for hook in lifecycle.of(self.session).event_set_hooks:
            hook(self.session, written)
        self._rows.clear()
        self._events.clear()
        self._moved.clear()
