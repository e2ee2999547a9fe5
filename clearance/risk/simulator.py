"""Simulated Ma Lù Thàng traffic with planted fraud and known outcomes, for demos and tests.

Traders (each with a line of trade and a propensity to cheat) lodge declarations built from the
demo's catalogue and reference data. Every record is inspected, so every record is labelled; a
planted pattern leaves what its rule reads (a unit value under the band, a heading that does not
match the description, Form E on a non-ACFTA origin, ...) and honest traffic leaves none of it.
After `drift_at` of the span, most cheaters are replaced by new traders, new goods appear and
the fraud mix shifts, so a model trained on the early part meets a world it has not seen.

Exports leave Vietnam (origin VN) and imports come from China (origin CN); the counterparty
is always the Chinese partner, so "origin != departure" is an import-side signal only. The
weighbridge weight is not part of the history schema: `simulate_with_truth` returns it beside
each record.
"""

import argparse
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from clearance.demo import (
    CATALOGUE,
    CN_ADDRESSES,
    DEFAULT_KG_PER_UNIT,
    DISCRETE_UNITS,
    FORM_E_ISSUERS,
    GATE,
    INCOTERMS,
    PHYTO_ISSUERS_CN,
    VN_PROVINCE_TAX_PREFIXES,
    Goods,
    _Cargo,
    _codes,
    _document,
    _kg,
    _load_truck,
    _money,
    _needed_licences,
    _prohibited,
    _truck,
    _unit,
    _unit_value_usd,
    cn_company,
    reference,
    vn_company,
)
from clearance.demo import DOCUMENT_ISSUERS as LICENCE_ISSUERS
from clearance.demo import _cargo as _line_cargo
from clearance.reference.calendar import VIETNAM
from clearance.reference.seed import reference_from_files, shipped_areas
from clearance.risk.history import Finding, FindingCode, HistoryRecord, Outcome, write_jsonl
from clearance.risk.rules import RULES


@cache
def _heading_words() -> dict[str, frozenset[str]]:
    """The words per HS heading that the description rule (R-HS-DESCRIPTION) reads."""
    return reference_from_files().hs_keywords


class Pattern(StrEnum):
    undervaluation = "undervaluation"
    misclassification = "misclassification"
    origin = "origin"
    split_shipment = "split_shipment"
    certificate_reuse = "certificate_reuse"
    weight = "weight"
    prohibited = "prohibited"
    restricted_no_certificate = "restricted_no_certificate"


# The finding an officer records for each pattern. History has no code for a split consignment;
# "quantity" (the declared quantity is part of a larger one) is the nearest.
FINDING_CODES: dict[Pattern, FindingCode] = {
    Pattern.undervaluation: "undervaluation",
    Pattern.misclassification: "misclassification",
    Pattern.origin: "origin",
    Pattern.split_shipment: "quantity",
    Pattern.certificate_reuse: "document",
    Pattern.weight: "weight",
    Pattern.prohibited: "prohibited",
    Pattern.restricted_no_certificate: "document",
}
# Relative weight of each pattern when a cheater cheats, before and after the drift.
MIX_BEFORE = {"undervaluation": 30, "misclassification": 12, "origin": 6, "split_shipment": 2,
              "certificate_reuse": 9, "weight": 14, "prohibited": 3,
              "restricted_no_certificate": 12}  # fmt: skip
MIX_AFTER = {"undervaluation": 8, "misclassification": 16, "origin": 30, "split_shipment": 2,
             "certificate_reuse": 10, "weight": 18, "prohibited": 3,
             "restricted_no_certificate": 8}  # fmt: skip

# Revenue: a flat 10% stands in for duty and VAT; misclassification moves the line to a heading
# about 5 points cheaper; a denied Form E preference costs the ACFTA margin, about 8 points.
DUTY_RATE = Decimal("0.10")
HEADING_DUTY_GAP = Decimal("0.05")
FORM_E_MARGIN = Decimal("0.08")
# The split-shipment rule's own threshold and "just under" share: honest declarations stay out of
# the zone it watches, [near_share, 1) x the threshold.
_SPLIT_RULE = RULES["R-SPLIT-SHIPMENT"].defaults
SPLIT_THRESHOLD_USD = Decimal(str(_SPLIT_RULE["threshold_usd"]))
SPLIT_FLOOR = Decimal(str(_SPLIT_RULE["near_share"]))
SPLIT_WINDOW = timedelta(days=4)
HONEST_WEIGHT_SPREAD = 0.015  # weighbridge vs declared gross, honest trucks
HIDDEN_WEIGHT = (1.07, 1.30)  # weighbridge / declared gross when goods are left undeclared
ACFTA = shipped_areas()["ACFTA_FORM_E"]
NON_ACFTA_ORIGINS = ("JP", "KR", "TW", "IN", "DE", "US")
OTHER_ACFTA_ORIGINS = ("TH", "MY", "LA", "KH", "ID")
FRAUD_RATE = 0.10  # planted declarations per declaration, before split clusters multiply
CHEATER_SHARE = 0.18
CHEATER_FLOOR = 0.1  # honest traders slip at most 2% of the time; cheaters cheat far more
NEW_CHEATER_SHARE = 0.35  # of traders who turn up later: fly-by-night firms are common
REPLACED_CHEATERS = 0.75  # of cheaters known before the drift, gone after it
HONEST_CHURN = 0.08
BROKERS = 12
BRANDS = ("Hưng Thịnh", "Phát Đạt", "An Khang", "Minh Long", "Thành Công", "Tân Phát",
          "Hoàng Gia", "Kim Long", "Việt Tiến", "Phúc An", "Trường Thịnh", "Đại Dương")  # fmt: skip

