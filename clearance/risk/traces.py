"""What earlier lodgements leave behind, known without any outcome: certificates already
presented, and each trader's declarations just under the split-shipment threshold.

These are the facts the documents check (a certificate number seen before) and the
split-shipment rule read from the database at screening; the model keeps them for the history
it has replayed, so it learns how much they weigh.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clearance.documents.checks import CERTIFICATES, number_key
from clearance.risk.bands import usd_per
from clearance.risk.history import HistoryRecord
from clearance.risk.rules import RULES

DAY_SECONDS = 86400.0
CERTIFICATE_DAYS = 400  # a certificate of origin is valid a year: older numbers are dropped
_SPLIT = RULES["R-SPLIT-SHIPMENT"].defaults
SPLIT_WINDOW_SECONDS = float(_SPLIT["window_days"]) * DAY_SECONDS
SPLIT_THRESHOLD_USD = float(_SPLIT["threshold_usd"])
SPLIT_FLOOR_USD = SPLIT_THRESHOLD_USD * float(_SPLIT["near_share"])
CERTIFICATE_KINDS = frozenset(kind.value for kind in CERTIFICATES)


@dataclass(frozen=True, slots=True)
class SplitView:
    """The heading of a declaration most like a split consignment, against the threshold."""

    others: int  # the trader's other declarations of that heading in the zone, in the window
    own_share: float  # this declaration's value of that heading / the threshold
    total_share: float  # with the others' values added


def heading_values(record: HistoryRecord, rates: Mapping[str, float]) -> dict[str, float]:
    """USD declared per HS heading (4 digits)."""
    totals: dict[str, float] = {}
    for line in record.lines:
        value = float(line.customs_value) * usd_per(rates, line.currency)
        totals[line.hs_code[:4]] = totals.get(line.hs_code[:4], 0.0) + value
    return totals


class Traces:
    """Certificate numbers seen, and recent near-threshold declarations per trader."""

    def __init__(self) -> None:
        self.certificates: dict[str, list[float]] = {}  # key -> [uses, last seen]
        self.near: dict[str, list[tuple[float, str, float]]] = {}  # trader -> (at, hs4, usd)

    @staticmethod
    def certificate_keys(record: HistoryRecord) -> set[str]:
        return {
            f"{document.kind}|{number_key(document.number)}"
            for document in record.documents
            if document.kind in CERTIFICATE_KINDS
        }

    def certificate_reuses(self, record: HistoryRecord) -> int:
        """How many earlier declarations presented one of this one's certificates."""
        keys = self.certificate_keys(record)
        return sum(int(self.certificates[key][0]) for key in keys if key in self.certificates)

    def split_view(self, record: HistoryRecord, rates: Mapping[str, float]) -> SplitView:
        at = record.lodged_at.timestamp()
        recent = [
            (hs4, usd)
            for when, hs4, usd in self.near.get(record.trader.tax_code, [])
            if when >= at - SPLIT_WINDOW_SECONDS
        ]
        views = []
        for heading, own in heading_values(record, rates).items():
            others = [usd for hs4, usd in recent if hs4 == heading]
            views.append(
                SplitView(
                    len(others),
                    own / SPLIT_THRESHOLD_USD,
                    (own + sum(others)) / SPLIT_THRESHOLD_USD,
                )
            )
        return max(views, key=lambda view: (view.others, view.own_share))

    def observe(self, record: HistoryRecord, rates: Mapping[str, float]) -> None:
        at = record.lodged_at.timestamp()
        for key in self.certificate_keys(record):
            seen = self.certificates.setdefault(key, [0.0, at])
            seen[0] += 1
            seen[1] = max(seen[1], at)
        trader = record.trader.tax_code
        kept = [e for e in self.near.get(trader, []) if e[0] >= at - SPLIT_WINDOW_SECONDS]
        for heading, usd in heading_values(record, rates).items():
            if SPLIT_FLOOR_USD <= usd < SPLIT_THRESHOLD_USD:
                kept.append((at, heading, usd))
        if kept:
            self.near[trader] = kept
        else:
            self.near.pop(trader, None)

    def to_dict(self, *, now: float) -> dict[str, Any]:
        horizon = now - CERTIFICATE_DAYS * DAY_SECONDS
        return {
            "certificates": {k: v for k, v in self.certificates.items() if v[1] >= horizon},
            "near": {
                trader: kept
                for trader, entries in self.near.items()
                if (kept := [e for e in entries if e[0] >= now - SPLIT_WINDOW_SECONDS])
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Traces":
        traces = cls()
        traces.certificates = {k: list(v) for k, v in data["certificates"].items()}
        traces.near = {k: [(e[0], e[1], e[2]) for e in v] for k, v in data["near"].items()}
        return traces
