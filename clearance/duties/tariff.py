"""The tariff as readers and supervisors see it: pages of lines in force, a line's new rates."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from clearance.duties.errors import TariffVersionExists
from clearance.errors import FieldError, InvalidInput, invalid_fields
from clearance.messages import Message
from clearance.reference import notation, tariff_files
from clearance.reference.models import TariffLine
from clearance.reference.service import ReferenceData
from clearance.reference.tariff_files import REQUIRED_RATES, EditionLine


@dataclass(frozen=True)
class Page:
    on: date
    total: int
    lines: list[tuple[str, EditionLine]]


def page(*, reference: ReferenceData, on: date, prefix: str, offset: int, limit: int) -> Page:
    """The lines in force on the day under the prefix, `limit` of them from `offset`."""
    found = list(reference.nomenclature.under(prefix, on))
    return Page(on=on, total=len(found), lines=found[offset : offset + limit])


def columns(reference: ReferenceData) -> list[str]:
    """The rate columns a line may carry: standard, MFN, and each FTA schedule."""
    return [*REQUIRED_RATES, *(s.column for s in reference.schedules)]


def _checked_rates(reference: ReferenceData, rates: Mapping[str, str]) -> None:
    known, errors = columns(reference), []
    for column, cell in rates.items():
        if column not in known:
            errors.append(FieldError(f"rates.{column}", Message("field.rate_column_unknown")))
            continue
        try:
            empty = notation.parse(cell).kind is notation.CellKind.empty
        except notation.MalformedCell as error:
            errors.append(FieldError(f"rates.{column}", error.message))
            continue
        if empty and column in REQUIRED_RATES:
            errors.append(FieldError(f"rates.{column}", Message("field.rate_required")))
    if errors:
        raise invalid_fields(errors)


def add_rates(
    *,
    session: Session,
    reference: ReferenceData,
    hs_code: str,
    effective_from: date,
    rates: Mapping[str, str],
    created_by: str,
) -> EditionLine:
    """A new version of a line, in force from the date: its current rates with these changed
    (an empty cell removes a column's rate)."""
    _checked_rates(reference, rates)
    current = reference.nomenclature.line(hs_code, effective_from)
    if current is None:
        raise InvalidInput(
            Message(
                "error.tariff_not_line", {"hs_code": hs_code, "on": effective_from.isoformat()}
            ),
            errors=[FieldError("hs_code", Message("field.tariff_not_line"))],
        )
    clash = session.exec(
        select(TariffLine.id).where(
            TariffLine.code == hs_code, TariffLine.effective_from == effective_from
        )
    ).first()
    if clash is not None:
        raise TariffVersionExists(
            Message(
                "error.tariff_version_exists",
                {"hs_code": hs_code, "on": effective_from.isoformat()},
            )
        )
    merged = {**current.rates, **{c: v.strip() for c, v in rates.items()}}
    line = EditionLine(
        current.description_vi,
        current.description_en,
        {c: v for c, v in merged.items() if v},
        current.procedures,
    )
    row = tariff_files.version_row(hs_code, line, effective_from, created_by, withdrawn=False)
    tariff_files.store(session=session, rows=[row])
    return line
