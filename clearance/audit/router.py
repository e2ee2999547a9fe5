"""The audit trail for supervisors: read-only; no route edits or deletes a record."""

from typing import Annotated

from fastapi import APIRouter, Query

from clearance.audit import service
from clearance.audit.schemas import AuditPage, AuditQuery, AuditRecordOut
from clearance.deps import SessionDep, SupervisorDep
from clearance.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=PROBLEM_RESPONSES)


@router.get("")
def list_records(
    query: Annotated[AuditQuery, Query()], session: SessionDep, _caller: SupervisorDep
) -> AuditPage:
    """Who did what, when, from where, on which version: newest first unless `order=oldest`."""
    rows = service.list_records(
        session=session,
        where=service.AuditFilter(
            actor=query.actor,
            role=query.role,
            action_prefix=query.action,
            target_id=query.target_id,
            since=query.since,
            until=query.until,
            outcome=query.outcome,
        ),
        after=query.after,
        limit=query.limit,
        oldest_first=query.order == "oldest",
    )
    next_after = rows[-1].id if len(rows) == query.limit else None
    return AuditPage(items=[AuditRecordOut.model_validate(r) for r in rows], next_after=next_after)
