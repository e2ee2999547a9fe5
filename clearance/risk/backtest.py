"""Backtest: train on the history before a date, score the rest in time order, and compare.

The model's risk profiles and reference bands are frozen at the split date, as they are in
service between two trainings; trader activity (declaration counts, recent windows) moves on
with each scored declaration, because it is known at lodgement without any outcome.
"""

import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import xgboost as xgb
from tqdm import tqdm

from clearance.risk.features import load_rates, usd_per
from clearance.risk.history import HistoryRecord
from clearance.risk.model import RiskModel, auc, bench, labeled, revenue_usd, train

INSPECTION_RATES = (0.01, 0.02, 0.05, 0.10)
RANDOM_DRAWS = 200  # random selection is averaged over this many draws
BENCH_DECLARATIONS = 500
LOOKUP_WEIGHT = 1.0
XGB_ROUNDS = 200
XGB_PARAMS: dict[str, Any] = {
    "objective": "binary:logistic",
    "tree_method": "hist",
    "max_depth": 6,
    "eta": 0.1,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "nthread": 1,
    "verbosity": 0,
}
RAW_CATEGORIES = ("hs6", "origin", "departure", "importer", "declarant")

Ranker = Callable[[HistoryRecord], float]


@dataclass(frozen=True)
class AtRate:
    precision: float
    recall: float
    revenue: float | None  # share of the test frauds' revenue caught; None without revenue


@dataclass(frozen=True)
class Figures:
    """How one ranking does when the top share of declarations is inspected."""

    at: dict[float, AtRate]
    auc: float | None

    def to_dict(self) -> dict[str, Any]:
        rates: dict[str, Any] = {
            f"{rate:.2f}": {"precision": a.precision, "recall": a.recall, "revenue": a.revenue}
            for rate, a in self.at.items()
        }
        return {**rates, "auc": self.auc}


