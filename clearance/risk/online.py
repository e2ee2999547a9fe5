"""`clearance risk simulate-online`: the engine learning from what it inspects, week by week.

A history whose every outcome is known (the simulator's) is replayed a week at a time. Each
policy values the week's declarations with the model it has (once weighed, as inspection is
decided), inspects its budget, and is shown the outcomes of those only; at the week's end it
trains again (`clearance.risk.model.train`) on every declaration lodged so far, with the
outcomes it was shown that were decided by then. Compared: hindsight (each week's most valuable
frauds), exploitation alone (highest expected value), and the engine with exploration
(`clearance.risk.exploration`). Until a policy has seen frauds and clean declarations both,
the rules' scores and the tariff's stake stand in for its model.
"""

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from tqdm import tqdm

from clearance.risk.exploration import Candidates, Exploration, select
from clearance.risk.features import FeatureState, load_rates
from clearance.risk.goods import GoodsTable, shipped_goods
from clearance.risk.history import HistoryRecord, Outcome
from clearance.risk.model import RiskModel, revenue_usd, train
from clearance.risk.prior import rules_probability

WEEK = timedelta(days=7)
MIN_PER_CLASS = 5  # frauds and clean declarations seen before a policy trains a model
HINDSIGHT = "perfect"


@dataclass
class Policy:
    """One way of choosing, what it has been shown, and how it has done so far."""

    name: str
    exploration: Exploration | None  # None: hindsight, which needs no model
    shown: dict[str, Outcome] = field(default_factory=dict)
    model: RiskModel | None = None
    inspected: int = 0
    frauds: int = 0
    revenue: float = 0.0

    def can_train(self) -> bool:
        frauds = sum(outcome.fraud_found for outcome in self.shown.values())
        return min(frauds, len(self.shown) - frauds) >= MIN_PER_CLASS


@dataclass(frozen=True)
class WeekFigures:
    """Where the policies stand at a week's end: cumulative revenue share and precision."""

    week: int
    start: date
    declarations: int
    revenue_share: dict[str, float]
    precision: dict[str, float]
    inspected: dict[str, int]
    modelled: dict[str, bool]


