"""Who trades at the simulated gate, how often each cheats, and when each lodges."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from clearance.reference.calendar import VIETNAM
from clearance.synthetic import parties
from clearance.synthetic.catalogue import (
    Goods,
    all_goods,
    band,
    codes,
    needs_phytosanitary,
    origin_of,
    unit_of,
)
from clearance.synthetic.fraud import MIX_AFTER, MIX_BEFORE, SPLIT_WINDOW, Pattern

FRAUD_RATE = 0.10  # planted declarations per declaration, before split clusters multiply
CHEATER_SHARE = 0.18
CHEATER_FLOOR = 0.1  # honest traders slip at most 2% of the time; cheaters cheat far more
NEW_CHEATER_SHARE = 0.35  # of traders who turn up later: fly-by-night firms are common
REPLACED_CHEATERS = 0.75  # of cheaters known before the drift, gone after it
HONEST_CHURN = 0.08
BROKERS = 12
GATE_HOURS = (6, 19)  # Vietnam time
BRANDS = (
    "Hưng Thịnh",
    "Phát Đạt",
    "An Khang",
    "Minh Long",
    "Thành Công",
    "Tân Phát",
    "Hoàng Gia",
    "Kim Long",
    "Việt Tiến",
    "Phúc An",
    "Trường Thịnh",
    "Đại Dương",
)


@dataclass(eq=False)
class Trader:
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
class Plan:
    at: datetime
    trader: Trader
    pattern: Pattern | None
    cluster: int | None = None


@cache
def family_goods() -> dict[tuple[str, str], tuple[Goods, ...]]:
    """The goods of each (kind, line of trade), the goods that cross later included."""
    families: dict[tuple[str, str], list[Goods]] = {}
    for goods in all_goods():
        if codes(goods, origin_of(goods.kind)):
            families.setdefault((goods.kind, goods.family), []).append(goods)
    return {key: tuple(goods) for key, goods in families.items()}


@cache
def available(kind: str, family: str, after_drift: bool) -> tuple[Goods, ...]:
    """The goods of a line of trade that cross the gate before or after the drift."""
    return tuple(g for g in family_goods()[(kind, family)] if after_drift or not g.later)


@cache
def kg_codes(goods: Goods, origin: str) -> tuple[str, ...]:
    """The goods' tariff lines counted in kilograms, the ones a value target can be met with."""
    return tuple(c for c in codes(goods, origin) if unit_of(c) == "kg")


@cache
def feasible(kind: str, family: str) -> tuple[Pattern, ...]:
    """The patterns a trader in this line of trade can plant."""
    goods = family_goods()[(kind, family)]
    origin = origin_of(kind)
    lines = [c for g in goods for c in codes(g, origin)]
    plants = any(needs_phytosanitary(c, kind) for c in lines)
    allowed = {
        Pattern.undervaluation: any(band(c, origin) for c in lines),
        Pattern.misclassification: any(g.decoys for g in goods),
        Pattern.origin: kind == "import",
        Pattern.split_shipment: any(kg_codes(g, origin) for g in goods),
        Pattern.certificate_reuse: kind == "import" or plants,
        Pattern.weight: True,
        Pattern.prohibited: kind == "import",
        Pattern.restricted_no_certificate: plants,
    }
    return tuple(p for p, ok in allowed.items() if ok)


