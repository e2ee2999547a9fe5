"""Writing audit records into the caller's unit of work, and listing them for supervisors."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from clearance.audit.models import OK, SYSTEM_ROLE, AuditRecord

DECLARATION = "declaration"
# session.info keys: what a unit of work tells the audit about itself.
_REQUEST_ID = "audit.request_id"
_DECLARATION_CHANGED = "audit.declaration_changed"


@dataclass(frozen=True)
class AuditFilter:
    """What a supervisor narrows the trail to; None means any."""

    actor: str | None = None
    role: str | None = None
    action_prefix: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    outcome: str | None = None


def record(
    *,
    session: Session,
    at: datetime,
    actor: str,
    role: str | None,
    action: str,
    outcome: str = OK,
    tax_code: str | None = None,
    target_kind: str | None = None,
    target_id: str | None = None,
    version: int | None = None,
    client_address: str | None = None,
    request_id: str | None = None,
) -> AuditRecord:
    """Add one record: it commits, or rolls back, with the session's other work."""
    row = AuditRecord(
        at=at,
        actor=actor,
        role=role,
        tax_code=tax_code,
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        version=version,
        client_address=client_address,
        request_id=request_id,
        outcome=outcome,
    )
    session.add(row)
    return row


def set_request_id(session: Session, request_id: str | None) -> None:
    """System records written during this request carry its id, to tell what caused them."""
    if request_id:
        session.info[_REQUEST_ID] = request_id


def declaration_changed(session: Session, declaration_id: uuid.UUID) -> None:
    """Remember the declaration this unit of work changed: a lodgement's path names none."""
    session.info[_DECLARATION_CHANGED] = declaration_id


def changed_declaration(session: Session) -> uuid.UUID | None:
    found = session.info.get(_DECLARATION_CHANGED)
    return found if isinstance(found, uuid.UUID) else None


def system_event_row(
    *,
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    declaration_id: uuid.UUID,
    version: int,
) -> dict[str, Any]:
    """The record of a change the worker, the sweeper or the system made to a declaration."""
    request_id = session.info.get(_REQUEST_ID)
    return {
        "at": at,
        "actor": actor,
        "role": SYSTEM_ROLE,
        "action": action,
        "target_kind": DECLARATION,
        "target_id": str(declaration_id),
        "version": version,
        "request_id": request_id if isinstance(request_id, str) else None,
        "outcome": OK,
    }


def list_records(
    *, session: Session, where: AuditFilter, after: int | None, limit: int, oldest_first: bool
) -> list[AuditRecord]:
    """One page of the trail in id order; `after` is the last id of the previous page."""
    equal_to = [
        (AuditRecord.actor, where.actor),
        (AuditRecord.role, where.role),
        (AuditRecord.target_id, where.target_id),
        (AuditRecord.outcome, where.outcome),
    ]
    statement = select(AuditRecord).where(
        *(col(column) == value for column, value in equal_to if value is not None)
    )
    if where.since is not None:
        statement = statement.where(col(AuditRecord.at) >= where.since)
    if where.until is not None:
        statement = statement.where(col(AuditRecord.at) < where.until)
    if where.action_prefix:
        statement = statement.where(
            col(AuditRecord.action).startswith(where.action_prefix, autoescape=True)
        )
    order = col(AuditRecord.id).asc() if oldest_first else col(AuditRecord.id).desc()
    if after is not None:
        beyond = col(AuditRecord.id) > after if oldest_first else col(AuditRecord.id) < after
        statement = statement.where(beyond)
    return list(session.exec(statement.order_by(order).limit(limit)).all())
