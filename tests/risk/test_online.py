"""The online replay: each policy learns only from what it inspected, week by week."""

from datetime import UTC, datetime, timedelta

import pytest

from clearance.risk.exploration import Exploration
from clearance.risk.features import load_rates
from clearance.risk.goods import shipped_goods
from clearance.risk.history import HistoryRecord
from clearance.risk.online import OnlineReport, Policy, _retrain, _stripped, simulate_online
from clearance.synthetic.history import simulate

START = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def records() -> list[HistoryRecord]:
    return simulate(seed=4, count=1500, start=START, days=35)


@pytest.fixture(scope="module")
def report(records: list[HistoryRecord]) -> OnlineReport:
    return simulate_online(
        records, weeks=5, budget=0.05, seed=1, exploration=Exploration(0.01, 0.01)
    )


def test_every_week_inspects_the_budget_and_hindsight_bounds_the_rest(
    report: OnlineReport, records: list[HistoryRecord]
) -> None:
    assert [w.week for w in report.weeks] == [1, 2, 3, 4, 5]
    assert sum(w.declarations for w in report.weeks) == len(records)
    last = report.weeks[-1]
    assert set(last.precision) == {"perfect", "exploit", "explore"}
    inspected = sum(round(0.05 * w.declarations) for w in report.weeks)
    assert set(last.inspected.values()) == {inspected}
    for week in report.weeks:
        for name in ("exploit", "explore"):
            assert week.revenue_share[name] <= week.revenue_share["perfect"] + 1e-9
            assert week.precision[name] <= week.precision["perfect"]
    assert last.modelled["exploit"] and last.modelled["explore"]


def test_the_table_and_the_json_carry_each_week(report: OnlineReport) -> None:
    table = report.to_table()
    assert "| week | from" in table and "exploit revenue" in table
    assert len(report.to_dict()["weeks"]) == 5


def test_a_policy_trains_on_the_outcomes_it_was_shown_and_decided_by_then(
    records: list[HistoryRecord],
) -> None:
    lodged = records[:600]
    policy = Policy("explore", Exploration())
    found = [r for r in lodged[:200] if r.outcome is not None and r.outcome.fraud_found]
    clean = [r for r in lodged[:200] if r.outcome is not None and not r.outcome.fraud_found]
    shown = sorted([*found, *clean[::4]], key=lambda r: r.lodged_at)
    policy.shown = {r.ucr: r.outcome for r in shown if r.outcome is not None}
    assert policy.can_train()
    now = lodged[199].lodged_at + timedelta(hours=1)
    decided = sum(
        1 for r in shown if r.outcome is not None and (r.outcome.decided_at or now) <= now
    )
    _retrain(
        policy,
        lodged,
        [_stripped(r) for r in lodged],
        now,
        seed=0,
        rates=load_rates(),
        goods=shipped_goods(),
    )
    assert policy.model is not None
    assert policy.model.metrics["labeled"] == decided < len(shown)
    assert policy.model.metrics["declarations"] == len(lodged)
