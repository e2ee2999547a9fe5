"""What inspecting a declaration is worth: the DATE paper's dual objective (KDD 2020).

One head per view of a declaration (as lodged, or once its truck is weighed): a classifier
gives the probability that inspection finds fraud (boosted from the rules' log-odds,
`clearance.risk.prior`, so that few outcomes leave it near the rules and many teach it more), a
regression the revenue a finding would
recover (Tweedie: most findings recover little, a few recover a great deal), read from the
goods' tariff, value and unit price as much as from the trader. With too few findings to
learn from, the revenue is the assessed value times the findings' overall revenue per USD
(and all declarations weigh the same when the history records no revenue at all).
The expected value is probability x (revenue + harm weight); channels rank by it.
"""

import math
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np

from clearance.risk.facts import CATEGORICAL, FEATURE_NAMES
from clearance.risk.ranking import auc, precision_at

VALID_SHARE = 0.15  # the latest labeled declarations, held out to pick the number of trees
MAX_ROUNDS = 500
DEFAULT_ROUNDS = 150  # when too few labels are held out to stop early
EARLY_STOPPING = 40
MIN_HELD_OUT = 10  # frauds and clean declarations each, to trust early stopping
MIN_REVENUE_FINDINGS = 30  # findings with revenue before a regression is fitted
REVENUE_ROUNDS = 300
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
REVENUE_PARAMS: dict[str, Any] = {
    **PARAMS,
    "objective": "tweedie",
    "tweedie_variance_power": 1.5,
    "num_leaves": 15,
    "min_data_in_leaf": 10,
}


def _probability(raw: np.ndarray, positive_weight: float) -> np.ndarray:
    # Positives weighed w times shift the log-odds by log(w); undo it to report a probability.
    result: np.ndarray = 1.0 / (1.0 + np.exp(math.log(positive_weight) - raw))
    return result


def priority(expected: float, scale: float) -> float:
    """The expected value in [0, 1): a half means `scale` USD expected from the inspection."""
    return expected / (expected + scale) if expected > 0 else 0.0


