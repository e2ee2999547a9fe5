"""The arithmetic of one line's duty and VAT, in Decimal, rounded to whole đồng.

customs value in VND = value x the day's rate; duty = value VND x duty rate;
VAT = (value VND + duty) x VAT rate; each amount rounded half up to the đồng. The value is taken
as declared: adjusting it for the incoterm (freight, insurance to the border) is out of scope.
"""

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from clearance.declarations.schemas import Line
from clearance.duties.models import TariffRate

FORM_E = "ACFTA_FORM_E"
# ASEAN members and China: the only origins ACFTA preference can be given to.
ACFTA_PARTIES = frozenset({"BN", "CN", "ID", "KH", "LA", "MM", "MY", "PH", "SG", "TH", "VN"})
HUNDRED = Decimal(100)


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


def tariff_line(hs_code: str, rates: dict[str, TariffRate]) -> TariffRate | None:
    """The tariff line of a declared code: its first 8 digits, or the one line a 6-digit code
    can only mean; a 6-digit code covering several lines has no single rate."""
    if len(hs_code) >= 8:
        return rates.get(hs_code[:8])
    under = [row for code, row in rates.items() if code.startswith(hs_code)]
    return under[0] if len(under) == 1 else None


def duty_rate(
    line: Line, tariff: TariffRate, form_e_refusal: str | None
) -> tuple[Decimal, bool, str]:
    """The rate that applies, whether it is the ACFTA one, and why (not)."""
    if line.preference is None:
        return tariff.mfn_rate, False, ""
    if line.preference != FORM_E:
        return tariff.mfn_rate, False, f"{line.preference}: no such rates in the tariff; MFN rate"
    why_not = (
        f"no ACFTA rate for HS {tariff.hs_code}" if tariff.acfta_rate is None
        else f"origin {line.origin} is not an ACFTA party" if line.origin not in ACFTA_PARTIES
        else form_e_refusal
    )  # fmt: skip
    if why_not is not None or tariff.acfta_rate is None:
        return tariff.mfn_rate, False, f"Form E preference refused: {why_not}; MFN rate"
    return tariff.acfta_rate, True, "ACFTA rate: the C/O Form E checks found nothing"


def line_duty(
    *,
    line_no: int,
    line: Line,
    day: date,
    rates: dict[str, TariffRate],
    rate_vnd: Decimal | None,
    form_e_refusal: str | None = None,
) -> LineDuty:
    """One line's duty and VAT at the rates in force on `day`."""
    facts = LineDuty(line_no, line.hs_code, line.customs_value, line.currency, line.preference)
    tariff = tariff_line(line.hs_code, rates)
    if tariff is None:
        note = f"rate unknown: no tariff rate for HS {line.hs_code} on {day}"
        return replace(facts, note=note)
    if rate_vnd is None:
        note = f"rate unknown: no exchange rate for {line.currency} on {day}"
        return replace(facts, note=note)
    rate, granted, note = duty_rate(line, tariff, form_e_refusal)
    value_vnd = to_vnd(line.customs_value * rate_vnd)
    duty = to_vnd(value_vnd * rate / HUNDRED)
    vat = to_vnd((value_vnd + duty) * tariff.vat_rate / HUNDRED)
    return replace(
        facts, rate_vnd=rate_vnd, value_vnd=value_vnd, duty_rate=rate, vat_rate=tariff.vat_rate,
        preference_granted=granted, note=note, duty_vnd=duty, vat_vnd=vat,
    )  # fmt: skip
