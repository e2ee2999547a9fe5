"""Operators see the jobs that failed every retry and replay them."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.deadletters import service
from clearance.deadletters.schemas import DeadLetterOut
from clearance.deps import ClockDep, SessionDep, require
from clearance.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/dead-letters", tags=["operations"], responses=PROBLEM_RESPONSES)
OperatorDep = Annotated[Caller, Depends(require(Role.operator, Role.supervisor))]


@router.get("")
def list_dead_letters(
    session: SessionDep,
    caller: OperatorDep,
    replayed: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeadLetterOut]:
    """Newest first; `?replayed=false` for those still waiting for an operator."""
    letters = service.list_letters(session=session, replayed=replayed, limit=limit)
    return [DeadLetterOut.model_validate(letter, from_attributes=True) for letter in letters]


@router.post("/{letter_id}/replay", status_code=202)
def replay(
    letter_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    clock: ClockDep,
    caller: OperatorDep,
) -> DeadLetterOut:
    """Queue the job again (after this request commits), with its retries renewed."""
    letter = service.replay(session=session, clock=clock, caller=caller, letter_id=letter_id)
    return DeadLetterOut.model_validate(letter, from_attributes=True)