@dataclass
class OnlineReport:
    budget: float
    exploration: Exploration
    weeks: list[WeekFigures]

    def to_dict(self) -> dict[str, Any]:
        return {
            "budget": self.budget,
            "random_share": self.exploration.random_share,
            "uncertain_share": self.exploration.uncertain_share,
            "weeks": [
                {
                    "week": w.week,
                    "start": w.start.isoformat(),
                    "declarations": w.declarations,
                    "revenue_share": w.revenue_share,
                    "precision": w.precision,
                    "inspected": w.inspected,
                    "modelled": w.modelled,
                }
                for w in self.weeks
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_table(self) -> str:
        names = list(self.weeks[0].precision) if self.weeks else []
        header = ["week", "from", "declarations"]
        header += [f"{name} {what}" for name in names for what in ("revenue", "precision")]
        rows = [header, ["---"] * len(header)]
        for w in self.weeks:
            row = [str(w.week), w.start.isoformat(), f"{w.declarations:,}"]
            for name in names:
                mark = "" if w.modelled[name] else "*"
                row += [f"{w.revenue_share[name]:.1%}{mark}", f"{w.precision[name]:.1%}"]
            rows.append(row)
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        table = [
            "| " + " | ".join(c.ljust(n) for c, n in zip(r, widths, strict=True)) + " |"
            for r in rows
        ]
        return "\n".join(
            [
                f"Inspecting {self.budget:.0%} a week; exploration: random "
                f"{self.exploration.random_share:.2%} and uncertain "
                f"{self.exploration.uncertain_share:.2%} of declarations. "
                "Cumulative revenue caught (share of all recoverable so far) and precision; "
                "* = no model yet (rules).",
                "",
                *table,
            ]
        )


def _stripped(record: HistoryRecord) -> HistoryRecord:
    return record.model_copy(update={"outcome": None})


def _group(record: HistoryRecord) -> str:
    line = max(record.lines, key=lambda ln: ln.customs_value)
    return f"{line.hs_code[:6]}|{line.origin}|{record.counterparty.country}"


def _candidates(policy: Policy, batch: Sequence[HistoryRecord], cold: Sequence[Any]) -> Candidates:
    """The week valued by the policy's model, or by the rules before it has one."""
    groups = [_group(record) for record in batch]
    if policy.model is None:
        probability = np.array([rules_probability(f) for f in cold])
        stake = np.array([f.goods.tax_usd + f.goods.harm_usd for f in cold])
        return Candidates(probability, stake, groups)
    facts = []
    for record in batch:
        facts.append(policy.model.facts(record).at_arrival(record))
        policy.model.observe(record)
    valued = policy.model.value_facts(facts, at_arrival=True)
    return Candidates(valued.probability, valued.recovery + valued.harm, groups)


@dataclass(frozen=True)
class Truth:
    """The week's real outcomes, which a policy sees only where it inspects."""

    labels: np.ndarray
    revenue: np.ndarray

    @classmethod
    def of(cls, batch: Sequence[HistoryRecord], rates: Mapping[str, float]) -> "Truth":
        labels = np.array([int(bool(r.outcome and r.outcome.fraud_found)) for r in batch])
        revenue = [
            revenue_usd(r, rates) or 0.0 if label else 0.0
            for r, label in zip(batch, labels, strict=True)
        ]
        return cls(labels, np.array(revenue))


def _inspect(
    policy: Policy, batch: Sequence[HistoryRecord], truth: Truth, chosen: list[int]
) -> None:
    for index in chosen:
        record = batch[index]
        if record.outcome is not None:
            policy.shown[record.ucr] = record.outcome
    policy.inspected += len(chosen)
    policy.frauds += int(truth.labels[chosen].sum())
    policy.revenue += float(truth.revenue[chosen].sum())


def _retrain(
    policy: Policy,
    lodged: Sequence[HistoryRecord],
    stripped: Sequence[HistoryRecord],
    now: datetime,
    *,
    seed: int,
    rates: Mapping[str, float],
    goods: GoodsTable,
) -> None:
    """Train on everything lodged so far, with the outcomes shown and decided by `now`."""
    if not policy.can_train():
        return
    records = []
    for record, bare in zip(lodged, stripped, strict=False):
        outcome = policy.shown.get(record.ucr)
        known = outcome is not None and (outcome.decided_at or record.lodged_at) <= now
        records.append(record if known else bare)
    try:
        policy.model = train(records, seed=seed, rates=rates, goods=goods, trained_at=now)
    except ValueError:  # the outcomes decided by now are of one class still
        return


def _choose(
    policy: Policy,
    batch: Sequence[HistoryRecord],
    truth: Truth,
    cold: Sequence[Any],
    budget: int,
    rng: random.Random,
) -> list[int]:
    if policy.exploration is None:  # hindsight: the frauds by revenue, then the others
        return [int(i) for i in np.argsort(-truth.labels * (1 + truth.revenue))[:budget]]
    candidates = _candidates(policy, batch, cold)
    return select(candidates, budget=budget, exploration=policy.exploration, rng=rng)


def _standing(policies: Sequence[Policy], total_revenue: float) -> tuple[dict[str, float], ...]:
    share = {p.name: p.revenue / total_revenue if total_revenue else 0.0 for p in policies}
    precision = {p.name: p.frauds / p.inspected if p.inspected else 0.0 for p in policies}
    return share, precision


def simulate_online(
    records: Iterable[HistoryRecord],
    *,
    weeks: int,
    budget: float,
    seed: int,
    exploration: Exploration,
    rates: Mapping[str, float] | None = None,
    goods: GoodsTable | None = None,
    progress: bool = False,
) -> OnlineReport:
    """Replay `weeks` weeks from the history's start, inspecting `budget` of each week."""
    rates = load_rates() if rates is None else rates
    goods = shipped_goods() if goods is None else goods
    ordered = sorted(records, key=lambda record: record.lodged_at)
    if not ordered:
        raise ValueError("no history to replay")
    stripped = [_stripped(record) for record in ordered]
    start = ordered[0].lodged_at
    policies = [
        Policy(HINDSIGHT, None),
        Policy("exploit", Exploration()),
        Policy("explore", exploration),
    ]
    rngs = {policy.name: random.Random(f"{seed}:{policy.name}") for policy in policies}
    cold_state = FeatureState(rates=rates, goods=goods)
    total_revenue, position, figures = 0.0, 0, []
    for week in tqdm(range(weeks), desc="weeks", disable=not progress, leave=False):
        end = start + WEEK * (week + 1)
        upto = position
        while upto < len(ordered) and ordered[upto].lodged_at < end:
            upto += 1
        batch = ordered[position:upto]
        truth = Truth.of(batch, rates)
        total_revenue += float(truth.revenue.sum())
        described = cold_state.replay(stripped[position:upto])
        cold = [f.at_arrival(r) for f, r in zip(described, batch, strict=True)]
        count = round(budget * len(batch))
        for policy in policies:
            chosen = _choose(policy, batch, truth, cold, count, rngs[policy.name]) if batch else []
            _inspect(policy, batch, truth, chosen)
        for policy in policies[1:]:
            _retrain(
                policy, ordered[:upto], stripped[:upto], end, seed=seed, rates=rates, goods=goods
            )
        share, precision = _standing(policies, total_revenue)
        figures.append(
            WeekFigures(
                week + 1,
                (start + WEEK * week).date(),
                len(batch),
                share,
                precision,
                {p.name: p.inspected for p in policies},
                {p.name: p.exploration is None or p.model is not None for p in policies},
            )
        )
        position = upto
    return OnlineReport(budget, exploration, figures)