# Goods that only cross after the drift.
NEW_GOODS = (
    Goods("banana", "export", "fruit", ("0803",), ("Chuối tiêu hồng tươi", "Chuối già tươi"),
          ("thùng carton 13 kg", 13), (0.08, 0.14), (10_000, 25_000), (0.25, 0.7), 6),
    Goods("rice", "export", "rice", ("100630",), ("Gạo nếp Tú Lệ", "Gạo tẻ trắng hạt dài"),
          ("bao PP 50 kg", 50), (0.005, 0.02), (15_000, 30_000), (0.45, 0.8), 5),
    Goods("apples", "import", "produce", ("0808",), ("Táo Phú Sĩ tươi", "Táo đỏ Chiêu Thông"),
          ("thùng carton 18 kg", 18), (0.08, 0.14), (10_000, 25_000), (0.5, 1.5), 5),
    Goods("mandarins", "import", "produce", ("0805",), ("Quýt đường tươi", "Cam tươi Vân Nam"),
          ("thùng carton 15 kg", 15), (0.08, 0.14), (10_000, 25_000), (0.4, 1.2), 4),
    Goods("garlic", "import", "produce", ("070320",), ("Tỏi củ khô", "Tỏi tươi nguyên củ"),
          ("bao lưới 10 kg", 10), (0.01, 0.03), (10_000, 25_000), (0.6, 1.4), 3),
    Goods("smartphones", "import", "electronics", ("851713",),
          ("Điện thoại di động thông minh", "Điện thoại thông minh màn hình 6,5 inch"),
          ("thùng carton 20 kg", 20), (0.1, 0.2), (2_000, 4_000), (150.0, 400.0), 4,
          kg_per_unit=(0.35, 0.6)),
)  # fmt: skip

# Headings a misclassifying trader moves each heading to: cheaper goods, other words.
DECOYS = {
    "0902": ("09061900", "09101100"), "0908": ("09061900", "09101100"),
    "0909": ("09061900", "09101100"), "0810": ("08039090", "08071100", "07141011"),
    "0804": ("08039090", "08071100"), "0714": ("07019090", "08039090"),
    "1108": ("07141011", "10063099"), "4001": ("39011099",), "3102": ("31052000", "31031190"),
    "3105": ("31021000", "31031190"), "8429": ("73089099", "87012190", "31052000"),
    "7213": ("26011110", "72142031"), "7214": ("26011110", "72139190"),
    "8544": ("39011099", "73089099"), "5208": ("60041010",), "5209": ("60041010",),
    "6004": ("52083200",), "6006": ("52083200",), "6907": ("70052990", "73089099"),
    "0803": ("07141011",), "1006": ("07141011", "11081400"), "0808": ("07019090", "07031019"),
    "0805": ("07019090", "07031019"), "0703": ("07019090",), "8517": ("85444949", "85015239"),
}  # fmt: skip


@dataclass(frozen=True)
class SimulatedDeclaration:
    """A record with what the simulator knows and history does not carry."""

    record: HistoryRecord
    pattern: Pattern | None
    weighbridge_kg: Decimal


@dataclass(eq=False)
class _Trader:
    tax_code: str
    name: str
    kind: str
    family: str
    activity: float
    propensity: float
    favourites: tuple[Pattern, ...]
    partners: tuple[tuple[str, str], ...]
    declarant: tuple[str, str]
    joined_at: datetime
    left_at: datetime


@dataclass(frozen=True)
class _Plan:
    at: datetime
    trader: _Trader
    pattern: Pattern | None
    cluster: int | None = None


@dataclass
class _Draft:
    """A declaration being built: cargo, priced lines, and what planting changed."""

    kind: str
    origin: str
    rate: Decimal  # invoice currency per USD
    cargo: list[_Cargo]
    lines: list[dict[str, Any]]
    true_usd: list[Decimal]
    form_e: bool
    drop_phyto: bool = False
    reused: dict[str, dict[str, Any]] = field(default_factory=dict)
    weighbridge_factor: float = 1.0

    def usd(self, index: int) -> Decimal:
        return Decimal(self.lines[index]["customs_value"]) / self.rate

    def total_usd(self) -> Decimal:
        return sum((self.usd(i) for i in range(len(self.lines))), Decimal(0))

    def set_usd(self, index: int, usd: Decimal) -> None:
        self.lines[index]["customs_value"] = max(_money(usd * self.rate), Decimal("0.01"))


