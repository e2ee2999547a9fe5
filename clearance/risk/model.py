"""The learned risk model: LightGBM heads over lodgement-time features, with reasons and a JSON
form. Two views of a declaration, each with DATE's dual objective (`clearance.risk.value`): as
lodged, and once its truck is weighed at the gate, so re-scoring at arrival is trained and
measured like the lodgement score.

`python -m clearance.risk.model --bench [--history FILE]` prints the median time to score one
declaration.
"""

import argparse
import hashlib
import json
import math
import statistics
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from clearance.messages import Message
from clearance.risk.bands import usd_per
from clearance.risk.features import FEATURE_NAMES, Activity, Facts, FeatureState
from clearance.risk.goods import GoodsTable
from clearance.risk.history import HistoryRecord, read_jsonl
from clearance.risk.prior import prior_logits, rules_signals
from clearance.risk.ranking import auc, precision_at
from clearance.risk.reasons import reasons
from clearance.risk.value import Head, fit_head, priority

__all__ = ["RiskModel", "Valued", "auc", "bench", "labeled", "precision_at", "train"]

FORMAT = 2


class OtherFormat(ValueError):
    """A model saved by an earlier version of the engine: train again to use one."""


def readable(text: str) -> dict[str, Any]:
    """The artefact's data, if this engine can load it; else OtherFormat (a corrupt artefact
    raises what parsing it raises)."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise OtherFormat("not a model artefact")
    if data.get("format") != FORMAT or tuple(data.get("features", ())) != FEATURE_NAMES:
        raise OtherFormat(f"model {data.get('version')} was saved in another format")
    return data


def labeled(record: HistoryRecord) -> bool:
    return record.outcome is not None and record.outcome.inspected


def revenue_usd(record: HistoryRecord, rates: Mapping[str, float]) -> float | None:
    """Revenue recovered in USD; None when the outcome does not say."""
    outcome = record.outcome
    if outcome is None or outcome.revenue_recovered is None:
        return None
    return float(outcome.revenue_recovered) * usd_per(rates, outcome.revenue_currency or "VND")


@dataclass(frozen=True)
class Valued:
    """What inspecting each of some declarations is worth, as arrays in their order."""

    probability: np.ndarray
    recovery: np.ndarray  # USD a finding would recover
    harm: np.ndarray  # USD of harm weight
    expected: np.ndarray  # probability x (recovery + harm)


def matrix(facts: Sequence[Facts]) -> np.ndarray:
    return np.array([f.vector() for f in facts], dtype=np.float64).reshape(-1, len(FEATURE_NAMES))


@dataclass
class RiskModel:
    lodgement: Head
    arrival: Head
    state: FeatureState
    value_scale: float  # USD: a typical finding's worth, where the priority is a half
    metrics: dict[str, float]
    trained_at: datetime
    version: str

    @property
    def history_until(self) -> datetime | None:
        """When the last declaration the model has counted was lodged."""
        last = self.state.last_seen
        return datetime.fromtimestamp(last, UTC) if math.isfinite(last) else None

    def facts(
        self, record: HistoryRecord, live: Activity | None = None, *, at_arrival: bool = False
    ) -> Facts:
        facts = self.state.facts(record, live)
        return facts.at_arrival(record) if at_arrival else facts

    def value_facts(self, facts: Sequence[Facts], *, at_arrival: bool = False) -> Valued:
        """Probability, revenue and expected value of many declarations at once."""
        head = self.arrival if at_arrival else self.lodgement
        rows = matrix(facts)
        assessed = np.array([f.goods.assessed_usd for f in facts])
        probability = head.probabilities(rows, prior_logits(facts)) if len(facts) else np.zeros(0)
        recovery = head.recoveries(rows, assessed) if len(facts) else np.zeros(0)
        # Harm is weighed against revenue: without revenue in the history, neither counts.
        harm = np.array([f.goods.harm_usd if head.knows_revenue else 0.0 for f in facts])
        return Valued(probability, recovery, harm, probability * (recovery + harm))

    def value(
        self, record: HistoryRecord, *, live: Activity | None = None, at_arrival: bool = False
    ) -> Valued:
        facts = self.facts(record, live, at_arrival=at_arrival)
        return self.value_facts([facts], at_arrival=at_arrival)

    def score(self, record: HistoryRecord, *, live: Activity | None = None) -> float:
        """Probability that inspecting this declaration finds fraud."""
        # `live` counts the trader's declarations lodged after `history_until` (screening reads
        # them from the database); they add to the model's counts of its training history.
        return float(self.value(record, live=live).probability[0])

    def score_facts(self, facts: Sequence[Facts]) -> list[float]:
        """Probabilities for many declarations at once (same figures as `score`)."""
        return [float(p) for p in self.value_facts(facts).probability]

    def priority(
        self, record: HistoryRecord, *, live: Activity | None = None, at_arrival: bool = False
    ) -> float:
        """The expected value of inspecting it, in [0, 1): what channels rank by."""
        valued = self.value(record, live=live, at_arrival=at_arrival)
        return priority(float(valued.expected[0]), self.value_scale)

    def explain(
        self,
        record: HistoryRecord,
        top: int = 3,
        *,
        live: Activity | None = None,
        at_arrival: bool = False,
    ) -> list[Message]:
        """The reasons that raise the fraud probability most, largest first."""
        facts = self.facts(record, live, at_arrival=at_arrival)
        return self.explain_facts([facts], top, at_arrival=at_arrival)[0]

    def explain_facts(
        self, facts: Sequence[Facts], top: int = 3, *, at_arrival: bool = False
    ) -> list[list[Message]]:
        """`explain` for many declarations' facts, with one call of the classifier."""
        if not facts:
            return []
        head = self.arrival if at_arrival else self.lodgement
        explained = []
        for row, one in zip(head.contributions(matrix(facts)), facts, strict=True):
            contributions = list(row)
            # The rules' signals the classifier starts from count as their features'.
            for name, score in rules_signals(one).items():
                contributions[FEATURE_NAMES.index(name)] += -math.log(1.0 - score)
            explained.append(reasons(one, contributions, top))
        return explained

    def observe(self, record: HistoryRecord) -> None:
        """Count a newly lodged declaration in the activity features (not in the profiles)."""
        self.state.observe_lodgement(record)

    def use_goods(self, goods: GoodsTable) -> None:
        """Read tariffs, reference prices and procedures from this reference data."""
        self.state.use_goods(goods)

    def dumps(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "version": self.version,
                "trained_at": self.trained_at.isoformat(),
                "metrics": self.metrics,
                "value_scale": self.value_scale,
                "features": FEATURE_NAMES,
                "state": self.state.to_dict(),
                "lodgement": self.lodgement.to_dict(),
                "arrival": self.arrival.to_dict(),
            },
            separators=(",", ":"),
            allow_nan=False,
        )

    @classmethod
    def loads(cls, text: str) -> "RiskModel":
        data = readable(text)
        return cls(
            lodgement=Head.from_dict(data["lodgement"]),
            arrival=Head.from_dict(data["arrival"]),
            state=FeatureState.from_dict(data["state"]),
            value_scale=data["value_scale"],
            metrics=data["metrics"],
            trained_at=datetime.fromisoformat(data["trained_at"]),
            version=data["version"],
        )


