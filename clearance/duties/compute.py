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
from typing import Any, Protocol

from clearance.declarations.schemas import Line
from clearance.messages import Message
from clearance.reference import notation
from clearance.reference.service import ReferenceData
from clearance.reference.tariff_files import EditionLine

HUNDRED = Decimal(100)
NO_RATE = Message("cell.empty")


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
    # Why the preference was (not) granted, or why the rate is unknown; an old row's text.
    note: Message | str = ""
    duty_vnd: int | None = None
    vat_vnd: int | None = None

    def figures(self) -> dict[str, Any]:
        """The line's facts and amounts by name: its stored row and the API's line both use them."""
        return {name: getattr(self, name) for name in FIGURES}

    @property
    def rate_known(self) -> bool:
        return self.duty_vnd is not None and self.vat_vnd is not None

    @property
    def total_vnd(self) -> int | None:
        if self.duty_vnd is None or self.vat_vnd is None:
            return None
        return self.duty_vnd + self.vat_vnd


FIGURES = (
    "line_no",
    "hs_code",
    "customs_value",
    "currency",
    "rate_vnd",
    "value_vnd",
    "duty_rate",
    "vat_rate",
    "preference_claimed",
    "preference_granted",
    "duty_vnd",
    "vat_vnd",
    "total_vnd",
)


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
) -> tuple[Decimal | None, Message]:
    """MFN for an origin with MFN treatment, the standard rate otherwise; None: not computable."""
    mfn_cell = notation.parse(tariff.rates.get("mfn", ""))
    mfn = _cell_rate(mfn_cell, line.origin, None)
    if line.origin in reference.mfn_countries:
        if mfn is not None:
            return mfn, Message("duty.mfn")
        return mfn, Message("duty.mfn_none", {"why": mfn_cell.rate_for("")[1] or NO_RATE})
    standard = _cell_rate(notation.parse(tariff.rates.get("standard", "")), line.origin, mfn)
    return standard, Message("duty.standard", {"origin": line.origin})


def duty_rate(
    line: Claim, tariff: EditionLine, reference: ReferenceData, refusal: Message | None
) -> tuple[Decimal | None, bool, Message]:
    """The rate that applies, whether it is a preference, and why (not)."""
    base, why_base = base_rate(line, tariff, reference)
    if line.preference is None:
        return base, False, why_base
    schedule = reference.schedule_for(line.preference, line.origin)
    if schedule is None:
        why_not = Message("duty.not_party", {"origin": line.origin})
        return base, False, _refused(line.preference, why_not, why_base)
    cell = notation.parse(tariff.rates.get(schedule.column, ""))
    preferential, why = cell.rate_for(line.origin)
    if refusal is not None or preferential is None:
        return base, False, _refused(schedule.agreement, refusal or why or NO_RATE, why_base)
    if base is not None and base < preferential:
        lower = Message("duty.lower_base", {"base": why_base, "agreement": schedule.agreement})
        return base, False, lower
    if why is None:
        return preferential, True, Message("duty.fta", {"agreement": schedule.agreement})
    return (
        preferential,
        True,
        Message("duty.fta_note", {"agreement": schedule.agreement, "why": why}),
    )


def _refused(agreement: str, why: Message, base: Message) -> Message:
    return Message("duty.refused", {"agreement": agreement, "why": why, "base": base})


def line_duty(
    *,
    line_no: int,
    line: Line,
    day: date,
    reference: ReferenceData,
    rate_vnd: Decimal | None,
    refusal: Message | None = None,
) -> LineDuty:
    """One line's duty and VAT at the rates in force on `day`."""
    facts = LineDuty(line_no, line.hs_code, line.customs_value, line.currency, line.preference)
    tariff = reference.tariff_line(line.hs_code, day)
    vat = reference.vat_on(line.hs_code, day)
    if tariff is None or vat is None:
        unlined = Message("duty.not_a_line", {"hs_code": line.hs_code, "on": day.isoformat()})
        return replace(facts, note=unlined)
    if rate_vnd is None:
        unrated = Message(
            "duty.no_exchange_rate", {"currency": line.currency, "on": day.isoformat()}
        )
        return replace(facts, note=unrated)
    rate, granted, note = duty_rate(line, tariff, reference, refusal)
    if rate is None:
        return replace(facts, rate_vnd=rate_vnd, note=Message("duty.rate_unknown", {"why": note}))
    value_vnd = to_vnd(line.customs_value * rate_vnd)
    duty = to_vnd(value_vnd * rate / HUNDRED)
    vat_vnd = to_vnd((value_vnd + duty) * vat.rate / HUNDRED)
    return replace(
        facts,
        rate_vnd=rate_vnd,
        value_vnd=value_vnd,
        duty_rate=rate,
        vat_rate=vat.rate,
        preference_granted=granted,
        note=note,
        duty_vnd=duty,
        vat_vnd=vat_vnd,
    )
