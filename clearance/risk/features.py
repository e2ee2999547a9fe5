"""Lodgement-time features: smoothed risk profiles, trader activity and reference unit values.

Everything a declaration's features read was known when it was lodged. A history is replayed
in time order: a declaration is described from the state before it, then counted, and its
outcome joins the profiles only once decided (`decided_at`, or a day after lodgement when the
history does not say), so no label ever feeds its own features or an earlier declaration's.
"""

import csv
import heapq
import itertools
import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from clearance.declarations.models import Kind
from clearance.reference.seed import shipped_areas
from clearance.reference.service import PriceBand
from clearance.risk.history import HistoryLine, HistoryRecord

RATES_CSV = Path(__file__).resolve().parent.parent / "reference" / "data" / "exchange_rates.csv"
PRIOR_WEIGHT = 10.0  # a profile starts as this many inspections at the global fraud rate
OUTCOME_LAG = timedelta(days=1)  # when an outcome is known, if history lacks `decided_at`
WINDOW_DAYS = (7, 30)
BAND_MIN_N = 5  # fewer prices than this make no reference band
BAND_REFRESH = timedelta(days=30)  # during a replay, bands are rebuilt this often
ALL_ORIGINS = "*"
PROFILES = ("importer", "declarant", "hs6", "hs6_origin", "route")
KINDS = {kind.value: index for index, kind in enumerate(Kind)}
DAY_SECONDS = 86400.0
NAN = math.nan

Tally = list[int]  # [inspections, frauds found]


def load_rates(path: Path = RATES_CSV) -> dict[str, float]:
    """VND per unit of each currency, the newest row of each (exchange_rates.csv layout)."""
    newest: dict[str, tuple[str, float]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            currency, since = row["currency"], row["effective_from"]
            if currency not in newest or since >= newest[currency][0]:
                newest[currency] = (since, float(row["rate_vnd"]))
    return {currency: rate for currency, (_, rate) in newest.items()}


def usd_per(rates: Mapping[str, float], currency: str) -> float:
    """USD per unit of a currency; NaN when either rate is missing."""
    rate, usd = rates.get(currency), rates.get("USD")
    return rate / usd if rate and usd else NAN


@dataclass(frozen=True, slots=True)
class Band:
    """Robust unit values (USD per kg or per unit) of one HS6 x origin from history."""

    hs6: str
    origin: str  # ALL_ORIGINS when too few prices came from the declared origin
    unit: str
    p10: float
    median: float
    p90: float
    n: int

    def as_price_band(self) -> PriceBand:
        """The band in the reference data's decimal form, which the rules compute with."""
        p10, median, p90 = (Decimal(str(v)) for v in (self.p10, self.median, self.p90))
        return PriceBand(p10=p10, median=median, p90=p90, n=self.n)


class ReferenceBands:
    """p10 / median / p90 unit values per HS6 x origin (and per HS6 over all origins)."""

    def __init__(self, bands: Mapping[str, Band] | None = None) -> None:
        self._bands = dict(bands or {})

    def __len__(self) -> int:
        return len(self._bands)

    def band(self, hs_code: str, origin: str, unit: str = "kg") -> Band | None:
        """The band of HS6 x origin, else of the HS6 over all origins, else None."""
        exact = self._bands.get(f"{hs_code[:6]}|{origin}|{unit}")
        return exact or self._bands.get(f"{hs_code[:6]}|{ALL_ORIGINS}|{unit}")

    def updated(self, pool: Mapping[str, list[float]], keys: Iterable[str]) -> "ReferenceBands":
        bands = dict(self._bands)
        for key in keys:
            values = pool[key]
            if len(values) >= BAND_MIN_N:
                p10, median, p90 = np.quantile(values, [0.1, 0.5, 0.9]).tolist()
                hs6, origin, unit = key.split("|")
                bands[key] = Band(hs6, origin, unit, p10, median, p90, len(values))
        return ReferenceBands(bands)

    @classmethod
    def from_records(
        cls, records: Iterable[HistoryRecord], *, rates: Mapping[str, float]
    ) -> "ReferenceBands":
        """Bands from the declarations not found fraudulent, as the undervaluation rule reads."""
        pool: dict[str, list[float]] = {}
        for record in records:
            if not (record.outcome and record.outcome.fraud_found):
                for key, value in unit_prices(record, rates):
                    pool.setdefault(key, []).append(value)
        return cls().updated(pool, pool)

    def to_dict(self) -> dict[str, list[float]]:
        return {k: [b.p10, b.median, b.p90, b.n] for k, b in self._bands.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, list[float]]) -> "ReferenceBands":
        bands = {}
        for key, (p10, median, p90, n) in data.items():
            hs6, origin, unit = key.split("|")
            bands[key] = Band(hs6, origin, unit, p10, median, p90, int(n))
        return cls(bands)


