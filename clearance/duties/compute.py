"""The rate that applies to one line, and the arithmetic of its duty and VAT, in Decimal,
rounded to whole đồng.

The rate (Law 107/2016/QH13 art. 5; Decree 26/2023/ND-CP): MFN for goods of a country that
gives Vietnam MFN treatment, the standard rate for others; an FTA rate only where the line
claims it, the origin is a party of that schedule and not excluded on the line, the
schedule has a rate there (`*` has none), and the certificate's checks found nothing.

customs value in VND = value x the day's rate; duty = value VND x duty rate;
VAT = (value VND + duty) x VAT rate; each amount rounded half up to the đồng. The value is taken
as declared: adjusting it for the incoterm (freight, insurance to the border) is out of scope.
"""

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from clearance.declarations.schemas import Line
from clearance.reference import notation
from clearance.reference.service import ReferenceData
from clearance.reference.tariff_files import EditionLine

HUNDRED = Decimal(100)


class Claim(Protocol):
    """What a line's rate depends on besides its tariff line (a `Line`, a history line)."""

    @property
    def origin(self) -> str: ...

    @property
    def preference(self) -> str | None: ...


@dataclass(frozen=True)
class LineDuty:
    """What one line owes; the amounts are None when its rate or exchange rate is unknown."""

    line_no: int
    hs_code: str
    customs_value: Decimal
    currency: str
    preference_claimed: str | None
    rate_vnd: Decimal | None = None
    value_vnd: int | None = None
    duty_rate: Decimal | None = None
    vat_rate: Decimal | None = None
    preference_granted: bool = False
    note: str = ""
    duty_vnd: int | None = None
    vat_vnd: int | None = None

    @property
    def rate_known(self) -> bool:
        return self.duty_vnd is not None and self.vat_vnd is not None

    @property
    def total_vnd(self) -> int | None:
        if self.duty_vnd is None or self.vat_vnd is None:
            return None
        return self.duty_vnd + self.vat_vnd


def to_vnd(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _cell_rate(cell: notation.Cell, origin: str, mfn: Decimal | None) -> Decimal | None:
    if cell.kind is notation.CellKind.share_of_mfn and cell.share_of_mfn is not None:
        return None if mfn is None else mfn * cell.share_of_mfn
    rate, _why = cell.rate_for(origin)
    if rate is not None and cell.out_of_quota is not None:
        return cell.out_of_quota  # no tariff quota is allocated through this service
    return rate


def base_rate(
    line: Claim, tariff: EditionLine, reference: ReferenceData
) -> tuple[Decimal | None, str]:
    """MFN for an origin with MFN treatment, the standard rate otherwise; None: not computable."""
    mfn_cell = notation.parse(tariff.rates.get("mfn", ""))
    mfn = _cell_rate(mfn_cell, line.origin, None)
    if line.origin in reference.mfn_countries:
        return mfn, "MFN rate" if mfn is not None else f"MFN rate: {mfn_cell.rate_for('')[1]}"
    standard = _cell_rate(notation.parse(tariff.rates.get("standard", "")), line.origin, mfn)
    return standard, f"standard rate: {line.origin} has no MFN treatment"


def duty_rate(
    line: Claim, tariff: EditionLine, reference: ReferenceData, refusal: str | None
) -> tuple[Decimal | None, bool, str]:
    """The rate that applies, whether it is a preference, and why (not)."""
    base, why_base = base_rate(line, tariff, reference)
    if line.preference is None:
        return base, False, why_base
    schedule = reference.schedule_for(line.preference, line.origin)
    if schedule is None:
        why_not = f"origin {line.origin} is not a party of the agreement"
        return base, False, f"{line.preference} preference refused: {why_not}; {why_base}"
    cell = notation.parse(tariff.rates.get(schedule.column, ""))
    preferential, why = cell.rate_for(line.origin)
    if refusal is not None or preferential is None:
        return base, False, f"{schedule.agreement} preference refused: {refusal or why}; {why_base}"
    if base is not None and base < preferential:
        return base, False, f"{why_base}: lower than the {schedule.agreement} rate"
    return preferential, True, f"{schedule.agreement} rate" + (f" ({why})" if why else "")


def line_duty(
    *,
    line_no: int,
    line: Line,
    day: date,
    reference: ReferenceData,
    rate_vnd: Decimal | None,
    refusal: str | None = None,
) -> LineDuty:
    """One line's duty and VAT at the rates in force on `day`."""
    facts = LineDuty(line_no, line.hs_code, line.customs_value, line.currency, line.preference)
    tariff = reference.tariff_line(line.hs_code, day)
    vat = reference.vat_on(line.hs_code, day)
    if tariff is None or vat is None:
        return replace(facts, note=f"rate unknown: HS {line.hs_code} is not a line on {day}")
    if rate_vnd is None:
        note = f"rate unknown: no exchange rate for {line.currency} on {day}"
        return replace(facts, note=note)
    rate, granted, note = duty_rate(line, tariff, reference, refusal)
    if rate is None:
        return replace(facts, rate_vnd=rate_vnd, note=f"rate unknown: {note}")
    value_vnd = to_vnd(line.customs_value * rate_vnd)
    duty = to_vnd(value_vnd * rate / HUNDRED)
    vat_vnd = to_vnd((value_vnd + duty) * vat.rate / HUNDRED)
    return replace(
        facts, rate_vnd=rate_vnd, value_vnd=value_vnd, duty_rate=rate, vat_rate=vat.rate,
        preference_granted=granted, note=note, duty_vnd=duty, vat_vnd=vat_vnd,
    )  # fmt: skip
