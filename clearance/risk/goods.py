"""What the reference data says of a declaration's goods: tax rates, reference prices, harm.

The rates are the tariff's as `clearance.duties.compute` reads them: the rate a line of its
origin pays without a preference (MFN or standard), the rate with the preference it claims,
and VAT, so a misdeclaration's stake is the duty and VAT it would evade. The import tariff is
the one loaded: exports and transit carry no duty or VAT here (exports are zero-rated, and the
export duty schedule is not part of the reference data). Harm weights
(`data/harm_weights.csv`) give prohibited, restricted and quarantine goods a worth in USD,
since finding them recovers no duty.
"""

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from clearance.duties.compute import base_rate, duty_rate
from clearance.reference.seed import shipped_reference
from clearance.reference.service import PriceBand, ReferenceData, Restriction
from clearance.risk.bands import ReferenceBands
from clearance.risk.history import HistoryLine, HistoryRecord
from clearance.risk.rules import other_headings, unlicensed

HARM_CSV = Path(__file__).resolve().parent / "data" / "harm_weights.csv"
HUNDRED = 100.0
# Papers of a line's procedures that mark quarantine or protected goods (harm_weights.csv).
HARM_PAPERS = frozenset({"quarantine", "phytosanitary", "cites_permit"})


def load_harm_weights(path: Path = HARM_CSV) -> dict[str, float]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["kind"]: float(row["usd"]) for row in csv.DictReader(handle)}


@dataclass(frozen=True, slots=True)
class Terms:
    """One line's terms: tax rates as fractions (NaN when unknown), reference band, harm."""

    duty: float  # without a preference: MFN for an origin with MFN treatment, else standard
    claimed: float  # with the preference the line claims (the duty when none, or refused)
    vat: float
    band: PriceBand | None
    restrictions: tuple[Restriction, ...]
    harm: float  # USD: the heaviest harm weight of the line's restrictions and procedures

    @property
    def tax(self) -> float:
        """Duty and VAT per USD of value, when no preference applies."""
        duty = 0.0 if math.isnan(self.duty) else self.duty
        vat = 0.0 if math.isnan(self.vat) else self.vat
        return duty + vat * (1 + duty)


@dataclass(frozen=True, slots=True)
class GoodsFacts:
    """The goods against the reference data: words, licences, reference prices, tariff."""

    mismatched_lines: int  # lines whose description names another heading, not their own
    unlicensed: int  # restrictions on the lines that no document held lifts
    reference_ratio: float  # log(unit value / reference p10) of the line furthest below
    duty: float  # the main line's duty rate without a preference
    vat: float
    assessed_usd: float  # the declared value, raised to the bands' median where it is below
    tax_usd: float  # duty and VAT on the assessed value, as if no preference applied
    preference_usd: float  # duty the claimed preferences spare
    harm_usd: float  # the heaviest harm weight of the lines


@dataclass(frozen=True, slots=True)
class _Claim:
    origin: str
    preference: str | None


def _percent(value: Decimal | None) -> float:
    return math.nan if value is None else float(value) / HUNDRED


class GoodsTable:
    """Terms per (HS code, origin, preference, regime), read once from the reference data."""

    def __init__(self, reference: ReferenceData, harm: Mapping[str, float] | None = None) -> None:
        self.reference = reference
        self.harm = dict(load_harm_weights() if harm is None else harm)
        self._terms: dict[tuple[str, str, str | None, str], Terms] = {}

    @property
    def keywords(self) -> Mapping[str, frozenset[str]]:
        return self.reference.hs_keywords

    def terms(self, line: HistoryLine, kind: str) -> Terms:
        key = (line.hs_code, line.origin, line.preference, kind)
        found = self._terms.get(key)
        if found is None:
            found = self._terms[key] = self._read(key)
        return found

    def _read(self, key: tuple[str, str, str | None, str]) -> Terms:
        hs_code, origin, preference, kind = key
        reference = self.reference
        restrictions = tuple(reference.restrictions_for(hs_code, kind))
        harm = max(
            [self.harm.get(r.kind, 0.0) for r in restrictions]
            + [
                self.harm.get(paper.document_kind, 0.0)
                for paper, _ in reference.papers_for(hs_code, kind)
                if paper.document_kind in HARM_PAPERS
            ],
            default=0.0,
        )
        band = reference.price_band(hs_code, origin)
        tariff = reference.tariff_line(hs_code)
        if kind != "import" or tariff is None:
            taxed = 0.0 if kind != "import" else math.nan
            return Terms(taxed, taxed, taxed, band, restrictions, harm)
        duty, _ = base_rate(_Claim(origin, None), tariff, reference)
        claimed, _, _ = duty_rate(_Claim(origin, preference), tariff, reference, None)
        vat = reference.vat_on(hs_code, reference.today)
        return Terms(
            _percent(duty),
            _percent(claimed),
            _percent(vat.rate if vat else None),
            band,
            restrictions,
            harm,
        )


def describe_goods(
    record: HistoryRecord, values: list[float], table: GoodsTable, learned: ReferenceBands
) -> GoodsFacts:
    """The goods' facts; `values` are the lines' USD values (NaN for an unknown currency)."""
    held = {document.kind for document in record.documents}
    kind = record.kind.value
    mismatched = restricted = 0
    lowest, assessed, tax, spared, harm = math.nan, 0.0, 0.0, 0.0, 0.0
    for line, value in zip(record.lines, values, strict=True):
        terms = table.terms(line, kind)
        mismatched += bool(other_headings(line.hs_code, line.description, table.keywords))
        restricted += len(unlicensed(terms.restrictions, held))
        harm = max(harm, terms.harm)
        if not value > 0:
            continue
        basis = float(line.net_kg if line.unit == "kg" else line.quantity)
        medians = [float(terms.band.median)] if terms.band else []
        if (band := learned.band(line.hs_code, line.origin, line.unit)) is not None:
            medians.append(band.median)
        if terms.band is not None:
            ratio = math.log(value / basis / float(terms.band.p10))
            lowest = ratio if math.isnan(lowest) else min(lowest, ratio)
        fair = max([value] + [median * basis for median in medians])
        assessed += fair
        tax += fair * terms.tax
        if line.preference and terms.duty > terms.claimed:
            spared += value * (terms.duty - terms.claimed)
    largest = max(range(len(values)), key=lambda i: values[i] if values[i] > 0 else 0.0)
    main = table.terms(record.lines[largest], kind)
    return GoodsFacts(
        mismatched, restricted, lowest, main.duty, main.vat, assessed, tax, spared, harm
    )


@cache
def shipped_goods() -> GoodsTable:
    """The table over the shipped reference data (training and backtests, without a database)."""
    return GoodsTable(shipped_reference())
