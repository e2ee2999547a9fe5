"""Officers' review endpoints: queues, leases, document checks, inspections, decisions."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from clearance.declarations import service as declarations_service
from clearance.deps import ClockDep, OfficerDep, SessionDep, SettingsDep, SupervisorDep
from clearance.errors import PROBLEM_RESPONSES
from clearance.review import service, views, work
from clearance.review.schemas import (
    Claim,
    ClaimIn,
    DecisionIn,
    DecisionOut,
    DocumentCheckIn,
    DocumentCheckOut,
    InspectionIn,
    InspectionOut,
    Lane,
    LeaseOut,
    OfficerWorkload,
    QueueItem,
    ReassignIn,
    ReviewRecord,
)

router = APIRouter(prefix="/v1/review", tags=["review"], responses=PROBLEM_RESPONSES)
ITEM = "/items/{declaration_id}"


@router.get("/queue")
def queue(
    session: SessionDep,
    clock: ClockDep,
    caller: OfficerDep,
    lane: Lane | None = None,
    overdue: bool = False,
    mine: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[QueueItem]:
    """Items waiting for officers: overdue first, then by working time left, then by risk."""
    return service.queue(
        session=session,
        clock=clock,
        lane=lane,
        limit=limit,
        overdue_only=overdue,
        officer=caller.actor if mine else None,
    )


@router.post(
    "/claim-next",
    response_model=Claim,
    responses={status.HTTP_204_NO_CONTENT: {"description": "Nothing to claim"}},
)
def claim_next(
    body: ClaimIn, session: SessionDep, clock: ClockDep, settings: SettingsDep, caller: OfficerDep
) -> Claim | Response:
    """Lease the most urgent free item; two officers never hold the same one."""
    claimed = service.claim_next(
        session=session,
        clock=clock,
        caller=caller,
        lane=Lane(body.lane) if body.lane else None,
        lease_seconds=settings.lease_seconds,
    )
    if claimed is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    item, expires = claimed
    return Claim(item=item, lease_expires_at=expires)


@router.post(ITEM + "/claim", response_model=Claim)
def claim(
    declaration_id: uuid.UUID,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    caller: OfficerDep,
) -> Claim:
    """Lease this item, when it waits for a check or an inspection and no one holds it."""
    item, expires = service.claim(
        session=session,
        clock=clock,
        caller=caller,
        declaration_id=declaration_id,
        lease_seconds=settings.lease_seconds,
    )
    return Claim(item=item, lease_expires_at=expires)


@router.get(ITEM)
def review_record(
    declaration_id: uuid.UUID, session: SessionDep, clock: ClockDep, caller: OfficerDep
) -> ReviewRecord:
    """The item's place in the queue, its lease, and every check, inspection and case."""
    declaration = declarations_service.get(
        session=session, caller=caller, declaration_id=declaration_id
    )
    checks, inspections, cases = work.records(session=session, declaration=declaration)
    return views.record_out(
        item=service.item(session=session, clock=clock, declaration=declaration),
        lease=service.live_lease(session=session, clock=clock, declaration=declaration),
        checks=checks,
        inspections=inspections,
        cases=cases,
    )


@router.put(ITEM + "/lease")
def renew_lease(
    declaration_id: uuid.UUID,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    caller: OfficerDep,
) -> LeaseOut:
    """Extend your own live lease by the configured lease time."""
    lease = service.renew_lease(
        session=session,
        clock=clock,
        caller=caller,
        declaration_id=declaration_id,
        lease_seconds=settings.lease_seconds,
    )
    return views.lease_out(lease)


@router.delete(ITEM + "/lease", status_code=status.HTTP_204_NO_CONTENT)
def release_lease(
    declaration_id: uuid.UUID, session: SessionDep, clock: ClockDep, caller: OfficerDep
) -> None:
    """Put the item back in the queue: its holder, or a supervisor, may."""
    service.release_lease(
        session=session, clock=clock, caller=caller, declaration_id=declaration_id
    )


@router.post(ITEM + "/reassign")
def reassign(
    declaration_id: uuid.UUID,
    body: ReassignIn,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    caller: SupervisorDep,
) -> LeaseOut:
    """Hand the item to another officer, taking it from whoever holds it."""
    lease = service.reassign(
        session=session,
        clock=clock,
        caller=caller,
        declaration_id=declaration_id,
        officer=body.officer,
        lease_seconds=settings.lease_seconds,
    )
    return views.lease_out(lease)


@router.post(ITEM + "/document-check", status_code=status.HTTP_201_CREATED)
def document_check(
    declaration_id: uuid.UUID,
    body: DocumentCheckIn,
    session: SessionDep,
    clock: ClockDep,
    caller: OfficerDep,
) -> DocumentCheckOut:
    """Accept or query each document; any query holds the declaration for the trader."""
    _, check = work.record_document_check(
        session=session,
        clock=clock,
        caller=caller,
        declaration_id=declaration_id,
        check_in=body,
    )
    return views.check_out(check)


@router.post(ITEM + "/inspection", status_code=status.HTTP_201_CREATED)
def inspection(
    declaration_id: uuid.UUID,
    body: InspectionIn,
    session: SessionDep,
    clock: ClockDep,
    caller: OfficerDep,
) -> InspectionOut:
    """Record the physical inspection: seals, count, weight, sample, photos, discrepancies."""
    recorded = work.record_inspection(
        session=session,
        clock=clock,
        caller=caller,
        declaration_id=declaration_id,
        inspection_in=body,
    )
    return views.inspection_out(recorded)


@router.post(ITEM + "/decision")
def decide(
    declaration_id: uuid.UUID,
    body: DecisionIn,
    session: SessionDep,
    clock: ClockDep,
    caller: OfficerDep,
) -> DecisionOut:
    """Release, hold with a query, inspect or escalate, or seize: on the version named."""
    declaration, decision, case = work.decide(
        session=session,
        clock=clock,
        caller=caller,
        declaration_id=declaration_id,
        decision_in=body,
    )
    return DecisionOut(
        declaration_id=declaration.id,
        version=decision.version,
        decision=decision.kind,
        state=declaration.state,
        case=views.case_out(case) if case else None,
    )


@router.get("/workload")
def workload(session: SessionDep, clock: ClockDep, caller: SupervisorDep) -> list[OfficerWorkload]:
    """Per officer: items held, how many overdue, decisions today."""
    return work.workload(session=session, clock=clock)
