"""The goods that cross at Ma Lù Thàng, as data, and the reference data they are priced against.

`data/goods.csv` keeps only what the tariff does not: which lines the gate trades, in which
direction, the trade names on the papers, packing, truck loads and typical prices. Descriptions,
rates, procedures, price bands and exchange rates come from the service's own reference loader.
"""

import csv
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from clearance.reference.seed import shipped_reference
from clearance.reference.service import PriceBand, ReferenceData, Restriction

GOODS_FILE = Path(__file__).parent / "data" / "goods.csv"
LATER = "later"  # goods that only start to cross after the simulator's drift


@dataclass(frozen=True)
class Goods:
    """A kind of cargo that crosses at Ma Lù Thàng, and how a truck of it looks."""

    label: str
    kind: str
    family: str
    codes: tuple[str, ...]
    name_zh: str
    trade_names: tuple[str, ...]
    unit: str
    package: tuple[str, float]
    packing: tuple[float, float]
    truck_kg: tuple[int, int]
    usd_per_kg: tuple[float, float]
    weight: float
    decoys: tuple[str, ...] = ()
    kg_per_unit: tuple[float, float] | None = None
    later: bool = False

    @property
    def headings(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(code[:4] for code in self.codes))


def _pair(row: dict[str, str], name: str) -> tuple[float, float] | None:
    low, high = row[f"{name}_min"], row[f"{name}_max"]
    return (float(low), float(high)) if low and high else None


def _goods(row: dict[str, str]) -> Goods:
    truck = _pair(row, "truck_kg")
    assert truck is not None, row["label"]
    return Goods(
        label=row["label"],
        kind=row["direction"],
        family=row["family"],
        codes=tuple(row["codes"].split()),
        name_zh=row["name_zh"],
        trade_names=tuple(row["trade_names"].split("|")),
        unit=row["unit"],
        package=(row["package"], float(row["package_kg"])),
        packing=_pair(row, "packing") or (0.02, 0.06),
        truck_kg=(int(truck[0]), int(truck[1])),
        usd_per_kg=_pair(row, "usd_per_kg") or (0.5, 3.0),
        weight=float(row["weight"]),
        decoys=tuple(row["decoys"].split()),
        kg_per_unit=_pair(row, "kg_per_unit"),
        later=row["era"] == LATER,
    )


@cache
def all_goods() -> tuple[Goods, ...]:
    """Every row of the catalogue, the goods that cross only later included."""
    with GOODS_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(_goods(row) for row in csv.DictReader(handle))


def catalogue() -> tuple[Goods, ...]:
    """The goods crossing today (the demo's traffic, the simulator's first era)."""
    return tuple(goods for goods in all_goods() if not goods.later)


def reference() -> ReferenceData:
    """The service's reference data as shipped, in force today; read once per process."""
    return shipped_reference()


def rate_per_usd(currency: str) -> Decimal:
    """Units of the currency one US dollar buys, at the reference exchange rates."""
    rates = reference().rates_vnd
    return rates["USD"] / rates[currency]


def description_words(heading: str) -> frozenset[str]:
    """The words the description rule (R-HS-DESCRIPTION) reads for an HS heading."""
    return reference().hs_keywords.get(heading, frozenset())


def band(code: str, origin: str) -> PriceBand | None:
    """The reference band the undervaluation rule compares this line with."""
    return reference().price_band(code, origin)


@cache
def restrictions(code: str, kind: str) -> tuple[Restriction, ...]:
    """The prohibitions and restrictions on a line in a regime."""
    return tuple(reference().restrictions_for(code, kind))


def needs_phytosanitary(code: str, kind: str) -> bool:
    """Whether the restriction table asks this line for a phytosanitary certificate."""
    return any(
        r.kind == "restricted" and r.licence == "phytosanitary" for r in restrictions(code, kind)
    )


def prohibited_for(code: str, kind: str) -> bool:
    return any(r.kind == "prohibited" for r in restrictions(code, kind))


@cache
def unit_of(code: str) -> str:
    """The unit a trader declares a line in: the catalogue's, else kilograms."""
    return next((goods.unit for goods in all_goods() if code in goods.codes), "kg")


@cache
def codes(goods: Goods, origin: str) -> tuple[str, ...]:
    """The goods' declarable lines, only those with a reference band if there are any."""
    lines = [code for code in goods.codes if reference().known_hs_code(code)]
    banded = [code for code in lines if band(code, origin) is not None]
    return tuple(banded or lines)


def origin_of(kind: str) -> str:
    """Exports leave Vietnam; imports and transit come from China."""
    return "VN" if kind == "export" else "CN"


def of_kind(kind: str) -> list[Goods]:
    """The goods crossing today in one direction that have a declarable line."""
    return [g for g in catalogue() if g.kind == kind and codes(g, origin_of(kind))]


def goods_of(code: str) -> Goods | None:
    return next((goods for goods in all_goods() if code in goods.codes), None)


def goods_label(hs_code: str) -> str:
    """A short English name of what a line carries, for logs."""
    goods = goods_of(hs_code)
    if goods is not None:
        return goods.label
    line = reference().tariff_line(hs_code)
    if line is None:
        return hs_code
    name = line.description_en.strip(" -").split(";")[0].split(",")[0]
    return name.strip().lower()[:40] or hs_code


@cache
def prohibited_lines() -> tuple[tuple[str, str], ...]:
    """(HS code, regime) of prohibited lines, the ones a smuggler tries at this gate first."""
    nomenclature, today = reference().nomenclature, reference().today
    found = [
        (code, r.regime)
        for r in reference().restrictions
        if r.kind == "prohibited"
        for code, _line in nomenclature.under(r.hs_prefix, today)
    ]
    preferred = [f for f in found if f[0].startswith(("6309", "3604"))]
    return tuple(preferred or found)