@dataclass(frozen=True)
class _Planted:
    findings: list[Finding]
    revenue_usd: Decimal = Decimal(0)


@cache
def _family_goods() -> dict[tuple[str, str], tuple[Goods, ...]]:
    """The goods of each (kind, line of trade), new goods included."""
    families: dict[tuple[str, str], list[Goods]] = {}
    for goods in (*CATALOGUE, *NEW_GOODS):
        origin = "VN" if goods.kind == "export" else "CN"
        if _codes(goods, origin):
            families.setdefault((goods.kind, goods.family), []).append(goods)
    return {key: tuple(goods) for key, goods in families.items()}


@cache
def _phyto_restricted(code: str, kind: str) -> bool:
    """Whether the restriction table asks this line for a phytosanitary certificate."""
    return any(
        r.kind == "restricted" and r.licence == "phytosanitary" and code.startswith(r.hs_prefix)
        for r in reference().restrictions
        if r.regime in {"any", kind}
    )


@cache
def _prohibited_for(code: str, kind: str) -> bool:
    return any(
        r.kind == "prohibited" and code.startswith(r.hs_prefix) and r.regime in {"any", kind}
        for r in reference().restrictions
    )


@cache
def _available(kind: str, family: str, after_drift: bool) -> tuple[Goods, ...]:
    """The goods of a line of trade that cross the gate before or after the drift."""
    goods = _family_goods()[(kind, family)]
    return tuple(g for g in goods if after_drift or not any(g is new for new in NEW_GOODS))


@cache
def _kg_codes(goods: Goods, origin: str) -> tuple[str, ...]:
    """The goods' tariff lines counted in kilograms, the ones a value target can be met with."""
    return tuple(c for c in _codes(goods, origin) if _unit(reference().tariff[c]) == "kg")


@cache
def _feasible(kind: str, family: str) -> tuple[Pattern, ...]:
    """The patterns a trader in this line of trade can plant."""
    goods = _family_goods()[(kind, family)]
    origin = "VN" if kind == "export" else "CN"
    codes = [c for g in goods for c in _codes(g, origin)]
    plants = any(_phyto_restricted(c, kind) for c in codes)
    allowed = {
        Pattern.undervaluation: any(reference().band(c, origin) for c in codes),
        Pattern.misclassification: any(c[:4] in DECOYS for c in codes),
        Pattern.origin: kind == "import",
        Pattern.split_shipment: any(_kg_codes(g, origin) for g in goods),
        Pattern.certificate_reuse: kind == "import" or plants,
        Pattern.weight: True,
        Pattern.prohibited: kind == "import",
        Pattern.restricted_no_certificate: plants,
    }
    return tuple(p for p, ok in allowed.items() if ok)


def _basis(cargo: _Cargo) -> Decimal:
    """What the reference band prices: kilograms net, or the quantity in its own unit."""
    return cargo.net_kg if cargo.unit == "kg" else cargo.quantity


def _requantify(rng: random.Random, cargo: _Cargo, unit: str) -> Decimal:
    """The quantity of this cargo counted in another unit, as a misclassifier would declare it."""
    if unit == "kg":
        return cargo.net_kg
    low, high = DEFAULT_KG_PER_UNIT[unit]
    count = float(cargo.net_kg) / rng.uniform(low, high)
    return _kg(max(1, round(count)) if unit in DISCRETE_UNITS else max(1.0, round(count, 1)))


