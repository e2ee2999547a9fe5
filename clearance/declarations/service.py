"""Declarations: lodge, read, amend, cancel, answer queries; the gate's arrival and exit."""

import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, true
from sqlmodel import Session, col, or_, select

from clearance import logs, metrics
from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.clock import Clock, get_clock
from clearance.db import after_commit
from clearance.declarations import activity, lodgement, parties, states
from clearance.declarations.errors import (
    DeclarationNotFound,
    InvalidTransition,
)
from clearance.declarations.models import (
    Declaration,
    DeclarationLine,
    DeclarationVersion,
    Query,
    State,
)
from clearance.declarations.schemas import DeclarationIn
from clearance.errors import FieldError, InvalidInput, invalid_fields
from clearance.mandates import service as mandates_service
from clearance.messages import Message
from clearance.queues import trigger_screening
from clearance.reference.service import ReferenceData

logger = logging.getLogger(__name__)


def stored_payload(declaration_in: DeclarationIn) -> tuple[dict[str, Any], str]:
    """The body as stored, and the digest an idempotent retry is compared by."""
    payload = declaration_in.model_dump(mode="json")
    canonical = json.dumps(payload, sort_keys=True)
    return payload, hashlib.sha256(canonical.encode()).hexdigest()


def check_references(
    *, reference: ReferenceData, declaration_in: DeclarationIn, prefix: str = ""
) -> None:
    """Codes the schema cannot know: gate, HS, countries, currencies, each named by field."""
    errors: list[FieldError] = []
    unknown_country = Message("field.unknown_country")
    if declaration_in.gate not in reference.gates:
        errors.append(
            FieldError("gate", Message("field.unknown_gate", {"gate": declaration_in.gate}))
        )
    if declaration_in.counterparty.country not in reference.countries:
        errors.append(FieldError("counterparty.country", unknown_country))
    for i, line in enumerate(declaration_in.lines):
        if not reference.known_hs_code(line.hs_code):
            errors.append(FieldError(f"lines.{i}.hs_code", _unknown_line(reference, line.hs_code)))
        if line.preference is not None and line.preference not in reference.preferences():
            known = sorted(reference.preferences())
            errors.append(
                FieldError(
                    f"lines.{i}.preference",
                    Message(
                        "field.preference_unknown", {"preference": line.preference, "known": known}
                    ),
                )
            )
        if line.origin not in reference.countries:
            errors.append(FieldError(f"lines.{i}.origin", unknown_country))
        if line.currency not in reference.currencies:
            errors.append(FieldError(f"lines.{i}.currency", Message("field.unknown_currency")))
    if errors:
        raise invalid_fields([FieldError(prefix + e.field, e.message) for e in errors])


def _unknown_line(reference: ReferenceData, hs_code: str) -> Message:
    """Why a code is not declarable, with the lines under its heading that come closest."""
    code = "field.hs_heading" if len(hs_code) < 8 else "field.hs_not_line"
    why = Message(code, {"hs_code": hs_code})
    closest = reference.nomenclature.closest(hs_code, reference.today)
    if not closest:
        return Message("field.hs_no_lines", {"why": why, "heading": hs_code[:4]})
    return Message("field.hs_closest", {"why": why, "heading": hs_code[:4], "closest": closest})


def _start_version(
    *,
    session: Session,
    clock: Clock,
    declaration: Declaration,
    body: DeclarationIn,
    caller: Caller,
    action: str,
    reason: str = "",
    stored: tuple[dict[str, Any], str] | None = None,
) -> None:
    """Lodge the declaration's current version: event, body, lines, and its screening job."""
    payload, body_sha = stored or stored_payload(body)
    states.transition(
        session=session,
        clock=clock,
        declaration=declaration,
        to=State.lodged,
        actor_kind=states.TRADER,
        actor=caller.actor,
        action=action,
        reason=reason,
        new=action == "lodge",
    )
    session.add(
        DeclarationVersion(
            declaration_id=declaration.id,
            version=declaration.version,
            payload=payload,
            payload_sha256=body_sha,
            created_by=caller.actor,
            created_at=clock.now(),
        )
    )
    session.add_all(
        DeclarationLine(**row)
        for row in lodgement.line_rows(declaration.id, declaration.version, body)
    )
    after_commit(session, _trigger_screening, key="trigger_screening")


def _trigger_screening() -> None:
    trigger_screening()


def _visible_to(caller: Caller) -> ColumnElement[bool]:
    if caller.role is Role.trader:
        return or_(
            col(Declaration.declarant_tax_code) == caller.tax_code,
            col(Declaration.trader_tax_code) == caller.tax_code,
        )
    return true()


def get(
    *, session: Session, caller: Caller, declaration_id: uuid.UUID, for_update: bool = False
) -> Declaration:
    """The declaration if the caller may see it; another trader's is a 404, not a 403.

    `for_update` reads it to change it: a broker then needs its client's live mandate.
    """
    statement = select(Declaration).where(Declaration.id == declaration_id, _visible_to(caller))
    if for_update:
        statement = statement.with_for_update()
    declaration = session.exec(statement).first()
    if declaration is None:
        raise DeclarationNotFound(
            Message("error.declaration_not_found", {"declaration_id": str(declaration_id)})
        )
    logs.bind(declaration_id=str(declaration_id))  # the rest of the request logs it
    if for_update and caller.role is Role.trader:
        mandates_service.check(
            session=session,
            clock=get_clock(),
            broker=caller.tax_code or "",
            client=declaration.trader_tax_code,
            kind=declaration.kind.value,
            field="declaration_id",
        )
    return declaration


