"""Duty endpoints: the tariff, a declaration's duties, bank notices, guarantees."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.declarations import service as declarations_service
from clearance.deps import (
    AnyRoleDep,
    ClockDep,
    LanguageDep,
    ReferenceDep,
    SessionDep,
    SupervisorDep,
    require,
)
from clearance.duties import payments, tariff, views
from clearance.duties.schemas import (
    DutiesOut,
    GuaranteeIn,
    GuaranteeOut,
    PaymentNoticeIn,
    PaymentOut,
    TariffLineIn,
    TariffLineOut,
    TariffOut,
)
from clearance.errors import PROBLEM_RESPONSES, invalid_field
from clearance.messages import Message
from clearance.reference.calendar import local_date

router = APIRouter(tags=["duties"], responses=PROBLEM_RESPONSES)

BankDep = Annotated[Caller, Depends(require(Role.bank))]
# The bank reads what a declaration owes before it collects; the gate has no need to.
DutyReaderDep = Annotated[
    Caller,
    Depends(require(Role.trader, Role.officer, Role.supervisor, Role.operator, Role.bank)),
]
HsPrefix = Annotated[str | None, Query(pattern=r"^[0-9]{2,8}$")]


@router.get("/v1/tariff")
def read_tariff(
    clock: ClockDep,
    reference: ReferenceDep,
    _caller: AnyRoleDep,
    hs: HsPrefix = None,
    on: date | None = None,
    offset: Annotated[int, Query(ge=0, le=20000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> TariffOut:
    """The lines in force on a day (today by default), a page at a time: `?hs=0902`."""
    day = on or local_date(clock.now())
    found = tariff.page(reference=reference, on=day, prefix=hs or "", offset=offset, limit=limit)
    return TariffOut(
        on=day,
        total=found.total,
        offset=offset,
        limit=limit,
        lines=[views.tariff_line_out(reference, code, line, day) for code, line in found.lines],
    )


@router.post("/v1/tariff", status_code=status.HTTP_201_CREATED)
def add_tariff_version(
    body: TariffLineIn,
    session: SessionDep,
    clock: ClockDep,
    reference: ReferenceDep,
    caller: SupervisorDep,
) -> TariffLineOut:
    """A new version of one line's rates, in force from its date (supervisors)."""
    if body.effective_from < local_date(clock.now()):
        raise invalid_field("effective_from", Message("field.not_before_today"))
    line = tariff.add_rates(
        session=session,
        reference=reference,
        hs_code=body.hs_code,
        effective_from=body.effective_from,
        rates=body.rates,
        created_by=caller.actor,
    )
    return views.tariff_line_out(reference, body.hs_code, line, body.effective_from)


@router.get("/v1/declarations/{declaration_id}/duties")
def read_duties(
    declaration_id: uuid.UUID, session: SessionDep, caller: DutyReaderDep, lang: LanguageDep
) -> DutiesOut:
    """What the declaration owes per line, and what is paid, guaranteed and outstanding."""
    declaration = declarations_service.get(
        session=session, caller=caller, declaration_id=declaration_id
    )
    return views.duties_out(session=session, declaration=declaration, lang=lang)


@router.post("/v1/declarations/{declaration_id}/guarantees", status_code=status.HTTP_201_CREATED)
def register_guarantee(
    declaration_id: uuid.UUID,
    body: GuaranteeIn,
    session: SessionDep,
    clock: ClockDep,
    caller: SupervisorDep,
) -> GuaranteeOut:
    """Register a guarantee of the duty (supervisors): it opens the gate while it is live."""
    guarantee = payments.register_guarantee(
        session=session,
        clock=clock,
        caller=caller,
        declaration_id=declaration_id,
        guarantee_in=body,
    )
    return GuaranteeOut.model_validate(guarantee, from_attributes=True)


@router.post("/v1/payments/notifications", status_code=status.HTTP_201_CREATED)
def notify_payment(
    body: PaymentNoticeIn, response: Response, session: SessionDep, clock: ClockDep, caller: BankDep
) -> PaymentOut:
    """A bank's notice that duty was paid; the same notice again is answered the same."""
    payment, created = payments.record_notice(
        session=session, clock=clock, caller=caller, notice=body
    )
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return PaymentOut.model_validate(payment, from_attributes=True)
