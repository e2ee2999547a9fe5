"""The decrees' notation of a tariff cell, read into rates (data/vn-tariff/README.md).

A cell is one of: a rate (`5`, `16,4`); a rate with the parties it excludes (`0 (-CN, TH)`,
whose goods pay MFN); `*`, no preference; a second rate for one party (`59; M: 67,5`);
alternatives that the source schedule splits below the 8-digit line (`0/0/10`), of which the
highest applies until an officer decides; an in-quota rate with its out-of-quota one
(`60 (NHN: 120)`); the standard rate as a share of MFN (`150% thuế MFN`); a rate computed by
Chapter 98's rules (`Theo hướng dẫn ...`); `Q`, a preference only within a quota; or empty.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache

from clearance.messages import Message

# A party named by a letter in the CPTPP schedule: Vietnam's separate rates for Mexico.
PARTY_LETTERS = {"M": "MX"}
HUNDRED = Decimal(100)

_NUMBER = r"[0-9]+(?:[.,][0-9]+)?"
_OPTION = re.compile(
    rf"^(?:(?P<star>\*)|(?P<rate>{_NUMBER})\s*(?:\(-\s*(?P<excluded>[A-Z]{{2}}(?:\s*,\s*[A-Z]{{2}})*)\s*,?\s*\))?)"
    r"\s*(?:\(GIC\))?$"
)
_QUOTA = re.compile(rf"^(?P<rate>{_NUMBER})\s*\(NHN:\s*(?P<out>{_NUMBER})\)$")
_OF_MFN = re.compile(rf"^(?P<share>{_NUMBER})%\s*thuế MFN$")
_PARTY = re.compile(r"^(?P<main>.+?);\s*(?P<party>[A-Z]{1,2}):\s*(?P<other>.+)$")


class CellKind(StrEnum):
    rate = "rate"
    empty = "empty"
    chapter_98 = "chapter_98"  # computed by the rules of Chapter 98 (used cars)
    quota_only = "quota_only"  # `Q`: a preference only within the agreement's quota
    share_of_mfn = "share_of_mfn"  # `150% thuế MFN`


class MalformedCell(ValueError):
    """A cell no form of the notation reads."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.text)
        self.message = message


@dataclass(frozen=True)
class Option:
    """One rate of a cell: None for `*` (no preference), with the parties it leaves out."""

    percent: Decimal | None
    excluded: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Cell:
    text: str
    kind: CellKind
    options: tuple[Option, ...] = ()
    party_options: dict[str, tuple[Option, ...]] = field(default_factory=dict)
    out_of_quota: Decimal | None = None
    share_of_mfn: Decimal | None = None

    def rate_for(self, origin: str) -> tuple[Decimal | None, Message | None]:
        """The rate goods of `origin` get under this cell and a note on it, or None and why they
        get none."""
        if self.kind is not CellKind.rate:
            return None, Message(f"cell.{self.kind.value}")
        options = self.party_options.get(origin, self.options)
        if any(origin in option.excluded for option in options):
            return None, Message("cell.excluded", {"origin": origin})
        if any(option.percent is None for option in options):
            return None, Message("cell.star")
        highest = max(option.percent for option in options if option.percent is not None)
        several = len(options) > 1
        return highest, Message("cell.several", {"text": self.text}) if several else None


def _number(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation as error:  # the patterns admit only digits: kept for safety
        raise MalformedCell(Message("field.rate_not_number", {"text": text})) from error


def _options(text: str) -> tuple[Option, ...]:
    options = []
    for part in text.split("/"):
        match = _OPTION.match(part.strip())
        if match is None:
            why = Message("field.rate_cell", {"text": text, "part": part.strip()})
            raise MalformedCell(why)
        excluded = match["excluded"] or ""
        options.append(
            Option(
                None if match["star"] else _number(match["rate"]),
                frozenset(code.strip() for code in excluded.split(",") if code.strip()),
            )
        )
    return tuple(options)


@lru_cache(maxsize=4096)
def parse(text: str) -> Cell:
    """The cell's meaning; raises MalformedCell naming what it cannot read."""
    cell = text.strip()
    if not cell:
        return Cell(cell, CellKind.empty)
    if cell == "Q":
        return Cell(cell, CellKind.quota_only)
    if cell.startswith("Theo hướng dẫn"):
        return Cell(cell, CellKind.chapter_98)
    if match := _OF_MFN.match(cell):
        return Cell(cell, CellKind.share_of_mfn, share_of_mfn=_number(match["share"]) / HUNDRED)
    if match := _QUOTA.match(cell):
        return Cell(
            cell,
            CellKind.rate,
            (Option(_number(match["rate"])),),
            out_of_quota=_number(match["out"]),
        )
    if match := _PARTY.match(cell):
        party = PARTY_LETTERS.get(match["party"], match["party"])
        return Cell(
            cell,
            CellKind.rate,
            _options(match["main"]),
            party_options={party: _options(match["other"])},
        )
    return Cell(cell, CellKind.rate, _options(cell))
