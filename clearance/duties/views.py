"""Duties as readers see them: per line, what is owed, paid, guaranteed and outstanding."""

from sqlmodel import Session

from clearance.declarations.models import Declaration
from clearance.duties import payments, service
from clearance.duties.models import TariffRate
from clearance.duties.schemas import (
    DutiesOut,
    DutyLineOut,
    GuaranteeOut,
    TariffRateOut,
)


def duties_out(*, session: Session, declaration: Declaration) -> DutiesOut:
    assessed = service.current(session=session, declaration=declaration)
    owed = assessed.owed_vnd
    balance = payments.balance(session=session, declaration=declaration, owed_vnd=owed)
    return DutiesOut(
        declaration_id=declaration.id,
        version=assessed.version,
        assessed_on=assessed.day,
        computed_at=assessed.computed_at,
        note=assessed.note,
        lines=[DutyLineOut.model_validate(line, from_attributes=True) for line in assessed.lines],
        owed_vnd=owed,
        paid_vnd=balance.paid_vnd,
        guaranteed_vnd=balance.guaranteed_vnd,
        outstanding_vnd=balance.outstanding_vnd,
        overpaid_vnd=balance.overpaid_vnd,
        guarantees=[
            GuaranteeOut.model_validate(g, from_attributes=True) for g in balance.guarantees
        ],
    )


def tariff_rate_out(row: TariffRate) -> TariffRateOut:
    return TariffRateOut.model_validate(row, from_attributes=True)
