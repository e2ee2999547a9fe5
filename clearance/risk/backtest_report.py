"""The backtest's figures: precision, recall and revenue caught at inspection rates, per ranking,
for all test declarations and for the declarations of traders new since the split."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np

from clearance.risk.ranking import auc

INSPECTION_RATES = (0.01, 0.02, 0.05, 0.10)
RANDOM_DRAWS = 200  # random selection is averaged over this many draws


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


@dataclass(frozen=True)
class Scored:
    """One test declaration's scores, as `--scores-out` writes them."""

    ucr: str
    score: float  # expected USD from inspecting it once the truck is weighed: what ranks it
    lodgement_score: float  # the same at lodgement
    probability: float  # fraud probability once weighed
    lodgement_probability: float
    stake: float  # USD a finding would recover, plus the harm weight


@dataclass(frozen=True)
class Subset:
    """Figures of the rankings on a part of the test declarations, ranked within it."""

    title: str
    share: float
    rankings: dict[str, Figures]


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
    subsets: dict[str, Subset] = field(default_factory=dict)
    scores: list[Scored] = field(default_factory=list)

    @property
    def new_combination(self) -> dict[str, Figures] | None:
        subset = self.subsets.get("new_combination")
        return None if subset is None else subset.rankings

    @property
    def new_combination_share(self) -> float | None:
        subset = self.subsets.get("new_combination")
        return None if subset is None else subset.share

    def to_dict(self) -> dict[str, Any]:
        report: dict[str, Any] = {name: f.to_dict() for name, f in self.rankings.items()}
        for key, subset in self.subsets.items():
            report[key] = {
                "share": subset.share,
                **{name: f.to_dict() for name, f in subset.rankings.items()},
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

    def scores_jsonl(self) -> str:
        return "".join(json.dumps(asdict(scored)) + "\n" for scored in self.scores)

    def to_table(self) -> str:
        lines = [
            f"Backtest at {self.split_date}: trained on {self.train_declarations:,} "
            f"declarations in {self.train_seconds:.1f} s, tested on {self.test_declarations:,} "
            f"(fraud {self.test_fraud_rate:.1%}); model {self.model_version}, "
            f"scoring {self.score_median_ms:.3f} ms per declaration (median)",
            "",
            *(
                _table(self.rankings)
                if self.rankings
                else [
                    f"No inspected declarations after the split: {len(self.scores):,} scored, "
                    "none to measure."
                ]
            ),
        ]
        for subset in self.subsets.values():
            lines += ["", f"{subset.title}: {subset.share:.1%} of the test declarations"]
            lines += ["", *_table(subset.rankings)] if subset.rankings else []
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


def figures(
    labels: np.ndarray,
    revenue: np.ndarray | None,
    scores: np.ndarray,
    rates: Sequence[float] = INSPECTION_RATES,
) -> Figures:
    """Precision, recall and revenue caught at each inspection rate; ties go to the earlier."""
    order = np.argsort(-scores, kind="mergesort")
    frauds, total_revenue = labels.sum(), None if revenue is None else revenue.sum()
    at = {}
    for rate in rates:
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


def perfect_scores(labels: np.ndarray, revenue: np.ndarray | None) -> np.ndarray:
    """Hindsight: the frauds by revenue recovered, then the frauds that recovered none."""
    scores: np.ndarray = labels * (1.0 + (revenue if revenue is not None else 0.0))
    return scores


def rankings(
    labels: np.ndarray, revenue: np.ndarray | None, scores: Mapping[str, np.ndarray], *, seed: int
) -> dict[str, Figures]:
    """Figures of each scoring in the given order, random selection and hindsight last."""
    found = {name: figures(labels, revenue, s) for name, s in scores.items()}
    found["random"] = random_figures(labels, revenue, seed=seed)
    found["perfect"] = figures(labels, revenue, perfect_scores(labels, revenue))
    return found
