"""Lodgement-time features: smoothed risk profiles, trader activity, the goods against the
reference data, and what earlier lodgements left (certificates, near-threshold declarations).

Everything a declaration's features read was known when it was lodged. A history is replayed
in time order: a declaration is described from the state before it, then counted, and its
outcome joins the profiles only once decided (`decided_at`, or a day after lodgement when the
history does not say), so no label ever feeds its own features or an earlier declaration's.
The truck's weighing is part of the lodgement facts only when it came first; the re-scoring at
arrival reads it (`Facts.at_arrival`).
"""

import heapq
import itertools
import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from clearance.reference.service import ReferenceData
from clearance.risk.bands import (
    ALL_ORIGINS,
    BAND_MIN_N,
    Band,
    ReferenceBands,
    load_rates,
    rates_of,
    unit_prices,
    usd_per,
)
from clearance.risk.facts import (
    ARRIVAL_FEATURES,
    CATEGORICAL,
    FEATURE_NAMES,
    PRIOR_WEIGHT,
    Activity,
    Facts,
    WeighedFacts,
)
from clearance.risk.goods import GoodsTable, describe_goods, shipped_goods
from clearance.risk.history import HistoryLine, HistoryRecord
from clearance.risk.traces import Traces

__all__ = [
    "ALL_ORIGINS",
    "ARRIVAL_FEATURES",
    "BAND_MIN_N",
    "CATEGORICAL",
    "FEATURE_NAMES",
    "Activity",
    "Band",
    "Facts",
    "FeatureState",
    "ReferenceBands",
    "load_rates",
    "usd_per",
]

OUTCOME_LAG = timedelta(days=1)  # when an outcome is known, if history lacks `decided_at`
WINDOW_DAYS = (7, 30)
BAND_REFRESH = timedelta(days=30)  # during a replay, bands are rebuilt this often
PROFILES = ("importer", "declarant", "hs6", "hs6_origin", "route")
DAY_SECONDS = 86400.0
NAN = math.nan

Tally = list[int]  # [inspections, frauds found]


def outside_area(line: HistoryLine, reference: ReferenceData) -> bool:
    """A preference the gate grants, claimed for an origin its schedules do not cover."""
    preference = line.preference
    return (
        preference is not None
        and preference in reference.preferences()
        and reference.schedule_for(preference, line.origin) is None
    )


class FeatureState:
    """Profiles, activity and bands as of some moment; replays history in time order."""

    def __init__(
        self, *, rates: Mapping[str, float] | None = None, goods: GoodsTable | None = None
    ) -> None:
        # Without rates of their own: those of the goods' reference data, else the shipped ones.
        if rates is None:
            rates = load_rates() if goods is None else rates_of(goods.reference)
        self.rates = dict(rates)
        self._goods = goods  # the reference data's terms of goods; the shipped files if None
        self.traces = Traces()
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
    def goods(self) -> GoodsTable:
        if self._goods is None:
            self._goods = shipped_goods()
        return self._goods

    def use_goods(self, goods: GoodsTable) -> None:
        """Read the goods' terms and the exchange rates from this table's reference data (the
        service's, a supervisor's edits included) from now on."""
        self._goods = goods
        self.rates = rates_of(goods.reference)

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

    def _worst_profiles(self, record: HistoryRecord) -> dict[str, tuple[str, tuple[int, int]]]:
        """Per goods profile, the key of the line with the highest smoothed fraud rate."""
        prior, departure = self.prior, record.counterparty.country
        worst: dict[str, tuple[float, str, tuple[int, int]]] = {}
        for line in record.lines:
            hs6 = line.hs_code[:6]
            for profile, key in (
                ("hs6", hs6),
                ("hs6_origin", f"{hs6}|{line.origin}"),
                ("route", f"{hs6}|{line.origin}|{departure}"),
            ):
                t = self.tally(profile, key)
                rate = (t[1] + PRIOR_WEIGHT * prior) / (t[0] + PRIOR_WEIGHT)
                if profile not in worst or rate > worst[profile][0]:
                    worst[profile] = (rate, key, t)
        return {profile: (key, t) for profile, (_, key, t) in worst.items()}

    def facts(self, record: HistoryRecord, live: Activity | None = None) -> Facts:
        """Features of a declaration from this state (which must not already contain it)."""
        worst = self._worst_profiles(record)
        values = [float(ln.customs_value) * usd_per(self.rates, ln.currency) for ln in record.lines]
        unit_value, unit, band = self._focus_price(record, values)
        net = sum(float(line.net_kg) for line in record.lines)
        gross = [float(line.gross_kg) for line in record.lines if line.gross_kg is not None]
        origin, departure = record.lines[0].origin, record.counterparty.country
        weighed = record.arrival_known_at(record.lodged_at)
        outside = (ln.origin for ln in record.lines if outside_area(ln, self.goods.reference))
        return Facts(
            prior=self.prior,
            importer=record.trader.tax_code,
            importer_tally=self.tally("importer", record.trader.tax_code),
            activity=self.activity(record, live),
            declarant=record.declarant.tax_code,
            declarant_tally=self.tally("declarant", record.declarant.tax_code),
            hs6=worst["hs6"][0],
            hs6_tally=worst["hs6"][1],
            hs6_origin=worst["hs6_origin"][0],
            hs6_origin_tally=worst["hs6_origin"][1],
            route=worst["route"][0],
            route_tally=worst["route"][1],
            unit_value=unit_value,
            unit=unit,
            band=band,
            value_usd=sum(values),
            net_kg=net,
            lines=len(record.lines),
            preference=next((ln.preference for ln in record.lines if ln.preference), None),
            preference_outside=next(outside, None),
            origin_departure=(origin, departure) if origin != departure else None,
            kind=record.kind.value,
            chapter=int(record.lines[0].hs_code[:2]),
            documents=len(record.documents),
            gross_net_ratio=sum(gross) / net if len(gross) == len(record.lines) else NAN,
            goods=describe_goods(record, values, self.goods, self.bands),
            certificate_reuses=self.traces.certificate_reuses(record),
            split=self.traces.split_view(record, self.rates),
            weighed=WeighedFacts.of(record, weighed) if weighed is not None else None,
        )

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
        self.traces.observe(record, self.rates)
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
            "traces": self.traces.to_dict(now=self.last_seen),
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
        state.traces = Traces.from_dict(data["traces"])
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