@dataclass(frozen=True)
class TrainingSet:
    """The labeled declarations of a history, as both views' features and their targets."""

    lodgement: np.ndarray
    arrival: np.ndarray
    lodgement_prior: np.ndarray  # the rules' log-odds
    arrival_prior: np.ndarray
    labels: np.ndarray
    revenues: np.ndarray  # USD recovered, NaN where the outcome does not say
    assessed: np.ndarray
    harm: np.ndarray

    @classmethod
    def of(
        cls, pairs: Sequence[tuple[HistoryRecord, Facts]], rates: Mapping[str, float]
    ) -> "TrainingSet":
        kept = [(r, f) for r, f in pairs if labeled(r) and r.outcome is not None]
        revenues = [
            revenue_usd(r, rates) if r.outcome and r.outcome.fraud_found else 0.0 for r, _ in kept
        ]
        lodged = [f for _, f in kept]
        weighed = [f.at_arrival(r) for r, f in kept]
        return cls(
            lodgement=matrix(lodged),
            arrival=matrix(weighed),
            lodgement_prior=prior_logits(lodged),
            arrival_prior=prior_logits(weighed),
            labels=np.array([int(r.outcome.fraud_found) for r, _ in kept if r.outcome], np.int8),
            revenues=np.array([math.nan if v is None else v for v in revenues]),
            assessed=np.array([f.goods.assessed_usd for _, f in kept]),
            harm=np.array([f.goods.harm_usd for _, f in kept]),
        )