class _Simulation:
    """One run: its random stream, population and the numbers it has issued."""

    def __init__(self, seed: int, start: datetime, days: int, drift_at: float | None) -> None:
        self.rng = random.Random(seed)
        self.start = start if start.tzinfo else start.replace(tzinfo=UTC)
        self.end = self.start + timedelta(days=days)
        span = self.end - self.start
        self.drift = self.start + span * drift_at if drift_at is not None else None
        self.issued: set[str] = set()
        self.names: set[str] = set()
        self.certificates: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
        self.clusters: dict[int, tuple[Goods, str]] = {}
        self.brokers = [self._company("transit") for _ in range(BROKERS)]

    def _d(self, n: int) -> str:
        return f"{self.rng.randrange(10**n):0{n}d}"

    def _unique(self, make: Callable[[], str]) -> str:
        while (value := make()) in self.issued:
            pass
        self.issued.add(value)
        return value

    def _after_drift(self, at: datetime) -> bool:
        return self.drift is not None and at >= self.drift

    # --- the population -----------------------------------------------------------------------

    def _company(self, family: str) -> tuple[str, str]:
        tax_code = self._unique(lambda: self.rng.choice(VN_PROVINCE_TAX_PREFIXES) + self._d(8))
        name = vn_company(self.rng, family)[1]
        while name in self.names:  # two firms of one name would fool the name-matching rules
            name = f"{vn_company(self.rng, family)[1]} {self.rng.choice(BRANDS)}"
        self.names.add(name)
        return tax_code, name

    def _trader(self, key: tuple[str, str], joined: datetime, cheater: bool) -> _Trader:
        rng = self.rng
        kind, family = key
        feasible = _feasible(kind, family)
        favourites = tuple(rng.sample(feasible, k=min(len(feasible), rng.choice((1, 2)))))
        tax_code, name = self._company(family)
        partners = tuple(
            (cn_company(rng, family), rng.choice(CN_ADDRESSES)) for _ in range(rng.randint(1, 3))
        )
        declarant = (tax_code, name) if rng.random() < 0.6 else rng.choice(self.brokers)
        propensity = rng.uniform(CHEATER_FLOOR, 0.7) if cheater else rng.uniform(0.0, 0.02)
        return _Trader(
            tax_code, name, kind, family, rng.lognormvariate(0, 1.0), propensity, favourites,
            partners, declarant, joined, self.end,
        )  # fmt: skip

    def population(self, size: int) -> list[_Trader]:
        """Traders at the start, newcomers over the span, and who replaces whom at the drift."""
        rng = self.rng
        families = _family_goods()
        new_goods = set(NEW_GOODS)
        old = [k for k, goods in families.items() if not set(goods) <= new_goods]
        new = [k for k, goods in families.items() if set(goods) <= new_goods]
        weights = [sum(g.weight for g in families[k]) for k in old]
        traders = [
            self._trader(rng.choices(old, weights)[0], self.start, rng.random() < CHEATER_SHARE)
            for _ in range(size)
        ]
        first_era = (self.drift or self.end) - self.start
        for _ in range(size // 10):  # newcomers, who cheat more often than established firms
            joined = self.start + first_era * rng.random()
            key = rng.choices(old, weights)[0]
            traders.append(self._trader(key, joined, rng.random() < NEW_CHEATER_SHARE))
        if self.drift is None:
            return self._calibrate(traders)
        later: list[_Trader] = []
        for trader in traders:
            cheater = trader.propensity >= CHEATER_FLOOR
            if trader.joined_at < self.drift and rng.random() < (
                REPLACED_CHEATERS if cheater else HONEST_CHURN
            ):
                # Flagged firms close and their owners come back under a new tax code.
                trader.left_at = self.drift
                joined = self.drift + timedelta(days=rng.uniform(0, 20))
                later.append(self._trader((trader.kind, trader.family), joined, cheater))
        for _ in range(max(2, size // 12)):
            joined = self.drift + timedelta(days=rng.uniform(0, 30))
            later.append(self._trader(rng.choice(new), joined, rng.random() < NEW_CHEATER_SHARE))
        return self._calibrate(traders + later)

    def _calibrate(self, traders: list[_Trader]) -> list[_Trader]:
        """Scale cheaters' propensities so a few busy cheaters do not swing the fraud rate."""
        span = (self.end - self.start).total_seconds()

        def traffic(trader: _Trader) -> float:
            return trader.activity * (trader.left_at - trader.joined_at).total_seconds() / span

        cheaters = [t for t in traders if t.propensity >= CHEATER_FLOOR]
        honest = sum(traffic(t) * t.propensity for t in traders if t not in cheaters)
        cheating = sum(traffic(t) * t.propensity for t in cheaters)
        wanted = FRAUD_RATE * sum(traffic(t) for t in traders) - honest
        scale = wanted / cheating if cheating > 0 else 1.0
        for trader in cheaters:
            trader.propensity = min(max(trader.propensity * scale, 0.15), 0.95)
        return traders

    # --- when, who and what -------------------------------------------------------------------

    def _gate_time(self, low: datetime, high: datetime) -> datetime:
        """A moment in [low, high) while the gate is open (06:00-19:00 Vietnam time)."""
        span = (high - low).total_seconds()
        for _ in range(100):
            at = low + timedelta(seconds=int(self.rng.random() * span))
            if 6 <= at.astimezone(VIETNAM).hour < 19:
                return at
        return low

    def _pattern(self, trader: _Trader, at: datetime) -> Pattern | None:
        if self.rng.random() >= trader.propensity:
            return None
        mix = MIX_AFTER if self._after_drift(at) else MIX_BEFORE
        feasible = _feasible(trader.kind, trader.family)
        weights = [mix[p] * (4 if p in trader.favourites else 1) for p in feasible]
        return self.rng.choices(feasible, weights=weights)[0]

    def plans(self, count: int, traders: list[_Trader]) -> list[_Plan]:
        """Who lodges when, and what each one plants, in lodgement order."""
        rng = self.rng
        cumulative, total = [], 0.0
        for trader in traders:
            total += trader.activity
            cumulative.append(total)
        plans: list[_Plan] = []
        while len(plans) < count:
            at = self._gate_time(self.start, self.end)
            trader = rng.choices(traders, cum_weights=cumulative)[0]
            if not trader.joined_at <= at < trader.left_at:
                continue
            pattern = self._pattern(trader, at)
            size = min(rng.randint(3, 4), count - len(plans))
            if pattern is Pattern.split_shipment and size >= 2:
                cluster = len(plans)
                end = min(at + SPLIT_WINDOW, self.end)
                times = [at] + [self._gate_time(at, end) for _ in range(size - 1)]
                plans += [_Plan(t, trader, pattern, cluster) for t in times]
            elif pattern is not Pattern.split_shipment:
                plans.append(_Plan(at, trader, pattern))
        plans.sort(key=lambda plan: plan.at)
        return plans

    def _cargo(
        self, trader: _Trader, at: datetime, origin: str, require: Callable[[str], bool] | None
    ) -> list[_Cargo]:
        """A truckload of the trader's goods; its first line passes `require` where it can."""
        rng = self.rng
        goods = _available(trader.kind, trader.family, self._after_drift(at))
        mains = [g for g in goods if require and any(require(c) for c in _codes(g, origin))]
        main = rng.choices(mains or goods, weights=[g.weight for g in mains or goods])[0]
        codes = [c for c in _codes(main, origin) if require is None or require(c)]
        picked: list[tuple[str, Goods | None]] = [(rng.choice(codes or _codes(main, origin)), main)]
        for _ in range(rng.choices((1, 2, 3, 4), weights=(50, 28, 14, 8))[0] - 1):
            other = rng.choice(goods)
            options = [c for c in _codes(other, origin) if c not in {p[0] for p in picked}]
            if options:
                picked.append((rng.choice(options), other))
        return _load_truck(rng, picked, main.truck_kg)

    def _split_cargo(self, plan: _Plan, origin: str) -> tuple[_Cargo, Decimal] | None:
        """One line of the cluster's goods and its value in USD, just under the threshold."""
        rng = self.rng
        assert plan.cluster is not None
        if plan.cluster not in self.clusters:
            available = _available(plan.trader.kind, plan.trader.family, self._after_drift(plan.at))
            options = [g for g in available if _kg_codes(g, origin)]
            if not options:
                return None
            chosen = rng.choices(options, weights=[g.weight for g in options])[0]
            self.clusters[plan.cluster] = (chosen, rng.choice(_kg_codes(chosen, origin)))
        goods, code = self.clusters[plan.cluster]
        band = reference().band(code, origin)
        low, high = (band.p10 * Decimal("1.03"), band.p90 * Decimal("0.98")) if band else (
            Decimal(str(goods.usd_per_kg[0])), Decimal(str(goods.usd_per_kg[1])))  # fmt: skip
        for _ in range(20):
            target = _money(SPLIT_THRESHOLD_USD * Decimal(str(rng.uniform(0.86, 0.995))))
            guess = Decimal(str(rng.uniform(float(low), float(high))))
            cargo = _line_cargo(rng, code, goods, float(target / guess) * 1.02)
            if low <= target / cargo.net_kg <= high:
                return cargo, target
        return None

    # --- planting -----------------------------------------------------------------------------

    def _undervalue(self, d: _Draft, trader: _Trader) -> _Planted | None:
        findings: list[Finding] = []
        revenue = Decimal(0)
        for i, cargo in enumerate(d.cargo):
            band = reference().band(cargo.code, d.origin)
            if band is None or (findings and self.rng.random() >= 0.3):
                continue
            unit_value = _unit_value_usd(self.rng, band, cargo, honest=False)
            d.set_usd(i, unit_value * _basis(cargo))
            revenue += (d.true_usd[i] - d.usd(i)) * DUTY_RATE
            findings.append(Finding(code="undervaluation", line=i + 1, detail=(
                f"declared {unit_value:.2f} USD/{cargo.unit}, worth {d.true_usd[i]:.2f} USD in "
                f"all; the band starts at {band.p10} USD/{cargo.unit}")))  # fmt: skip
        return _Planted(findings, revenue) if findings else None

    def _misclassify(self, d: _Draft, trader: _Trader) -> _Planted | None:
        ref = reference()
        for i, cargo in enumerate(d.cargo):
            decoys = DECOYS.get(cargo.code[:4], ())
            text = unicodedata.normalize("NFC", cargo.description).casefold()
            for decoy in self.rng.sample(decoys, k=len(decoys)):
                if decoy not in ref.tariff or _prohibited_for(decoy, d.kind):
                    continue
                # The description rule reads the heading's words: one the goods' own words
                # belong to too (fertiliser under another fertiliser heading) hides nothing.
                if any(word in text for word in _heading_words().get(decoy[:4], ())):
                    continue
                unit = _unit(ref.tariff[decoy])
                quantity = (
                    cargo.quantity if unit == cargo.unit else _requantify(self.rng, cargo, unit)
                )
                band = ref.band(decoy, d.origin)
                per = cargo.net_kg if unit == "kg" else quantity
                # A decoy priced above these goods would add an undervaluation hit to this one.
                if band is not None and d.usd(i) / per < band.p10 * Decimal("1.03"):
                    continue
                d.lines[i].update(hs_code=decoy, unit=unit, quantity=quantity)
                detail = f"{cargo.description} is HS {cargo.code}, declared as {decoy}"
                finding = Finding(code="misclassification", line=i + 1, detail=detail)
                return _Planted([finding], d.true_usd[i] * HEADING_DUTY_GAP)
        return None

    def _false_origin(self, d: _Draft, trader: _Trader) -> _Planted | None:
        if d.kind != "import":
            return None
        pool = NON_ACFTA_ORIGINS if self.rng.random() < 0.6 else OTHER_ACFTA_ORIGINS
        origin = self.rng.choice(pool)
        d.form_e = True
        for line in d.lines:
            line["origin"] = origin
        why = "not an ACFTA country" if origin not in ACFTA else "not the country of departure CN"
        findings = [
            Finding(code="origin", line=i + 1, detail=f"Form E claimed on origin {origin}, {why}")
            for i in range(len(d.lines))
        ]
        return _Planted(findings, sum(d.true_usd, Decimal(0)) * FORM_E_MARGIN)

    def _reuse_certificate(self, d: _Draft, trader: _Trader) -> _Planted | None:
        kind = "co_form_e" if d.kind == "import" else "phytosanitary"
        codes = [c.code for c in d.cargo]
        pool = self.certificates.get(kind, [])
        if not pool or (kind == "phytosanitary" and kind not in _needed_licences(d.kind, codes)):
            return None
        own = [c for c in pool[-500:] if c[0] == trader.tax_code]
        _, ucr, document = self.rng.choice(own if own and self.rng.random() < 0.6 else pool[-300:])
        d.reused[kind] = document
        d.form_e = d.form_e or kind == "co_form_e"
        detail = f"{kind} {document['number']} was already presented with {ucr}"
        revenue = sum(d.true_usd, Decimal(0)) * FORM_E_MARGIN if kind == "co_form_e" else 0
        return _Planted([Finding(code="document", detail=detail)], Decimal(revenue))

    def _hide_weight(self, d: _Draft, trader: _Trader) -> _Planted:
        gross = sum((c.gross_kg for c in d.cargo), Decimal(0))
        d.weighbridge_factor = self.rng.uniform(*HIDDEN_WEIGHT)
        hidden = gross * Decimal(str(d.weighbridge_factor - 1))
        per_kg = sum(d.true_usd, Decimal(0)) / sum((c.net_kg for c in d.cargo), Decimal(0))
        detail = f"about {hidden:.0f} kg more on the weighbridge than the {gross} kg declared"
        return _Planted([Finding(code="weight", detail=detail)], hidden * per_kg * DUTY_RATE)

    def _smuggle(self, d: _Draft, trader: _Trader) -> _Planted | None:
        code = d.cargo[0].code
        detail = f"HS {code} is prohibited for {d.kind}"
        return _Planted([Finding(code="prohibited", line=1, detail=detail)])

    def _without_certificate(self, d: _Draft, trader: _Trader) -> _Planted | None:
        for i, cargo in enumerate(d.cargo):
            if _phyto_restricted(cargo.code, d.kind):
                d.drop_phyto = True
                detail = f"HS {cargo.code} needs a phytosanitary certificate; none was presented"
                return _Planted([Finding(code="document", line=i + 1, detail=detail)])
        return None

    def _split(self, d: _Draft, trader: _Trader) -> _Planted | None:
        detail = (f"one of several {d.cargo[0].code} declarations within "
                  f"{SPLIT_WINDOW.days} days, each under {SPLIT_THRESHOLD_USD} USD")  # fmt: skip
        return _Planted([Finding(code="quantity", line=1, detail=detail)])

    # --- rendering ----------------------------------------------------------------------------

    def render(self, plan: _Plan) -> SimulatedDeclaration:
        for _ in range(50):
            rendered = self._attempt(plan, plan.pattern)
            if rendered is not None:
                return rendered
        rendered = self._attempt(plan, None, anywhere=True)
        assert rendered is not None
        return rendered

    def _draft(self, plan: _Plan, pattern: Pattern | None) -> _Draft | None:
        """The truckload, priced honestly; planting changes it afterwards."""
        rng = self.rng
        kind = "import" if pattern is Pattern.prohibited else plan.trader.kind
        origin = "VN" if kind == "export" else "CN"
        prices: list[Decimal] = []
        if pattern is Pattern.split_shipment:
            split = self._split_cargo(plan, origin)
            if split is None:
                return None
            cargo, prices = [split[0]], [split[1]]
        elif pattern is Pattern.prohibited:
            cargo = _load_truck(rng, [(rng.choice(_prohibited())[0], None)], (3_000, 15_000))
        else:
            wanted = pattern is Pattern.restricted_no_certificate
            require = (lambda code: _phyto_restricted(code, kind)) if wanted else None
            cargo = self._cargo(plan.trader, plan.at, origin, require)
        currency = "CNY" if rng.random() < 0.4 else "USD"
        rate = reference().cny_per_usd if currency == "CNY" else Decimal(1)
        incoterm = rng.choice(INCOTERMS)
        d = _Draft(kind, origin, rate, cargo, [], [], kind == "import" and rng.random() < 0.5)
        for i, c in enumerate(cargo):
            band = reference().band(c.code, origin)
            usd = prices[i] if prices else _unit_value_usd(rng, band, c, True) * _basis(c)
            d.lines.append({
                "hs_code": c.code, "description": c.description, "origin": origin,
                "quantity": c.quantity, "unit": c.unit, "gross_kg": c.gross_kg,
                "net_kg": c.net_kg, "currency": currency, "incoterm": incoterm,
            })  # fmt: skip
            d.set_usd(i, usd)
            d.true_usd.append(d.usd(i))
        return d

    def _attempt(
        self, plan: _Plan, pattern: Pattern | None, anywhere: bool = False
    ) -> SimulatedDeclaration | None:
        """One try at the declaration; None if it fell where only split shipments may fall."""
        d = self._draft(plan, pattern)
        if d is None:
            return None
        planted = self.PLANTERS[pattern](self, d, plan.trader) if pattern else _Planted([])
        if pattern is not None and planted is None:
            # This load gives the pattern nothing to hold on to: hide weight instead.
            pattern, planted = Pattern.weight, self._hide_weight(d, plan.trader)
        assert planted is not None
        total = d.total_usd()
        if (
            not anywhere
            and pattern is not Pattern.split_shipment
            and (SPLIT_FLOOR * SPLIT_THRESHOLD_USD <= total < SPLIT_THRESHOLD_USD)
        ):
            return None
        return self._finish(plan, pattern, d, planted)

    def _finish(
        self, plan: _Plan, pattern: Pattern | None, d: _Draft, planted: _Planted
    ) -> SimulatedDeclaration:
        rng = self.rng
        trader = plan.trader
        local = plan.at.astimezone(VIETNAM)
        ucr = self._unique(lambda: f"MLT-{local:%Y%m%d}-{self._d(6)}")
        partner = rng.choice(trader.partners)
        declarant = trader.declarant if rng.random() < 0.9 else rng.choice(self.brokers)
        if d.form_e:
            for line in d.lines:
                line["preference"] = "ACFTA_FORM_E"
        documents = self._documents(d, trader, partner[0], local.date(), ucr)
        gross = sum((c.gross_kg for c in d.cargo), Decimal(0))
        factor = d.weighbridge_factor
        if pattern is not Pattern.weight:
            factor = 1 + rng.uniform(-HONEST_WEIGHT_SPREAD, HONEST_WEIGHT_SPREAD)
        outcome = Outcome(
            inspected=True,
            fraud_found=pattern is not None,
            revenue_recovered=_money(planted.revenue_usd),
            revenue_currency="USD",
            findings=planted.findings,
            decided_at=plan.at + timedelta(hours=rng.uniform(1, 48)),
        )
        record = HistoryRecord.model_validate({
            "ucr": ucr, "kind": d.kind, "gate": GATE,
            "declarant": {"tax_code": declarant[0], "name": declarant[1]},
            "trader": {"tax_code": trader.tax_code, "name": trader.name},
            "counterparty": {"name": partner[0], "country": "CN", "address": partner[1]},
            "truck": _truck(rng, d.kind, local), "lines": d.lines, "documents": documents,
            "lodged_at": plan.at, "outcome": outcome,
        })  # fmt: skip
        weighbridge = Decimal(round(float(gross) * factor))
        return SimulatedDeclaration(record, pattern, weighbridge)

    def _documents(
        self, d: _Draft, trader: _Trader, partner: str, today: date, ucr: str
    ) -> list[dict[str, Any]]:
        """The dossier the declaration references, as the demo's traders send it."""
        rng = self.rng
        seller, buyer = (trader.name, partner) if d.kind == "export" else (partner, trader.name)
        currency, incoterm = d.lines[0]["currency"], d.lines[0]["incoterm"]
        total = sum((line["customs_value"] for line in d.lines), Decimal(0))
        invoiced = today - timedelta(days=rng.randint(0, 5))
        stamp = f"{today:%y%m%d}"
        documents = [
            _document("invoice", self._unique(lambda: f"INV-{stamp}-{self._d(5)}"), seller,
                      invoiced, total=float(total), currency=currency, incoterm=incoterm,
                      buyer=buyer, lines=len(d.lines)),
            _document("packing_list", self._unique(lambda: f"PL-{stamp}-{self._d(5)}"), seller,
                      invoiced, gross_kg=float(sum(c.gross_kg for c in d.cargo)),
                      net_kg=float(sum(c.net_kg for c in d.cargo)),
                      packages=sum(c.packages for c in d.cargo)),
            _document("contract", f"{rng.randint(1, 999):03d}/{today:%Y}/HĐMB", trader.name,
                      today - timedelta(days=rng.randint(10, 120)), seller=seller, buyer=buyer,
                      currency=currency),
        ]  # fmt: skip
        fresh: list[dict[str, Any]] = []
        if d.form_e and "co_form_e" not in d.reused:
            fresh.append(_document(
                "co_form_e", self._unique(lambda: f"E{today:%y}53{self._d(10)}"),
                rng.choice(FORM_E_ISSUERS), today - timedelta(days=rng.randint(0, 7)),
                exporting_country="CN", importing_country="VN", origin=d.lines[0]["origin"],
                origin_criterion=rng.choice(("WO", "RVC 40%", "CTH"))))  # fmt: skip
        for kind in sorted(_needed_licences(d.kind, [line["hs_code"] for line in d.lines])):
            if kind in d.reused or (kind == "phytosanitary" and d.drop_phyto):
                continue
            issuers = LICENCE_ISSUERS[kind]
            if kind == "phytosanitary" and d.origin == "CN":
                issuers = PHYTO_ISSUERS_CN
            number = self._unique(lambda: f"{kind[:2].upper()}-{stamp}-{self._d(5)}")  # noqa: B023
            fresh.append(_document(
                kind, number, rng.choice(issuers), today - timedelta(days=rng.randint(0, 2)),
                origin=d.origin, destination="VN" if d.kind == "import" else "CN"))  # fmt: skip
        for document in fresh:
            if document["kind"] in {"co_form_e", "phytosanitary"}:
                pool = self.certificates.setdefault(document["kind"], [])
                pool.append((trader.tax_code, ucr, document))
        return documents + fresh + list(d.reused.values())

    PLANTERS: dict[Pattern, Callable[["_Simulation", _Draft, _Trader], _Planted | None]] = {
        Pattern.undervaluation: _undervalue,
        Pattern.misclassification: _misclassify,
        Pattern.origin: _false_origin,
        Pattern.split_shipment: _split,
        Pattern.certificate_reuse: _reuse_certificate,
        Pattern.weight: _hide_weight,
        Pattern.prohibited: _smuggle,
        Pattern.restricted_no_certificate: _without_certificate,
    }


def _population_size(count: int) -> int:
    return max(20, min(400, count // 60))


def simulate_with_truth(
    *, seed: int, count: int, start: datetime, days: int, drift_at: float | None = 0.6
) -> list[SimulatedDeclaration]:
    """Labelled declarations in lodgement order, each with its planted pattern and true weight."""
    if count < 0 or days < 1:
        raise ValueError("count must be >= 0 and days >= 1")
    if drift_at is not None and not 0 < drift_at < 1:
        raise ValueError("drift_at must lie strictly between 0 and 1, or be None")
    simulation = _Simulation(seed, start, days, drift_at)
    traders = simulation.population(_population_size(count))
    return [simulation.render(plan) for plan in simulation.plans(count, traders)]


def simulate(
    *, seed: int, count: int, start: datetime, days: int, drift_at: float | None = 0.6
) -> list[HistoryRecord]:
    """Labelled declarations in lodgement order (the history-import schema)."""
    truth = simulate_with_truth(seed=seed, count=count, start=start, days=days, drift_at=drift_at)
    return [simulated.record for simulated in truth]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m clearance.risk.simulator",
        description="Write simulated Ma Lù Thàng declarations with planted fraud as JSON Lines.",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--start", type=datetime.fromisoformat, default=datetime(2025, 1, 1))
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument(
        "--drift-at", type=lambda s: None if s == "none" else float(s), default=0.6,
        help="fraction of the span after which the population drifts, or 'none'",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    records = simulate(
        seed=args.seed, count=args.count, start=args.start, days=args.days, drift_at=args.drift_at
    )
    written = write_jsonl(records, args.out)
    frauds = sum(1 for r in records if r.outcome and r.outcome.fraud_found)
    print(f"wrote {written} declarations ({frauds} with fraud) to {args.out}")


if __name__ == "__main__":
    main()
