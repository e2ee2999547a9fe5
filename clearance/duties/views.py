"""Duties as readers see them: per line, what is owed, paid, guaranteed and outstanding."""

from datetime import date
from typing import Any

from sqlmodel import Session

from clearance.declarations.models import Declaration
from clearance.duties import payments, service
from clearance.duties.compute import LineDuty
from clearance.duties.schemas import (
    DutiesOut,
    DutyLineOut,
    GuaranteeOut,
    ProcedureOut,
    TariffLineOut,
)
from clearance.messages import Message, params_json
from clearance.reference import nomenclature
from clearance.reference.service import ReferenceData
from clearance.reference.tariff_files import EditionLine


def _note(note: Message | str, lang: str) -> dict[str, Any]:
    """A note as the API gives it: in the asked language, with its code and parameters."""
    if not isinstance(note, Message):
        return {"note": note}
    return {
        "note": note.render(lang),
        "note_code": note.code,
        "note_params": params_json(note.params),
    }


def _line_out(line: LineDuty, lang: str) -> DutyLineOut:
    return DutyLineOut(**line.figures(), **_note(line.note, lang))


def duties_out(*, session: Session, declaration: Declaration, lang: str) -> DutiesOut:
    assessed = service.current(session=session, declaration=declaration)
    owed = assessed.owed_vnd
    balance = payments.balance(session=session, declaration=declaration, owed_vnd=owed)
    return DutiesOut(
        declaration_id=declaration.id,
        version=assessed.version,
        assessed_on=assessed.day,
        computed_at=assessed.computed_at,
        **_note(assessed.note, lang),
        lines=[_line_out(line, lang) for line in assessed.lines],
        owed_vnd=owed,
        paid_vnd=balance.paid_vnd,
        guaranteed_vnd=balance.guaranteed_vnd,
        outstanding_vnd=balance.outstanding_vnd,
        overpaid_vnd=balance.overpaid_vnd,
        guarantees=[
            GuaranteeOut.model_validate(g, from_attributes=True) for g in balance.guarantees
        ],
    )


def tariff_line_out(
    reference: ReferenceData, code: str, line: EditionLine, on: date
) -> TariffLineOut:
    vat = reference.vat_on(code, on)
    return TariffLineOut(
        hs_code=code,
        description_vi=line.description_vi,
        description_en=line.description_en,
        rates=dict(line.rates),
        vat_rate=vat.rate if vat else None,
        vat_legal_basis=vat.legal_basis if vat else "",
        procedures=[
            ProcedureOut(text=p.text, legal_basis=p.basis)
            for p in nomenclature.procedures(line.procedures)
        ],
        border_resident=reference.border_resident(code, on),
    )