def lock(*, session: Session, declaration_id: uuid.UUID) -> Declaration | None:
    """Read a declaration for a job, holding its row until commit (PostgreSQL)."""
    return session.exec(
        select(Declaration).where(Declaration.id == declaration_id).with_for_update()
    ).first()


def current_version(*, session: Session, declaration: Declaration) -> DeclarationVersion:
    """The stored current version; read once per session (a version never changes)."""
    key = ("declaration_version", declaration.id, declaration.version)
    if (found := session.info.get(key)) is None:
        found = session.info[key] = session.exec(
            select(DeclarationVersion).where(
                DeclarationVersion.declaration_id == declaration.id,
                DeclarationVersion.version == declaration.version,
            )
        ).one()
    return found


def load_versions(*, session: Session, declarations: Sequence[Declaration]) -> None:
    """Read the current versions of many declarations in one query, for `current_version`."""
    wanted = {(d.id, d.version) for d in declarations}
    if not wanted:
        return
    rows = session.exec(
        select(DeclarationVersion).where(
            col(DeclarationVersion.declaration_id).in_({d for d, _v in wanted})
        )
    ).all()
    for row in rows:
        if (row.declaration_id, row.version) in wanted:
            session.info[("declaration_version", row.declaration_id, row.version)] = row


def body(*, session: Session, declaration: Declaration) -> DeclarationIn:
    """The current version's declaration, parsed once per session."""
    key = ("declaration_body", declaration.id, declaration.version)
    if (found := session.info.get(key)) is None:
        version = current_version(session=session, declaration=declaration)
        found = session.info[key] = DeclarationIn.model_validate(version.payload)
    return found


def list_for(
    *,
    session: Session,
    caller: Caller,
    state: State | None,
    lodged_from: datetime | None,
    lodged_to: datetime | None,
    limit: int,
    cursor: tuple[datetime, uuid.UUID] | None,
) -> list[Declaration]:
    """Newest first, keyset-paginated on (lodged_at, id)."""
    statement = select(Declaration).where(_visible_to(caller))
    if state is not None:
        statement = statement.where(Declaration.state == state)
    if lodged_from is not None:
        statement = statement.where(col(Declaration.lodged_at) >= lodged_from)
    if lodged_to is not None:
        statement = statement.where(col(Declaration.lodged_at) < lodged_to)
    if cursor is not None:
        at, last_id = cursor
        statement = statement.where(
            or_(
                col(Declaration.lodged_at) < at,
                (col(Declaration.lodged_at) == at) & (col(Declaration.id) < last_id),
            )
        )
    statement = statement.order_by(col(Declaration.lodged_at).desc(), col(Declaration.id).desc())
    return list(session.exec(statement.limit(limit)).all())


def amend(
    *,
    session: Session,
    clock: Clock,
    caller: Caller,
    reference: ReferenceData,
    declaration_id: uuid.UUID,
    declaration_in: DeclarationIn,
    reason: str,
) -> Declaration:
    """A new version, screened from the start; its channel can only stay or grow stricter."""
    declaration = get(
        session=session, caller=caller, declaration_id=declaration_id, for_update=True
    )
    parties.check_declarant(session, clock, caller, declaration_in, prefix="declaration.")
    parties.check_unchanged(declaration, declaration_in)
    if declaration_in.ucr != declaration.ucr:
        raise InvalidInput(
            Message("error.amendment_keeps_ucr"),
            errors=[FieldError("declaration.ucr", Message("field.ucr_must_equal"))],
        )
    check_references(reference=reference, declaration_in=declaration_in, prefix="declaration.")
    states.check(state=declaration.state, to=State.lodged, actor_kind=states.TRADER)
    declaration.version += 1
    declaration.kind = declaration_in.kind
    declaration.gate_code = declaration_in.gate
    declaration.expected_arrival_at = declaration_in.truck.expected_arrival_at
    declaration.channel = None
    declaration.held_from = None
    _start_version(
        session=session,
        clock=clock,
        declaration=declaration,
        body=declaration_in,
        caller=caller,
        action="amend",
        reason=reason,
    )
    activity.amended(session, declaration, declaration_in)
    metrics.DECLARATIONS_AMENDED.labels(declaration.kind.value).inc()
    return declaration


def cancel(
    *,
    session: Session,
    clock: Clock,
    declaration: Declaration,
    actor_kind: str,
    actor: str,
    reason: str | Message,
) -> Declaration:
    states.transition(
        session=session,
        clock=clock,
        declaration=declaration,
        to=State.cancelled,
        actor_kind=actor_kind,
        actor=actor,
        action="cancel",
        reason=reason,
    )
    metrics.CANCELLATIONS.labels(actor_kind).inc()
    return declaration


def answer_query(
    *,
    session: Session,
    clock: Clock,
    caller: Caller,
    declaration_id: uuid.UUID,
    query_id: int,
    answer: str,
) -> Declaration:
    """The trader answers; a held declaration goes back to where it was."""
    declaration = get(
        session=session, caller=caller, declaration_id=declaration_id, for_update=True
    )
    query = session.get(Query, query_id)
    if query is None or query.declaration_id != declaration.id:
        raise DeclarationNotFound(
            Message(
                "error.query_not_found",
                {"query_id": query_id, "declaration_id": str(declaration_id)},
            )
        )
    if query.answered_at is not None:
        raise InvalidTransition(Message("error.query_answered"))
    query.answer, query.answered_at = answer, clock.now()
    session.add(query)
    if declaration.state is State.held and declaration.held_from is not None:
        states.transition(
            session=session,
            clock=clock,
            declaration=declaration,
            to=declaration.held_from,
            actor_kind=states.TRADER,
            actor=caller.actor,
            action="answer",
            reason=Message("event.query_answered", {"query": query_id}),
        )
        declaration.held_from = None
    return declaration