@dataclass
class BacktestReport:
    split_date: date
    train_declarations: int
    test_declarations: int
    test_fraud_rate: float
    rankings: dict[str, Figures]
    model_version: str
    train_seconds: float
    score_median_ms: float
    new_combination: dict[str, Figures] | None = None
    new_combination_share: float | None = None
    scores: list[tuple[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        report: dict[str, Any] = {name: f.to_dict() for name, f in self.rankings.items()}
        if self.new_combination is not None:
            report["new_combination"] = {
                "share": self.new_combination_share,
                **{name: f.to_dict() for name, f in self.new_combination.items()},
            }
        report["meta"] = {
            "split_date": self.split_date.isoformat(),
            "train_declarations": self.train_declarations,
            "test_declarations": self.test_declarations,
            "test_fraud_rate": self.test_fraud_rate,
            "model_version": self.model_version,
            "train_seconds": self.train_seconds,
            "score_median_ms": self.score_median_ms,
            "profiles": "frozen at the split date",
        }
        return report

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_table(self) -> str:
        lines = [
            f"Backtest at {self.split_date}: trained on {self.train_declarations:,} "
            f"declarations in {self.train_seconds:.1f} s, tested on {self.test_declarations:,} "
            f"(fraud {self.test_fraud_rate:.1%}); model {self.model_version}, "
            f"scoring {self.score_median_ms:.3f} ms per declaration (median)",
            "",
            *_table(self.rankings),
        ]
        if self.new_combination is not None and self.new_combination_share is not None:
            lines += [
                "",
                f"New goods combinations (HS6, departure, origin, net mass unseen in training): "
                f"{self.new_combination_share:.1%} of the test declarations",
            ]
            lines += ["", *_table(self.new_combination)] if self.new_combination else []
        return "\n".join(lines)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _table(rankings: Mapping[str, Figures]) -> list[str]:
    labels = [f"{rate:.0%}" for rate in INSPECTION_RATES]
    header = ["ranking", "AUC"]
    header += [f"{name}@{label}" for name in ("P", "R", "Rev") for label in labels]
    rows = [header, ["---"] * len(header)]
    for name, figures in rankings.items():
        row = [name, "n/a" if figures.auc is None else f"{figures.auc:.3f}"]
        row += [_percent(figures.at[rate].precision) for rate in INSPECTION_RATES]
        row += [_percent(figures.at[rate].recall) for rate in INSPECTION_RATES]
        row += [_percent(figures.at[rate].revenue) for rate in INSPECTION_RATES]
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]


def figures(labels: np.ndarray, revenue: np.ndarray | None, scores: np.ndarray) -> Figures:
    """Precision, recall and revenue caught at each inspection rate; ties go to the earlier."""
    order = np.argsort(-scores, kind="mergesort")
    frauds, total_revenue = labels.sum(), None if revenue is None else revenue.sum()
    at = {}
    for rate in INSPECTION_RATES:
        top = order[: max(1, round(len(order) * rate))]
        caught = (
            revenue[top].sum() / total_revenue if revenue is not None and total_revenue else None
        )
        at[rate] = AtRate(
            precision=float(labels[top].mean()),
            recall=float(labels[top].sum() / frauds) if frauds else 0.0,
            revenue=None if caught is None else float(caught),
        )
    return Figures(at, auc(labels, scores))


def random_figures(labels: np.ndarray, revenue: np.ndarray | None, *, seed: int) -> Figures:
    """Random selection, averaged over many draws so that it shows its expectation."""
    rng = np.random.default_rng(seed)
    draws = [figures(labels, revenue, rng.random(len(labels))) for _ in range(RANDOM_DRAWS)]
    at = {}
    for rate in INSPECTION_RATES:
        revenues = [d.at[rate].revenue or 0.0 for d in draws]
        at[rate] = AtRate(
            precision=float(np.mean([d.at[rate].precision for d in draws])),
            recall=float(np.mean([d.at[rate].recall for d in draws])),
            revenue=None if revenue is None else float(np.mean(revenues)),
        )
    aucs = [d.auc for d in draws if d.auc is not None]
    return Figures(at, float(np.mean(aucs)) if aucs else None)


def goods_key(record: HistoryRecord) -> tuple[tuple[str, str, str, Decimal], ...]:
    """The goods tuple of each line: HS6, departure, origin and net mass."""
    # CIDD's generator glued these (and tax rate and type, which history does not carry) to
    # the label, so an exact lookup of them nearly reads the answer: report it beside figures.
    departure = record.counterparty.country
    return tuple(sorted({(ln.hs_code[:6], departure, ln.origin, ln.net_kg) for ln in record.lines}))


def _raw_row(record: HistoryRecord, rates: Mapping[str, float]) -> tuple[list[str], list[float]]:
    """Identifiers of the largest line and the declaration's value, mass and unit value."""
    values = [float(ln.customs_value) * usd_per(rates, ln.currency) for ln in record.lines]
    main = record.lines[int(np.argmax(values))]
    net = sum(float(ln.net_kg) for ln in record.lines)
    ids = [main.hs_code[:6], main.origin, record.counterparty.country]
    ids += [record.trader.tax_code, record.declarant.tax_code]
    return ids, [sum(values), net, sum(values) / net]


class RawColumns:
    """The DATE paper's baseline input: raw columns, identifiers label-encoded on training."""

    def __init__(self, records: Sequence[HistoryRecord], rates: Mapping[str, float]) -> None:
        self.rates = rates
        rows = [_raw_row(record, rates)[0] for record in records]
        self.codes = [
            {value: float(code) for code, value in enumerate(sorted({row[i] for row in rows}))}
            for i in range(len(RAW_CATEGORIES))
        ]

    def matrix(self, records: Sequence[HistoryRecord]) -> np.ndarray:
        rows = []
        for record in records:
            ids, numbers = _raw_row(record, self.rates)
            encoded = [codes.get(v, math.nan) for codes, v in zip(self.codes, ids, strict=True)]
            rows.append(encoded + numbers)
        return np.array(rows, dtype=np.float64)


def xgboost_scores(
    train_set: Sequence[HistoryRecord],
    test_set: Sequence[HistoryRecord],
    *,
    rates: Mapping[str, float],
    seed: int,
) -> np.ndarray:
    columns = RawColumns(train_set, rates)
    labels = [int(r.outcome.fraud_found) for r in train_set if r.outcome is not None]
    matrix = xgb.DMatrix(columns.matrix(train_set), label=labels, missing=math.nan)
    booster = xgb.train({**XGB_PARAMS, "seed": seed}, matrix, num_boost_round=XGB_ROUNDS)
    return np.asarray(booster.predict(xgb.DMatrix(columns.matrix(test_set), missing=math.nan)))


def lookup_scores(
    train_set: Sequence[HistoryRecord], test_set: Sequence[HistoryRecord]
) -> np.ndarray:
    """The fraud rate of the same goods tuple in training (the base rate for an unseen one)."""
    tallies: dict[tuple[tuple[str, str, str, Decimal], ...], list[int]] = {}
    for record in train_set:
        tally = tallies.setdefault(goods_key(record), [0, 0])
        tally[0] += 1
        tally[1] += int(record.outcome is not None and record.outcome.fraud_found)
    base = sum(t[1] for t in tallies.values()) / max(1, sum(t[0] for t in tallies.values()))
    scores = []
    for record in test_set:
        n, frauds = tallies.get(goods_key(record), (0, 0))
        scores.append((frauds + LOOKUP_WEIGHT * base) / (n + LOOKUP_WEIGHT))
    return np.array(scores)


def _revenues(records: Sequence[HistoryRecord], rates: Mapping[str, float]) -> np.ndarray | None:
    found = [
        revenue_usd(r, rates) if r.outcome is not None and r.outcome.fraud_found else 0.0
        for r in records
    ]
    if not any(found):
        return None
    return np.array([value or 0.0 for value in found])


def backtest(
    records: Iterable[HistoryRecord],
    *,
    split_date: date,
    seed: int,
    progress: bool = False,
    lookup_baseline: bool = False,
    rates: Mapping[str, float] | None = None,
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
    started = time.perf_counter()
    model = train(history, seed=seed, rates=rates, progress=progress)
    train_seconds = time.perf_counter() - started
    engine = _score_in_time_order(model, future, progress=progress)
    keep = [i for i, r in enumerate(future) if labeled(r) and not (exclude and exclude(r))]
    tested = [future[i] for i in keep]
    if not tested:
        raise ValueError(f"no inspected declarations on or after {split_date} to test on")
    labels = np.array([int(r.outcome.fraud_found) for r in tested if r.outcome is not None])
    train_labeled = [r for r in history if labeled(r)]
    scores = {"engine": np.array([engine[i] for i in keep])}
    if model.revenue is not None:
        expected = np.array([model.expected_revenue(r) for r in tested])
        scores["engine_revenue"] = scores["engine"] * expected
    scores["xgboost"] = xgboost_scores(train_labeled, tested, rates=rates, seed=seed)
    scores |= {name: np.array([rank(r) for r in tested]) for name, rank in (rankers or {}).items()}
    if lookup_baseline:
        scores["lookup"] = lookup_scores(train_labeled, tested)
    revenue = _revenues(tested, rates)
    report = BacktestReport(
        split_date=split_date,
        train_declarations=len(history),
        test_declarations=len(tested),
        test_fraud_rate=float(labels.mean()),
        rankings=_rankings(labels, revenue, scores, seed=seed),
        model_version=model.version,
        train_seconds=round(train_seconds, 3),
        score_median_ms=bench(model, future[:BENCH_DECLARATIONS])["score_median_ms"],
        scores=[(r.ucr, s) for r, s in zip(future, engine, strict=True)],
    )
    if lookup_baseline:
        seen = {goods_key(record) for record in train_labeled}
        new = np.array([goods_key(record) not in seen for record in tested])
        report.new_combination_share = float(new.mean())
        part = None if revenue is None else revenue[new]
        report.new_combination = (
            _rankings(labels[new], part, {k: s[new] for k, s in scores.items()}, seed=seed)
            if new.any()
            else {}
        )
    return report


def _score_in_time_order(
    model: RiskModel, future: Sequence[HistoryRecord], *, progress: bool
) -> list[float]:
    facts = []
    for record in tqdm(future, desc="scoring", disable=not progress, leave=False):
        facts.append(model.facts(record))
        model.observe(record)  # counts are known at lodgement; outcomes are not
    return model.score_facts(facts)


def _rankings(
    labels: np.ndarray, revenue: np.ndarray | None, scores: Mapping[str, np.ndarray], *, seed: int
) -> dict[str, Figures]:
    """Figures of each scoring, the engine first and random selection next."""
    rankings = {name: figures(labels, revenue, s) for name, s in scores.items()}
    return {
        "engine": rankings.pop("engine"),
        "random": random_figures(labels, revenue, seed=seed),
        **rankings,
    }