def outside_area(line: HistoryLine) -> bool:
    """A preference claimed for an origin outside the area of its agreement."""
    area = shipped_areas().get(line.preference or "")
    return area is not None and line.origin not in area


def unit_prices(record: HistoryRecord, rates: Mapping[str, float]) -> list[tuple[str, float]]:
    """(band key, USD per kg or unit) of each line, under its origin and under all origins."""
    prices = []
    for line in record.lines:
        per = line.net_kg if line.unit == "kg" else line.quantity
        value = float(line.customs_value) * usd_per(rates, line.currency) / float(per)
        if math.isfinite(value) and value > 0:
            hs6 = line.hs_code[:6]
            prices.append((f"{hs6}|{line.origin}|{line.unit}", value))
            prices.append((f"{hs6}|{ALL_ORIGINS}|{line.unit}", value))
    return prices


@dataclass(frozen=True, slots=True)
class Activity:
    """Counts of a trader's earlier declarations (the declaration itself not included)."""

    importer_declarations: int
    importer_7d: int
    importer_30d: int
    importer_hs6_declarations: int
    declarant_declarations: int

    def __add__(self, other: "Activity") -> "Activity":
        return Activity(*(getattr(self, name) + getattr(other, name) for name in self.__slots__))


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known about one declaration at lodgement: features and the words for them."""

    prior: float
    importer: str
    importer_tally: tuple[int, int]
    activity: Activity
    declarant: str
    declarant_tally: tuple[int, int]
    hs6: str
    hs6_tally: tuple[int, int]
    hs6_origin: str
    hs6_origin_tally: tuple[int, int]
    route: str
    route_tally: tuple[int, int]
    unit_value: float  # USD per kg (or unit) of the line furthest below its reference
    unit: str
    band: Band | None
    value_usd: float
    net_kg: float
    lines: int
    preference: str | None
    preference_outside: str | None  # an origin outside the claimed preference area
    origin_departure: tuple[str, str] | None  # when they differ
    kind: str
    chapter: int
    documents: int
    gross_net_ratio: float

    def smoothed(self, tally: tuple[int, int], weight: float = PRIOR_WEIGHT) -> float:
        return (tally[1] + weight * self.prior) / (tally[0] + weight)

    @property
    def unit_value_log_ratio(self) -> float:
        if self.band is None or not self.unit_value > 0:
            return NAN
        return math.log(self.unit_value / self.band.median)

    def vector(self) -> list[float]:
        """The features, in the order of FEATURE_NAMES."""
        a = self.activity
        return [
            self.smoothed(self.importer_tally), self.importer_tally[0], a.importer_declarations,
            a.importer_7d, a.importer_30d, a.importer_hs6_declarations,
            self.smoothed(self.declarant_tally), self.declarant_tally[0],
            a.declarant_declarations,
            self.smoothed(self.hs6_tally), self.hs6_tally[0],
            self.smoothed(self.hs6_origin_tally), self.hs6_origin_tally[0],
            self.smoothed(self.route_tally), self.route_tally[0],
            self.unit_value_log_ratio, math.log(self.unit_value) if self.unit_value > 0 else NAN,
            math.log1p(self.value_usd), math.log1p(self.net_kg), self.lines,
            float(self.preference is not None), float(self.preference_outside is not None),
            float(self.origin_departure is not None), KINDS.get(self.kind, -1),
            self.chapter, self.documents, self.gross_net_ratio,
        ]  # fmt: skip


FEATURE_NAMES = (
    "importer_fraud_rate", "importer_inspections", "importer_declarations",
    "importer_7d", "importer_30d", "importer_hs6_declarations",
    "declarant_fraud_rate", "declarant_inspections", "declarant_declarations",
    "hs6_fraud_rate", "hs6_inspections", "hs6_origin_fraud_rate", "hs6_origin_inspections",
    "route_fraud_rate", "route_inspections",
    "unit_value_log_ratio", "log_unit_value_usd", "log_value_usd", "log_net_kg", "lines",
    "preference_claimed", "preference_origin_outside", "origin_differs", "kind",
    "hs_chapter", "documents", "gross_net_ratio",
)  # fmt: skip
CATEGORICAL = ("kind", "hs_chapter")


class FeatureState:
    """Profiles, activity and bands as of some moment; replays history in time order."""

    def __init__(self, *, rates: Mapping[str, float]) -> None:
        self.rates = dict(rates)
        self.tallies: dict[str, dict[str, Tally]] = {name: {} for name in PROFILES}
        self.total: Tally = [0, 0]
        self.counts: dict[str, dict[str, int]] = {"importer": {}, "declarant": {}, "pair": {}}
        self.recent: dict[str, list[float]] = {}  # importer -> lodgement times in the window
        self.bands = ReferenceBands()
        self.last_seen = -math.inf
        # Replay-only (not serialised): outcomes not yet decided, prices not yet in bands.
        self._pending: list[tuple[float, int, HistoryRecord]] = []
        self._pool: dict[str, list[float]] = {}
        self._dirty: set[str] = set()
        self._bands_at = -math.inf
        self._sequence = itertools.count()

    @property
    def prior(self) -> float:
        inspections, frauds = self.total
        return (frauds + 1.0) / (inspections + 2.0)

    def tally(self, profile: str, key: str) -> tuple[int, int]:
        found = self.tallies[profile].get(key)
        return (found[0], found[1]) if found else (0, 0)

    def activity(self, record: HistoryRecord, live: Activity | None = None) -> Activity:
        """The state's counts, plus `live` ones of declarations lodged after it (`last_seen`)."""
        importer, at = record.trader.tax_code, record.lodged_at.timestamp()
        times = self.recent.get(importer, [])
        counts = self.counts
        own = Activity(
            importer_declarations=counts["importer"].get(importer, 0),
            importer_7d=len(times) - bisect_left(times, at - WINDOW_DAYS[0] * DAY_SECONDS),
            importer_30d=len(times) - bisect_left(times, at - WINDOW_DAYS[1] * DAY_SECONDS),
            importer_hs6_declarations=min(
                counts["pair"].get(f"{importer}|{line.hs_code[:6]}", 0) for line in record.lines
            ),
            declarant_declarations=counts["declarant"].get(record.declarant.tax_code, 0),
        )
        return own if live is None else own + live

    def facts(self, record: HistoryRecord, live: Activity | None = None) -> Facts:
        """Features of a declaration from this state (which must not already contain it)."""
        prior, departure = self.prior, record.counterparty.country
        worst: dict[str, tuple[float, str, tuple[int, int]]] = {}
        for line in record.lines:
            hs6 = line.hs_code[:6]
            for profile, key in (
                ("hs6", hs6), ("hs6_origin", f"{hs6}|{line.origin}"),
                ("route", f"{hs6}|{line.origin}|{departure}"),
            ):  # fmt: skip
                t = self.tally(profile, key)
                rate = (t[1] + PRIOR_WEIGHT * prior) / (t[0] + PRIOR_WEIGHT)
                if profile not in worst or rate > worst[profile][0]:
                    worst[profile] = (rate, key, t)
        values = [float(ln.customs_value) * usd_per(self.rates, ln.currency) for ln in record.lines]
        unit_value, unit, band = self._focus_price(record, values)
        net = sum(float(line.net_kg) for line in record.lines)
        gross = [float(line.gross_kg) for line in record.lines if line.gross_kg is not None]
        origin = record.lines[0].origin
        return Facts(
            prior=prior,
            importer=record.trader.tax_code,
            importer_tally=self.tally("importer", record.trader.tax_code),
            activity=self.activity(record, live),
            declarant=record.declarant.tax_code,
            declarant_tally=self.tally("declarant", record.declarant.tax_code),
            hs6=worst["hs6"][1], hs6_tally=worst["hs6"][2],
            hs6_origin=worst["hs6_origin"][1], hs6_origin_tally=worst["hs6_origin"][2],
            route=worst["route"][1], route_tally=worst["route"][2],
            unit_value=unit_value, unit=unit, band=band,
            value_usd=sum(values), net_kg=net, lines=len(record.lines),
            preference=next((ln.preference for ln in record.lines if ln.preference), None),
            preference_outside=next((ln.origin for ln in record.lines if outside_area(ln)), None),
            origin_departure=(origin, departure) if origin != departure else None,
            kind=record.kind.value, chapter=int(record.lines[0].hs_code[:2]),
            documents=len(record.documents),
            gross_net_ratio=sum(gross) / net if len(gross) == len(record.lines) else NAN,
        )  # fmt: skip

    def _focus_price(
        self, record: HistoryRecord, values: list[float]
    ) -> tuple[float, str, Band | None]:
        """The unit value of the line furthest below its band (the largest line if none has one)."""
        focus: tuple[float, str, Band | None] = (NAN, "kg", None)
        lowest, largest = math.inf, -math.inf
        for line, value in zip(record.lines, values, strict=True):
            per_unit = value / float(line.net_kg if line.unit == "kg" else line.quantity)
            band = self.bands.band(line.hs_code, line.origin, line.unit)
            if band is not None and per_unit / band.median < lowest:
                focus, lowest = (per_unit, line.unit, band), per_unit / band.median
            elif focus[2] is None and value > largest:
                focus, largest = (per_unit, line.unit, None), value
        return focus

    def observe_lodgement(self, record: HistoryRecord) -> None:
        """Count a lodged declaration (known at once, unlike its outcome)."""
        importer, at = record.trader.tax_code, record.lodged_at.timestamp()
        counts = self.counts
        counts["importer"][importer] = counts["importer"].get(importer, 0) + 1
        declarant = record.declarant.tax_code
        counts["declarant"][declarant] = counts["declarant"].get(declarant, 0) + 1
        for pair in {f"{importer}|{line.hs_code[:6]}" for line in record.lines}:
            counts["pair"][pair] = counts["pair"].get(pair, 0) + 1
        times = self.recent.setdefault(importer, [])
        times.append(at)
        if times[0] < at - WINDOW_DAYS[-1] * DAY_SECONDS:
            del times[: bisect_left(times, at - WINDOW_DAYS[-1] * DAY_SECONDS)]
        self.last_seen = max(self.last_seen, at)

    def learn_outcome(self, record: HistoryRecord) -> None:
        """Add what inspection found to the profiles, and clean prices to the band pool."""
        outcome = record.outcome
        if outcome is not None and outcome.inspected:
            fraud = int(outcome.fraud_found)
            for profile, key in profile_keys(record):
                tally = self.tallies[profile].setdefault(key, [0, 0])
                tally[0] += 1
                tally[1] += fraud
            self.total[0] += 1
            self.total[1] += fraud
        if not (outcome and outcome.fraud_found):
            for key, price in unit_prices(record, self.rates):
                self._pool.setdefault(key, []).append(price)
                self._dirty.add(key)

    def replay(self, records: Iterable[HistoryRecord]) -> list[Facts]:
        """Facts of each record (sorted by lodgement) from the state before it, then absorb it."""
        described = []
        for record in records:
            at = record.lodged_at.timestamp()
            self.release_outcomes(until=at)
            if at - self._bands_at >= BAND_REFRESH.total_seconds():
                self.refresh_bands()
                self._bands_at = at
            described.append(self.facts(record))
            self.observe_lodgement(record)
            self.schedule_outcome(record)
        return described

    def schedule_outcome(self, record: HistoryRecord) -> None:
        decided = record.outcome.decided_at if record.outcome else None
        known = decided or record.lodged_at + OUTCOME_LAG
        heapq.heappush(self._pending, (known.timestamp(), next(self._sequence), record))

    def release_outcomes(self, *, until: float = math.inf) -> None:
        while self._pending and self._pending[0][0] <= until:
            self.learn_outcome(heapq.heappop(self._pending)[2])

    def refresh_bands(self) -> None:
        self.bands = self.bands.updated(self._pool, self._dirty)
        self._dirty.clear()

    def to_dict(self) -> dict[str, Any]:
        horizon = self.last_seen - WINDOW_DAYS[-1] * DAY_SECONDS
        return {
            "rates": self.rates,
            "tallies": self.tallies,
            "total": self.total,
            "counts": self.counts,
            "recent": {
                k: r for k, v in self.recent.items() if (r := [t for t in v if t >= horizon])
            },
            "bands": self.bands.to_dict(),
            "last_seen": self.last_seen if math.isfinite(self.last_seen) else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "FeatureState":
        state = cls(rates=data["rates"])
        state.tallies = {name: dict(data["tallies"][name]) for name in PROFILES}
        state.total = list(data["total"])
        state.counts = {name: dict(values) for name, values in data["counts"].items()}
        state.recent = {k: list(v) for k, v in data["recent"].items()}
        state.bands = ReferenceBands.from_dict(data["bands"])
        state.last_seen = data["last_seen"] if data["last_seen"] is not None else -math.inf
        return state


def profile_keys(record: HistoryRecord) -> set[tuple[str, str]]:
    """The profiles a declaration's outcome counts towards, each once."""
    departure = record.counterparty.country
    keys = {("importer", record.trader.tax_code), ("declarant", record.declarant.tax_code)}
    for line in record.lines:
        hs6 = line.hs_code[:6]
        keys |= {
            ("hs6", hs6),
            ("hs6_origin", f"{hs6}|{line.origin}"),
            ("route", f"{hs6}|{line.origin}|{departure}"),
        }
    return keys
