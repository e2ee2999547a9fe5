"""The learned risk model: LightGBM over lodgement-time features, with reasons and a JSON form.

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

import lightgbm as lgb
import numpy as np
from tqdm import tqdm

from clearance.messages import Message
from clearance.risk.features import (
    CATEGORICAL,
    FEATURE_NAMES,
    Activity,
    Facts,
    FeatureState,
    load_rates,
    usd_per,
)
from clearance.risk.history import HistoryRecord, read_jsonl
from clearance.risk.model_reasons import REASON_OF, REASONS

FORMAT = 1
VALID_SHARE = 0.15  # the latest labeled declarations, held out to pick the number of trees
MAX_ROUNDS = 500
DEFAULT_ROUNDS = 150  # when too few labels are held out to stop early
EARLY_STOPPING = 40
MIN_HELD_OUT = 10  # frauds and clean declarations each, to trust early stopping
MAX_POSITIVE_WEIGHT = 20.0
REVENUE_PRIOR_WEIGHT = 5.0  # an HS6 starts as this many findings at the overall ratio
MAX_REVENUE_RATIO = 5.0  # revenue per USD declared; beyond it a finding is an outlier
PRECISION_RATES = (0.01, 0.05, 0.10)
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_cat_to_onehot": 8,
    "deterministic": True,
    "force_col_wise": True,
    "num_threads": 1,  # a second thread gains little here and stalls on a busy machine
    "verbose": -1,
}


def labeled(record: HistoryRecord) -> bool:
    return record.outcome is not None and record.outcome.inspected


def revenue_usd(record: HistoryRecord, rates: Mapping[str, float]) -> float | None:
    """Revenue recovered in USD; None when the outcome does not say."""
    outcome = record.outcome
    if outcome is None or outcome.revenue_recovered is None:
        return None
    return float(outcome.revenue_recovered) * usd_per(rates, outcome.revenue_currency or "VND")


def auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve (ties count half); None with one class only."""
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    ranks[order] = np.repeat(first + (counts + 1) / 2.0, counts)
    return float(
        (ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    )


def precision_at(labels: np.ndarray, scores: np.ndarray, rate: float) -> float:
    k = max(1, round(len(scores) * rate))
    top = np.argsort(-scores, kind="mergesort")[:k]
    return float(labels[top].mean())


@dataclass(frozen=True)
class RevenueRatios:
    """Revenue recovered per USD declared when fraud was found, per HS6, smoothed."""

    overall: float
    per_hs6: dict[str, float]

    @classmethod
    def learn(
        cls, records: Iterable[HistoryRecord], rates: Mapping[str, float]
    ) -> "RevenueRatios | None":
        ratios: dict[str, list[float]] = {}
        for record in records:
            recovered = (
                revenue_usd(record, rates)
                if record.outcome and record.outcome.fraud_found
                else None
            )
            value = sum(
                float(ln.customs_value) * usd_per(rates, ln.currency) for ln in record.lines
            )
            if recovered is not None and value > 0 and math.isfinite(recovered / value):
                ratios.setdefault(record.lines[0].hs_code[:6], []).append(
                    min(recovered / value, MAX_REVENUE_RATIO)
                )
        if not ratios:
            return None
        every = [r for values in ratios.values() for r in values]
        overall = statistics.fmean(every)
        return cls(overall, {
            hs6: (sum(v) + REVENUE_PRIOR_WEIGHT * overall) / (len(v) + REVENUE_PRIOR_WEIGHT)
            for hs6, v in ratios.items()
        })  # fmt: skip

    def ratio(self, hs6: str) -> float:
        return self.per_hs6.get(hs6, self.overall)


def _probability(raw: float, positive_weight: float) -> float:
    # Positives weighed w times shift the log-odds by log(w); undo it to report a probability.
    return 1.0 / (1.0 + math.exp(math.log(positive_weight) - raw))


@dataclass
class RiskModel:
    booster: lgb.Booster
    state: FeatureState
    positive_weight: float
    revenue: RevenueRatios | None
    metrics: dict[str, float]
    trained_at: datetime
    version: str

    @property
    def history_until(self) -> datetime | None:
        """When the last declaration the model has counted was lodged."""
        last = self.state.last_seen
        return datetime.fromtimestamp(last, UTC) if math.isfinite(last) else None

    def facts(self, record: HistoryRecord, live: Activity | None = None) -> Facts:
        return self.state.facts(record, live)

    def score(self, record: HistoryRecord, *, live: Activity | None = None) -> float:
        """Probability that inspecting this declaration finds fraud."""
        # `live` counts the trader's declarations lodged after `history_until` (screening reads
        # them from the database); they add to the model's counts of its training history.
        row = np.array([self.state.facts(record, live).vector()])
        raw = self.booster.predict(row, raw_score=True, num_threads=1)
        return _probability(float(raw[0]), self.positive_weight)

    def score_facts(self, facts: Sequence[Facts]) -> list[float]:
        """Probabilities for many declarations at once (same figures as `score`)."""
        if not facts:
            return []
        raw = self.booster.predict(np.array([f.vector() for f in facts]), raw_score=True)
        return [_probability(float(r), self.positive_weight) for r in raw]

    def expected_revenue(self, record: HistoryRecord) -> float:
        """USD a finding would recover: the declared value times the HS6's past ratio."""
        rates = self.state.rates
        value = sum(float(ln.customs_value) * usd_per(rates, ln.currency) for ln in record.lines)
        ratio = self.revenue.ratio(record.lines[0].hs_code[:6]) if self.revenue else 1.0
        return value * ratio if math.isfinite(value) else 0.0

    def priority(self, record: HistoryRecord, *, live: Activity | None = None) -> float:
        """Fraud probability x expected revenue: the DATE paper's revenue-aware ranking."""
        return self.score(record, live=live) * self.expected_revenue(record)

    def explain(
        self, record: HistoryRecord, top: int = 3, *, live: Activity | None = None
    ) -> list[Message]:
        """The reasons that raise the score most, largest first."""
        facts = self.state.facts(record, live)
        contributions = self.booster.predict(
            np.array([facts.vector()]), pred_contrib=True, num_threads=1
        )[0]
        per_reason: dict[str, float] = {}
        for name, contribution in zip(FEATURE_NAMES, contributions, strict=False):
            per_reason[REASON_OF[name]] = per_reason.get(REASON_OF[name], 0.0) + contribution
        ranked = sorted((c, r) for r, c in per_reason.items() if c > 0)[::-1][:top]
        return [REASONS[reason][1](facts) for _, reason in ranked]

    def observe(self, record: HistoryRecord) -> None:
        """Count a newly lodged declaration in the activity features (not in the profiles)."""
        self.state.observe_lodgement(record)

    def dumps(self) -> str:
        return json.dumps({
            "format": FORMAT,
            "version": self.version,
            "trained_at": self.trained_at.isoformat(),
            "metrics": self.metrics,
            "positive_weight": self.positive_weight,
            "revenue": self.revenue and [self.revenue.overall, self.revenue.per_hs6],
            "features": FEATURE_NAMES,
            "state": self.state.to_dict(),
            "booster": self.booster.model_to_string(),
        }, separators=(",", ":"), allow_nan=False)  # fmt: skip

    @classmethod
    def loads(cls, text: str) -> "RiskModel":
        data = json.loads(text)
        if data["format"] != FORMAT or tuple(data["features"]) != FEATURE_NAMES:
            raise ValueError(f"model {data.get('version')} was saved in another format")
        revenue = data["revenue"]
        return cls(
            booster=lgb.Booster(model_str=data["booster"]),
            state=FeatureState.from_dict(data["state"]),
            positive_weight=data["positive_weight"],
            revenue=None if revenue is None else RevenueRatios(revenue[0], revenue[1]),
            metrics=data["metrics"],
            trained_at=datetime.fromisoformat(data["trained_at"]),
            version=data["version"],
        )


def _dataset(features: np.ndarray, labels: np.ndarray, weight: float) -> lgb.Dataset:
    return lgb.Dataset(
        features,
        label=labels,
        weight=np.where(labels == 1, weight, 1.0),
        feature_name=list(FEATURE_NAMES),
        categorical_feature=list(CATEGORICAL),
        params={"verbose": -1},
        free_raw_data=False,
    )


def _fit(
    features: np.ndarray, labels: np.ndarray, *, weight: float, seed: int
) -> tuple[lgb.Booster, dict[str, float]]:
    """Pick the number of trees on the latest labels, then refit on all of them."""
    params = {**PARAMS, "seed": seed}
    cut = int(len(labels) * (1 - VALID_SHARE))
    held = labels[cut:]
    metrics: dict[str, float] = {}
    rounds = DEFAULT_ROUNDS
    if min(held.sum(), len(held) - held.sum(), labels[:cut].sum()) >= MIN_HELD_OUT:
        train_set = _dataset(features[:cut], labels[:cut], weight)
        valid_set = _dataset(features[cut:], held, weight)
        booster = lgb.train(
            params, train_set, num_boost_round=MAX_ROUNDS, valid_sets=[valid_set],
            callbacks=[lgb.early_stopping(EARLY_STOPPING, verbose=False)],
        )  # fmt: skip
        rounds = max(booster.best_iteration, 1)
        scores = np.asarray(booster.predict(features[cut:], num_iteration=rounds))
        metrics["valid_declarations"] = float(len(held))
        metrics["valid_auc"] = auc(held, scores) or 0.5  # both classes are held out here
        for rate in PRECISION_RATES:
            metrics[f"valid_precision_at_{rate:.2f}"] = precision_at(held, scores, rate)
    metrics["trees"] = float(rounds)
    return lgb.train(params, _dataset(features, labels, weight), num_boost_round=rounds), metrics


def train(
    records: Iterable[HistoryRecord],
    *,
    seed: int,
    rates: Mapping[str, float] | None = None,
    trained_at: datetime | None = None,
    progress: bool = False,
) -> RiskModel:
    """Train on labeled history; features of each declaration come from its past only."""
    started = time.perf_counter()
    ordered = sorted(records, key=lambda record: record.lodged_at)
    state = FeatureState(rates=load_rates() if rates is None else rates)
    described = state.replay(tqdm(ordered, desc="features", disable=not progress, leave=False))
    # Whoever trains holds every outcome in the history: serve with all of them.
    state.release_outcomes()
    state.refresh_bands()
    rows = [(f.vector(), r.outcome) for r, f in zip(ordered, described, strict=True) if labeled(r)]
    labels = np.array([int(o.fraud_found) for _, o in rows if o is not None], dtype=np.int8)
    frauds = int(labels.sum())
    if frauds == 0 or frauds == len(labels):
        raise ValueError("training needs inspected declarations with and without fraud found")
    weight = min(math.sqrt((len(labels) - frauds) / frauds), MAX_POSITIVE_WEIGHT)
    weight = max(weight, 1.0)
    booster, metrics = _fit(np.array([v for v, _ in rows]), labels, weight=weight, seed=seed)
    metrics |= {
        "declarations": float(len(ordered)),
        "labeled": float(len(labels)),
        "base_rate": frauds / len(labels),
        "train_seconds": round(time.perf_counter() - started, 3),
    }
    at = trained_at or datetime.now(UTC)
    text = booster.model_to_string() + json.dumps(state.to_dict(), sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return RiskModel(
        booster=booster,
        state=state,
        positive_weight=weight,
        revenue=RevenueRatios.learn(ordered, state.rates),
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