def train(
    records: Iterable[HistoryRecord],
    *,
    seed: int,
    rates: Mapping[str, float] | None = None,
    goods: GoodsTable | None = None,
    trained_at: datetime | None = None,
    progress: bool = False,
) -> RiskModel:
    """Train on history; features of each declaration come from its past only.

    Only inspected declarations teach the heads; the others still count in the trader's
    activity and the traces of lodgement. Callable on any list of records (a scheduled
    retraining passes the inspected declarations of the database).
    """
    started = time.perf_counter()
    ordered = sorted(records, key=lambda record: record.lodged_at)
    state = FeatureState(rates=rates, goods=goods)
    described = state.replay(tqdm(ordered, desc="features", disable=not progress, leave=False))
    # Whoever trains holds every outcome in the history: serve with all of them.
    state.release_outcomes()
    state.refresh_bands()
    data = TrainingSet.of(list(zip(ordered, described, strict=True)), state.rates)
    lodgement, metrics = fit_head(
        data.lodgement, data.labels, data.revenues, data.assessed, data.lodgement_prior, seed=seed
    )
    arrival, arrival_metrics = fit_head(
        data.arrival, data.labels, data.revenues, data.assessed, data.arrival_prior, seed=seed
    )
    fraud = data.labels == 1
    worth = lodgement.recoveries(data.lodgement[fraud], data.assessed[fraud]) + data.harm[fraud]
    metrics |= {f"arrival_{name}": value for name, value in arrival_metrics.items()}
    metrics |= {
        "declarations": float(len(ordered)),
        "labeled": float(len(data.labels)),
        "base_rate": float(fraud.mean()),
        "train_seconds": round(time.perf_counter() - started, 3),
    }
    at = trained_at or datetime.now(UTC)
    text = lodgement.classifier.model_to_string() + json.dumps(state.to_dict(), sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return RiskModel(
        lodgement=lodgement,
        arrival=arrival,
        state=state,
        value_scale=max(float(np.median(worth)), 1.0),
        metrics=metrics,
        trained_at=at,
        version=f"lgbm-{at:%Y%m%dT%H%M%SZ}-{digest}",
    )


def bench(model: RiskModel, records: Sequence[HistoryRecord]) -> dict[str, float]:
    """Median and 90th-percentile milliseconds to score (and to explain) one declaration."""
    for record in records[:20]:
        model.score(record)
    scoring, explaining = [], []
    for record in records:
        started = time.perf_counter_ns()
        model.score(record)
        scoring.append((time.perf_counter_ns() - started) / 1e6)
    for record in records[:200]:
        started = time.perf_counter_ns()
        model.explain(record)
        explaining.append((time.perf_counter_ns() - started) / 1e6)
    return {
        "declarations": float(len(records)),
        "score_median_ms": statistics.median(scoring),
        "score_p90_ms": float(np.percentile(scoring, 90)),
        "explain_median_ms": statistics.median(explaining),
    }


def main(argv: Sequence[str] | None = None, history: Sequence[HistoryRecord] | None = None) -> int:
    """Train on labelled history (a JSONL file, or records the caller passes) and report."""
    parser = argparse.ArgumentParser(prog="python -m clearance.risk.model")
    parser.add_argument("--bench", action="store_true", help="time scoring one declaration")
    parser.add_argument("--history", type=Path, help="labeled history (JSONL)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.history is not None:
        records = sorted(read_jsonl(args.history), key=lambda record: record.lodged_at)
    elif history is not None:
        records = sorted(history, key=lambda record: record.lodged_at)
    else:
        parser.error("--history is required (simulated: python -m clearance.synthetic.model)")
    cut = int(len(records) * 0.8)
    model = train(records[:cut], seed=args.seed, progress=True)
    print(json.dumps({"version": model.version, **model.metrics}, indent=2))
    if args.bench:
        print(json.dumps(bench(model, records[cut:]), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