class Population:
    """The run's traders: who is there at the start, who joins, who is replaced at the drift."""

    def __init__(self, rng: random.Random, start: datetime, days: int, drift_at: float | None):
        self.rng = rng
        self.start = start if start.tzinfo else start.replace(tzinfo=UTC)
        self.end = self.start + timedelta(days=days)
        span = self.end - self.start
        self.drift = self.start + span * drift_at if drift_at is not None else None
        self.issued: set[str] = set()
        self.names: set[str] = set()
        self.brokers = [self.company("transit") for _ in range(BROKERS)]

    def number(self, n: int) -> str:
        return f"{self.rng.randrange(10**n):0{n}d}"

    def unique(self, make: Callable[[], str]) -> str:
        while (value := make()) in self.issued:
            pass
        self.issued.add(value)
        return value

    def after_drift(self, at: datetime) -> bool:
        return self.drift is not None and at >= self.drift

    def company(self, family: str) -> tuple[str, str]:
        rng = self.rng
        tax_code = self.unique(
            lambda: rng.choice(parties.VN_PROVINCE_TAX_PREFIXES) + self.number(8)
        )
        name = parties.vn_company(rng, family)[1]
        while name in self.names:  # two firms of one name would fool the name-matching rules
            name = f"{parties.vn_company(rng, family)[1]} {rng.choice(BRANDS)}"
        self.names.add(name)
        return tax_code, name

    def trader(self, key: tuple[str, str], joined: datetime, cheater: bool) -> Trader:
        rng = self.rng
        kind, family = key
        options = feasible(kind, family)
        favourites = tuple(rng.sample(options, k=min(len(options), rng.choice((1, 2)))))
        tax_code, name = self.company(family)
        partners = tuple(
            (parties.cn_company(rng, family), rng.choice(parties.CN_ADDRESSES))
            for _ in range(rng.randint(1, 3))
        )
        declarant = (tax_code, name) if rng.random() < 0.6 else rng.choice(self.brokers)
        propensity = rng.uniform(CHEATER_FLOOR, 0.7) if cheater else rng.uniform(0.0, 0.02)
        return Trader(
            tax_code,
            name,
            kind,
            family,
            rng.lognormvariate(0, 1.0),
            propensity,
            favourites,
            partners,
            declarant,
            joined,
            self.end,
        )

    def traders(self, size: int) -> list[Trader]:
        """Traders at the start, newcomers over the span, and who replaces whom at the drift."""
        rng = self.rng
        families = family_goods()
        old = [k for k, goods in families.items() if not all(g.later for g in goods)]
        weights = [sum(g.weight for g in families[k]) for k in old]
        found = [
            self.trader(rng.choices(old, weights)[0], self.start, rng.random() < CHEATER_SHARE)
            for _ in range(size)
        ]
        first_era = (self.drift or self.end) - self.start
        for _ in range(size // 10):  # newcomers, who cheat more often than established firms
            joined = self.start + first_era * rng.random()
            key = rng.choices(old, weights)[0]
            found.append(self.trader(key, joined, rng.random() < NEW_CHEATER_SHARE))
        return calibrate(found + self._replacements(found, size), self.start, self.end)

    def _replacements(self, traders: list[Trader], size: int) -> list[Trader]:
        """Flagged firms close at the drift and their owners come back under a new tax code."""
        if self.drift is None:
            return []
        rng, drift = self.rng, self.drift
        new = [k for k, goods in family_goods().items() if all(g.later for g in goods)]
        later: list[Trader] = []
        for trader in traders:
            cheater = trader.propensity >= CHEATER_FLOOR
            churn = REPLACED_CHEATERS if cheater else HONEST_CHURN
            if trader.joined_at < drift and rng.random() < churn:
                trader.left_at = drift
                joined = drift + timedelta(days=rng.uniform(0, 20))
                later.append(self.trader((trader.kind, trader.family), joined, cheater))
        for _ in range(max(2, size // 12)):
            joined = drift + timedelta(days=rng.uniform(0, 30))
            later.append(self.trader(rng.choice(new), joined, rng.random() < NEW_CHEATER_SHARE))
        return later

    def gate_time(self, low: datetime, high: datetime) -> datetime:
        """A moment in [low, high) while the gate is open."""
        span = (high - low).total_seconds()
        for _ in range(100):
            at = low + timedelta(seconds=int(self.rng.random() * span))
            if GATE_HOURS[0] <= at.astimezone(VIETNAM).hour < GATE_HOURS[1]:
                return at
        return low

    def pattern(self, trader: Trader, at: datetime) -> Pattern | None:
        if self.rng.random() >= trader.propensity:
            return None
        mix = MIX_AFTER if self.after_drift(at) else MIX_BEFORE
        options = feasible(trader.kind, trader.family)
        weights = [mix[p] * (4 if p in trader.favourites else 1) for p in options]
        return self.rng.choices(options, weights=weights)[0]

    def plans(self, count: int, traders: list[Trader]) -> list[Plan]:
        """Who lodges when, and what each one plants, in lodgement order."""
        rng = self.rng
        cumulative, total = [], 0.0
        for trader in traders:
            total += trader.activity
            cumulative.append(total)
        plans: list[Plan] = []
        while len(plans) < count:
            at = self.gate_time(self.start, self.end)
            trader = rng.choices(traders, cum_weights=cumulative)[0]
            if not trader.joined_at <= at < trader.left_at:
                continue
            pattern = self.pattern(trader, at)
            size = min(rng.randint(3, 4), count - len(plans))
            if pattern is Pattern.split_shipment and size >= 2:
                end = min(at + SPLIT_WINDOW, self.end)
                times = [at] + [self.gate_time(at, end) for _ in range(size - 1)]
                plans += [Plan(t, trader, pattern, len(plans)) for t in times]
            elif pattern is not Pattern.split_shipment:
                plans.append(Plan(at, trader, pattern))
        plans.sort(key=lambda plan: plan.at)
        return plans


def calibrate(traders: list[Trader], start: datetime, end: datetime) -> list[Trader]:
    """Scale cheaters' propensities so a few busy cheaters do not swing the fraud rate."""
    span = (end - start).total_seconds()

    def traffic(trader: Trader) -> float:
        return trader.activity * (trader.left_at - trader.joined_at).total_seconds() / span

    cheaters = [t for t in traders if t.propensity >= CHEATER_FLOOR]
    honest = sum(traffic(t) * t.propensity for t in traders if t not in cheaters)
    cheating = sum(traffic(t) * t.propensity for t in cheaters)
    wanted = FRAUD_RATE * sum(traffic(t) for t in traders) - honest
    scale = wanted / cheating if cheating > 0 else 1.0
    for trader in cheaters:
        trader.propensity = min(max(trader.propensity * scale, 0.15), 0.95)
    return traders
