"""Officers' review endpoints (first cut; the review issue deepens them)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from clearance.deps import ClockDep, OfficerDep, SessionDep, SettingsDep
from clearance.errors import PROBLEM_RESPONSES
from clearance.review import service
from clearance.review.schemas import Claim, ClaimIn, DecisionIn, DecisionOut, Lane, QueueItem

router = APIRouter(prefix="/v1/review", tags=["review"], responses=PROBLEM_RESPONSES)


@router.get("/queue")
def queue(
    session: SessionDep,
    clock: ClockDep,
    caller: OfficerDep,
    lane: Lane | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[QueueItem]:
    """Items waiting for officers: overdue first, then by time left, then by risk."""
    return service.queue(session=session, clock=clock, lane=lane, limit=limit)


@router.post(
    "/claim-next",
    response_model=Claim,
    responses={status.HTTP_204_NO_CONTENT: {"description": "Nothing to claim"}},
)
def claim_next(
    body: ClaimIn,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    caller: OfficerDep,
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


@router.post("/items/{declaration_id}/decision")
def decide(
    declaration_id: uuid.UUID,
    body: DecisionIn,
    session: SessionDep,
    clock: ClockDep,
    caller: OfficerDep,
) -> DecisionOut:
    """Release, hold with a query, send to inspection, or seize: on the version named."""
    declaration, decision = service.decide(
        session=session, clock=clock, caller=caller, declaration_id=declaration_id, decision_in=body
    )
    return DecisionOut(
        declaration_id=declaration.id,
        version=decision.version,
        decision=decision.kind,
        state=declaration.state,
    )
