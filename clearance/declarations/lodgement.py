"""A lodgement as the set's writer takes it, and the rows it becomes in each table."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clearance import tracing
from clearance.auth.service import Caller
from clearance.declarations import states
from clearance.declarations.lifecycle import Lifecycle
from clearance.declarations.models import State
from clearance.declarations.schemas import DeclarationIn
from clearance.errors import ClearanceError

ACTION = "POST /v1/declarations"


@dataclass(frozen=True)
class RequestFacts:
    """What the audit record of a request says besides its caller."""

    client_address: str | None
    request_id: str | None


@dataclass(eq=False)
class Lodgement:
    """One request's declaration, validated and checked against the reference data."""

    caller: Caller
    declaration_in: DeclarationIn
    payload: dict[str, Any]
    body_sha256: str
    idempotency_key: str | None
    facts: RequestFacts
    # The lifecycle of the app the request came to: its event hooks run as the set is written.
    lifecycle: Lifecycle
    # An unknown code: answered only once the key is known not to be a replay (as before).
    reference_error: ClearanceError | None = None
    declaration_id: uuid.UUID = field(default_factory=uuid.uuid4)
    # The request's trace context, for its screening job (the set is sent from another thread).
    trace: dict[str, Any] = field(default_factory=tracing.job_meta)

    @property
    def scope(self) -> str:
        return self.caller.tax_code or self.caller.actor


@dataclass(frozen=True)
class Lodged:
    declaration_id: uuid.UUID
    version: int
    state: State
    created: bool


Outcome = Lodged | Exception
# Called once the set is committed, with what was created (the screening enqueue).
Committed = Callable[[list[Lodgement]], None]


def declaration_row(item: Lodgement, now: datetime) -> dict[str, Any]:
    body = item.declaration_in
    return {
        "id": item.declaration_id,
        "ucr": body.ucr,
        "kind": body.kind,
        "gate_code": body.gate,
        "declarant_tax_code": body.declarant.tax_code,
        "trader_tax_code": body.trader.tax_code,
        "state": State.lodged,
        "version": 1,
        "lodged_at": now,
        "state_since": now,
        "expected_arrival_at": body.truck.expected_arrival_at,
    }


def line_rows(declaration_id: uuid.UUID, version: int, body: DeclarationIn) -> list[dict[str, Any]]:
    """The version's lines as table rows: how lodging and amending both write them."""
    return [
        {
            "declaration_id": declaration_id,
            "version": version,
            "line_no": line_no,
            "hs_code": line.hs_code,
            "origin": line.origin,
            "quantity": line.quantity,
            "unit": line.unit,
            "gross_kg": line.gross_kg,
            "net_kg": line.net_kg,
            "customs_value": line.customs_value,
            "currency": line.currency,
            "preference": line.preference,
        }
        for line_no, line in enumerate(body.lines, start=1)
    ]


def event_row(item: Lodgement, now: datetime) -> dict[str, Any]:
    # The state machine's first move (states.TRANSITIONS: nothing -> lodged, by a trader).
    states.check(state=None, to=State.lodged, actor_kind=states.TRADER)
    return dict(  # keywords, as every event's action is written (tests read them)
        declaration_id=item.declaration_id,
        version=1,
        action="lodge",
        from_state=None,
        to_state=State.lodged,
        actor=item.caller.actor,
        reason="",
        reason_code=None,
        reason_params=None,
        at=now,
    )


def audit_row(
    item: Lodgement, now: datetime, outcome: str, target: tuple[str | None, str | None, int | None]
) -> dict[str, Any]:
    caller = item.caller
    return {
        "at": now,
        "actor": caller.actor,
        "role": caller.role.value,
        "tax_code": caller.tax_code,
        "action": ACTION,
        "target_kind": target[0],
        "target_id": target[1],
        "version": target[2],
        "client_address": item.facts.client_address,
        "request_id": item.facts.request_id,
        "outcome": outcome,
    }
