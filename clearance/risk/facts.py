"""What is known of one declaration when it is scored, and the model's features read from it.

Besides the trader's and the goods' risk profiles, the facts carry what the rules read (a
description naming another heading, a licence missing, a certificate presented before, a
split consignment, the unit value against the reference band, the weighbridge), and what the
goods' tariff puts at stake. These generalise to traders the model has never seen.
"""

import math
from dataclasses import dataclass, replace

from clearance.declarations.models import Kind
from clearance.risk.bands import Band
from clearance.risk.goods import GoodsFacts
from clearance.risk.history import Arrival, HistoryRecord
from clearance.risk.traces import SplitView

PRIOR_WEIGHT = 10.0  # a profile starts as this many inspections at the global fraud rate
KINDS = {kind.value: index for index, kind in enumerate(Kind)}
NAN = math.nan


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
class WeighedFacts:
    """The truck on the weighbridge."""

    weight_ratio: float  # log(weighbridge / declared gross)
    hours: float  # from lodgement to the weighing (negative: the truck came first)
    weighbridge_kg: float
    declared_kg: float

    @classmethod
    def of(cls, record: HistoryRecord, arrival: Arrival) -> "WeighedFacts":
        declared = sum(float(ln.gross_kg or ln.net_kg) for ln in record.lines)
        weighed = float(arrival.weighbridge_kg)
        hours = (arrival.arrived_at - record.lodged_at).total_seconds() / 3600
        return cls(math.log(weighed / declared), hours, weighed, declared)


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known about one declaration at lodgement (or arrival): features, and words."""

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
    goods: GoodsFacts
    certificate_reuses: int
    split: SplitView
    weighed: WeighedFacts | None  # None until the truck is weighed

    def smoothed(self, tally: tuple[int, int], weight: float = PRIOR_WEIGHT) -> float:
        return (tally[1] + weight * self.prior) / (tally[0] + weight)

    def at_arrival(self, record: HistoryRecord) -> "Facts":
        """The same facts once the truck is weighed (unchanged if the record has no arrival)."""
        if record.arrival is None:
            return self
        return replace(self, weighed=WeighedFacts.of(record, record.arrival))

    @property
    def unit_value_log_ratio(self) -> float:
        if self.band is None or not self.unit_value > 0:
            return NAN
        return math.log(self.unit_value / self.band.median)

    def vector(self) -> list[float]:
        """The features, in the order of FEATURE_NAMES."""
        a, g, w = self.activity, self.goods, self.weighed
        return [
            self.smoothed(self.importer_tally),
            self.importer_tally[0],
            a.importer_declarations,
            a.importer_7d,
            a.importer_30d,
            a.importer_hs6_declarations,
            self.smoothed(self.declarant_tally),
            self.declarant_tally[0],
            a.declarant_declarations,
            self.smoothed(self.hs6_tally),
            self.hs6_tally[0],
            self.smoothed(self.hs6_origin_tally),
            self.hs6_origin_tally[0],
            self.smoothed(self.route_tally),
            self.route_tally[0],
            self.unit_value_log_ratio,
            math.log(self.unit_value) if self.unit_value > 0 else NAN,
            math.log1p(self.value_usd),
            math.log1p(self.net_kg),
            self.lines,
            float(self.preference is not None),
            float(self.preference_outside is not None),
            float(self.origin_departure is not None),
            KINDS.get(self.kind, -1),
            self.chapter,
            self.documents,
            self.gross_net_ratio,
            g.mismatched_lines,
            g.unlicensed,
            g.reference_ratio,
            g.duty,
            g.vat,
            math.log1p(g.assessed_usd),
            math.log1p(g.tax_usd),
            math.log1p(g.preference_usd),
            g.harm_usd,
            self.certificate_reuses,
            self.split.others,
            self.split.own_share,
            self.split.total_share,
            w.weight_ratio if w else NAN,
            w.hours if w else NAN,
        ]


FEATURE_NAMES = (
    "importer_fraud_rate", "importer_inspections", "importer_declarations",
    "importer_7d", "importer_30d", "importer_hs6_declarations",
    "declarant_fraud_rate", "declarant_inspections", "declarant_declarations",
    "hs6_fraud_rate", "hs6_inspections", "hs6_origin_fraud_rate", "hs6_origin_inspections",
    "route_fraud_rate", "route_inspections",
    "unit_value_log_ratio", "log_unit_value_usd", "log_value_usd", "log_net_kg", "lines",
    "preference_claimed", "preference_origin_outside", "origin_differs", "kind",
    "hs_chapter", "documents", "gross_net_ratio",
    "description_mismatch", "unlicensed", "reference_price_ratio", "duty_rate", "vat_rate",
    "log_assessed_usd", "log_tax_usd", "log_preference_usd", "harm_usd", "certificate_reuses",
    "split_others", "split_own_share", "split_total_share",
    "weighbridge_ratio", "arrival_hours",
)  # fmt: skip
CATEGORICAL = ("kind", "hs_chapter")
ARRIVAL_FEATURES = ("weighbridge_ratio", "arrival_hours")
