"""Mandates: clients authorise brokers; both sides and supervisors read them."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.deps import ClockDep, SessionDep, require
from clearance.errors import PROBLEM_RESPONSES
from clearance.mandates import service
from clearance.mandates.schemas import MandateIn, MandateOut

router = APIRouter(prefix="/v1/mandates", tags=["mandates"], responses=PROBLEM_RESPONSES)
GrantorDep = Annotated[Caller, Depends(require(Role.trader, Role.supervisor))]


@router.post("", status_code=status.HTTP_201_CREATED)
def grant(body: MandateIn, session: SessionDep, clock: ClockDep, caller: GrantorDep) -> MandateOut:
    """Authorise a broker to lodge and act on declarations of these kinds for you."""
    mandate = service.grant(session=session, clock=clock, caller=caller, mandate_in=body)
    return MandateOut.model_validate(mandate, from_attributes=True)


@router.get("")
def list_mandates(session: SessionDep, caller: GrantorDep) -> list[MandateOut]:
    """Mandates you granted or hold; a supervisor sees all."""
    mandates = service.list_for(session=session, caller=caller)
    return [MandateOut.model_validate(m, from_attributes=True) for m in mandates]


@router.post("/{mandate_id}/revoke")
def revoke(
    mandate_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    clock: ClockDep,
    caller: GrantorDep,
) -> MandateOut:
    """End a mandate you granted; the broker can no longer lodge or act for you."""
    mandate = service.revoke(session=session, clock=clock, caller=caller, mandate_id=mandate_id)
    return MandateOut.model_validate(mandate, from_attributes=True)