@dataclass
class Head:
    """Fraud probability and revenue per finding for one view of a declaration."""

    classifier: lgb.Booster
    positive_weight: float
    revenue: lgb.Booster | None
    revenue_per_assessed: float  # recovered per USD assessed over the findings (the fallback)

    @property
    def knows_revenue(self) -> bool:
        return self.revenue is not None or not math.isnan(self.revenue_per_assessed)

    def probabilities(self, matrix: np.ndarray, prior: np.ndarray) -> np.ndarray:
        """Fraud probabilities; `prior` holds the rules' log-odds of each row."""
        raw = np.asarray(self.classifier.predict(matrix, raw_score=True, num_threads=1))
        return _probability(raw + prior + math.log(self.positive_weight), self.positive_weight)

    def recoveries(self, matrix: np.ndarray, assessed: np.ndarray) -> np.ndarray:
        """USD a finding would recover, for each row."""
        if not self.knows_revenue:
            return np.ones(len(matrix))
        if self.revenue is None:
            fallback: np.ndarray = np.nan_to_num(assessed) * self.revenue_per_assessed
            return fallback
        return np.asarray(self.revenue.predict(matrix, num_threads=1))

    def contributions(self, rows: np.ndarray) -> np.ndarray:
        """Each row's features' contributions (and the bias, last): one call for them all."""
        return np.asarray(self.classifier.predict(rows, pred_contrib=True, num_threads=1))

    def to_dict(self) -> dict[str, Any]:
        return {
            "classifier": self.classifier.model_to_string(),
            "positive_weight": self.positive_weight,
            "revenue": self.revenue.model_to_string() if self.revenue is not None else None,
            "revenue_per_assessed": (
                None if math.isnan(self.revenue_per_assessed) else self.revenue_per_assessed
            ),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Head":
        revenue = data["revenue"]
        return cls(
            classifier=lgb.Booster(model_str=data["classifier"]),
            positive_weight=data["positive_weight"],
            revenue=lgb.Booster(model_str=revenue) if revenue is not None else None,
            revenue_per_assessed=(
                math.nan if data["revenue_per_assessed"] is None else data["revenue_per_assessed"]
            ),
        )


def _dataset(
    features: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    init_score: np.ndarray | None = None,
) -> lgb.Dataset:
    return lgb.Dataset(
        features,
        label=labels,
        weight=weights,
        init_score=init_score,
        feature_name=list(FEATURE_NAMES),
        categorical_feature=list(CATEGORICAL),
        params={"verbose": -1},
        free_raw_data=False,
    )


def _classifier(
    features: np.ndarray, labels: np.ndarray, prior: np.ndarray, *, weight: float, seed: int
) -> tuple[lgb.Booster, dict[str, float]]:
    """Pick the number of trees on the latest labels, then refit on all of them."""
    params = {**PARAMS, "seed": seed, "min_data_in_leaf": min(20, max(3, len(labels) // 50))}
    weights = np.where(labels == 1, weight, 1.0)
    start = prior + math.log(weight)
    cut = int(len(labels) * (1 - VALID_SHARE))
    held = labels[cut:]
    metrics: dict[str, float] = {}
    rounds = DEFAULT_ROUNDS
    if min(held.sum(), len(held) - held.sum(), labels[:cut].sum()) >= MIN_HELD_OUT:
        booster = lgb.train(
            params,
            _dataset(features[:cut], labels[:cut], weights[:cut], start[:cut]),
            num_boost_round=MAX_ROUNDS,
            valid_sets=[_dataset(features[cut:], held, weights[cut:], start[cut:])],
            callbacks=[lgb.early_stopping(EARLY_STOPPING, verbose=False)],
        )
        rounds = max(booster.best_iteration, 1)
        raw = np.asarray(booster.predict(features[cut:], num_iteration=rounds, raw_score=True))
        scores = raw + start[cut:]
        metrics["valid_declarations"] = float(len(held))
        metrics["valid_auc"] = auc(held, scores) or 0.5  # both classes are held out here
        for rate in PRECISION_RATES:
            metrics[f"valid_precision_at_{rate:.2f}"] = precision_at(held, scores, rate)
    metrics["trees"] = float(rounds)
    booster = lgb.train(params, _dataset(features, labels, weights, start), num_boost_round=rounds)
    return booster, metrics


def fit_head(
    features: np.ndarray,
    labels: np.ndarray,
    revenues: np.ndarray,
    assessed: np.ndarray,
    prior: np.ndarray,
    *,
    seed: int,
) -> tuple[Head, dict[str, float]]:
    """Both objectives on one view; `revenues` are USD recovered (NaN where not recorded),
    `prior` the rules' log-odds of each row."""
    frauds = int(labels.sum())
    if frauds == 0 or frauds == len(labels):
        raise ValueError("training needs inspected declarations with and without fraud found")
    weight = max(min(math.sqrt((len(labels) - frauds) / frauds), 20.0), 1.0)
    classifier, metrics = _classifier(features, labels, prior, weight=weight, seed=seed)
    found = (labels == 1) & ~np.isnan(revenues)
    assessed_found = np.nan_to_num(assessed[found]).sum()
    # A history that records no revenue cannot say what a finding is worth (NaN): every
    # declaration then weighs the same, and the expected value is the probability.
    per_assessed = float(revenues[found].sum() / assessed_found) if assessed_found > 0 else math.nan
    regression = None
    if found.sum() >= MIN_REVENUE_FINDINGS and revenues[found].sum() > 0:
        data = _dataset(features[found], revenues[found], np.ones(int(found.sum())))
        params = {**REVENUE_PARAMS, "seed": seed}
        regression = lgb.train(params, data, num_boost_round=REVENUE_ROUNDS)
    metrics["revenue_findings"] = float(found.sum())
    head = Head(classifier, weight, regression, per_assessed)
    return head, metrics
