"""Backtest: train on the history before a date, score the rest in time order, and compare.

The model's risk profiles and reference bands are frozen at the split date, as they are in
service between two trainings; trader activity (declaration counts, recent windows) and the
traces of lodgement (certificates presented, near-threshold declarations) move on with each
scored declaration, because they are known at lodgement without any outcome.

Rankings: the engine's expected value of inspecting (fraud probability x (revenue a finding
recovers + harm weight)) once the truck is weighed and at lodgement, the probability alone,
what is at stake alone, XGBoost on the raw columns, random selection and hindsight. Figures
are given for every test declaration and for the declarations of traders new since the split.
"""

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
from tqdm import tqdm

from clearance.risk.backtest_report import (
    INSPECTION_RATES,
    AtRate,
    BacktestReport,
    Figures,
    Scored,
    Subset,
    figures,
    random_figures,
    rankings,
)
from clearance.risk.baselines import goods_key, lookup_scores, xgboost_scores
from clearance.risk.features import load_rates
from clearance.risk.goods import GoodsTable
from clearance.risk.history import HistoryRecord
from clearance.risk.model import RiskModel, Valued, bench, labeled, revenue_usd, train

__all__ = [
    "INSPECTION_RATES",
    "AtRate",
    "BacktestReport",
    "Figures",
    "backtest",
    "figures",
    "random_figures",
]

BENCH_DECLARATIONS = 500

Ranker = Callable[[HistoryRecord], float]


def _revenues(records: Sequence[HistoryRecord], rates: Mapping[str, float]) -> np.ndarray | None:
    found = [
        revenue_usd(r, rates) if r.outcome is not None and r.outcome.fraud_found else 0.0
        for r in records
    ]
    if not any(found):
        return None
    return np.array([value or 0.0 for value in found])


def _score_in_time_order(
    model: RiskModel, future: Sequence[HistoryRecord], *, progress: bool
) -> tuple[Valued, Valued]:
    """Each declaration valued as lodged, then once its truck is weighed."""
    lodged = []
    for record in tqdm(future, desc="scoring", disable=not progress, leave=False):
        lodged.append(model.facts(record))
        model.observe(record)  # counts and traces are known at lodgement; outcomes are not
    weighed = [facts.at_arrival(record) for facts, record in zip(lodged, future, strict=True)]
    return model.value_facts(lodged), model.value_facts(weighed, at_arrival=True)


def _engine_scores(lodged: Valued, weighed: Valued, keep: list[int]) -> dict[str, np.ndarray]:
    return {
        "engine": weighed.expected[keep],
        "engine_lodgement": lodged.expected[keep],
        "probability": weighed.probability[keep],
        "stake_only": (weighed.recovery + weighed.harm)[keep],
    }


def _scored(future: Sequence[HistoryRecord], lodged: Valued, weighed: Valued) -> list[Scored]:
    stake = weighed.recovery + weighed.harm
    return [
        Scored(
            ucr=record.ucr,
            score=float(weighed.expected[i]),
            lodgement_score=float(lodged.expected[i]),
            probability=float(weighed.probability[i]),
            lodgement_probability=float(lodged.probability[i]),
            stake=float(stake[i]),
        )
        for i, record in enumerate(future)
    ]


@dataclass(frozen=True)
class Figuring:
    """The test declarations' labels, revenue and every ranking's scores, for parts of them."""

    labels: np.ndarray
    revenue: np.ndarray | None
    scores: Mapping[str, np.ndarray]
    seed: int

    def subset(self, title: str, mask: np.ndarray) -> Subset:
        part = None if self.revenue is None else self.revenue[mask]
        found = (
            rankings(
                self.labels[mask],
                part,
                {k: s[mask] for k, s in self.scores.items()},
                seed=self.seed,
            )
            if mask.any()
            else {}
        )
        return Subset(title, float(mask.mean()), found)

    def subsets(
        self,
        history: Sequence[HistoryRecord],
        tested: Sequence[HistoryRecord],
        *,
        lookup_baseline: bool,
    ) -> dict[str, Subset]:
        """New traders; and with the lookup baseline, goods tuples unseen in training."""
        known = {record.trader.tax_code for record in history}
        new = np.array([record.trader.tax_code not in known for record in tested])
        found = {"new_traders": self.subset("New traders (no declaration before the split)", new)}
        if lookup_baseline:
            seen = {goods_key(record) for record in history if labeled(record)}
            unseen = np.array([goods_key(record) not in seen for record in tested])
            found["new_combination"] = self.subset(
                "New goods combinations (HS6, departure, origin, net mass unseen in training)",
                unseen,
            )
        return found


def backtest(
    records: Iterable[HistoryRecord],
    *,
    split_date: date,
    seed: int,
    progress: bool = False,
    lookup_baseline: bool = False,
    rates: Mapping[str, float] | None = None,
    goods: GoodsTable | None = None,
    exclude: Callable[[HistoryRecord], bool] | None = None,
    rankers: Mapping[str, Ranker] | None = None,
) -> BacktestReport:
    """Train before `split_date`, score the rest in time order, and compare with baselines.

    `exclude` leaves declarations out of the figures (say, those a hard rule sends red anyway);
    `rankers` adds other scorings (say, the rules) to compare, called in time order.
    """
    rates = load_rates() if rates is None else rates
    split = datetime(split_date.year, split_date.month, split_date.day, tzinfo=UTC)
    ordered = sorted(records, key=lambda record: record.lodged_at)
    history = [r for r in ordered if r.lodged_at < split]
    future = [r for r in ordered if r.lodged_at >= split]
    if not future:
        raise ValueError(f"no declarations on or after {split_date} to score")
    started = time.perf_counter()
    model = train(history, seed=seed, rates=rates, goods=goods, progress=progress)
    train_seconds = time.perf_counter() - started
    lodged, weighed = _score_in_time_order(model, future, progress=progress)
    report = BacktestReport(
        split_date=split_date,
        train_declarations=len(history),
        test_declarations=0,
        test_fraud_rate=0.0,
        rankings={},
        model_version=model.version,
        train_seconds=round(train_seconds, 3),
        score_median_ms=bench(model, future[:BENCH_DECLARATIONS])["score_median_ms"],
        scores=_scored(future, lodged, weighed),
    )
    keep = [i for i, r in enumerate(future) if labeled(r) and not (exclude and exclude(r))]
    tested = [future[i] for i in keep]
    if not tested:  # outcomes held back: the scores are the whole answer
        return report
    labels = np.array([int(r.outcome.fraud_found) for r in tested if r.outcome is not None])
    train_labeled = [r for r in history if labeled(r)]
    scores = _engine_scores(lodged, weighed, keep)
    scores["xgboost"] = xgboost_scores(train_labeled, tested, rates=rates, seed=seed)
    scores |= {name: np.array([rank(r) for r in tested]) for name, rank in (rankers or {}).items()}
    if lookup_baseline:
        scores["lookup"] = lookup_scores(train_labeled, tested)
    revenue = _revenues(tested, rates)
    report.test_declarations, report.test_fraud_rate = len(tested), float(labels.mean())
    report.rankings = rankings(labels, revenue, scores, seed=seed)
    report.subsets = Figuring(labels, revenue, scores, seed).subsets(
        history, tested, lookup_baseline=lookup_baseline
    )
    return report
