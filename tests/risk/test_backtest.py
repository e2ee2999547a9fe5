"""Backtest: figures per inspection rate next to the random and raw XGBoost baselines."""

import json
import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from clearance.risk.backtest import BacktestReport, backtest, figures
from clearance.risk.history import HistoryRecord
from clearance.risk.model import auc
from clearance.synthetic.history import simulate
from tests.risk.cidd import load_cidd, split_path
from tests.risk.test_model import GOODS, RATES, history_record, synthetic_history

SPLIT = date(2025, 9, 1)  # 2,916 declarations before, 1,084 after
RATE_KEYS = {"0.01", "0.02", "0.05", "0.10", "auc"}


@pytest.fixture(scope="module")
def records() -> list[HistoryRecord]:
    return synthetic_history(4000, seed=31, planted_share=0.04)


@pytest.fixture(scope="module")
def report(records: list[HistoryRecord]) -> BacktestReport:
    return backtest(records, split_date=SPLIT, seed=0, rates=RATES, lookup_baseline=True)


def _without_revenue(record: HistoryRecord) -> HistoryRecord:
    assert record.outcome is not None
    outcome = record.outcome.model_copy(update={"revenue_recovered": None})
    return record.model_copy(update={"outcome": outcome})


def test_the_json_has_the_figures_under_the_exact_keys(report: BacktestReport) -> None:
    data = json.loads(report.to_json())
    assert {"engine", "random", "xgboost"} <= set(data)
    names = (
        "engine",
        "engine_lodgement",
        "probability",
        "stake_only",
        "xgboost",
        "lookup",
        "random",
        "perfect",
    )
    assert list(data)[: len(names)] == list(names)
    for name in names:
        assert set(data[name]) == RATE_KEYS
        for key in RATE_KEYS - {"auc"}:
            assert set(data[name][key]) == {"precision", "recall", "revenue"}
            assert all(0 <= value <= 1 for value in data[name][key].values())
    assert data["meta"]["split_date"] == "2025-09-01"


def test_random_selection_finds_frauds_at_the_base_rate(report: BacktestReport) -> None:
    for rate in (0.05, 0.10):
        at = report.rankings["random"].at[rate]
        assert at.precision == pytest.approx(report.test_fraud_rate, abs=0.015)
        assert at.recall == pytest.approx(rate, abs=0.01)
    assert report.rankings["random"].auc == pytest.approx(0.5, abs=0.02)


def test_the_engine_beats_random_selection(report: BacktestReport) -> None:
    engine, chance = report.rankings["engine"].at[0.05], report.rankings["random"].at[0.05]
    assert engine.revenue is not None and chance.revenue is not None
    assert engine.revenue > 3 * chance.revenue
    probability = report.rankings["probability"]
    assert probability.at[0.05].precision > 3 * chance.precision
    assert probability.auc is not None and probability.auc > 0.8


def test_hindsight_bounds_every_ranking(report: BacktestReport) -> None:
    perfect = report.rankings["perfect"]
    for ranking in report.rankings.values():
        for rate, at in ranking.at.items():
            assert at.precision <= perfect.at[rate].precision
            assert (at.revenue or 0) <= (perfect.at[rate].revenue or 0) + 1e-9


def test_scores_cover_every_declaration_after_the_split_in_time_order(
    records: list[HistoryRecord], report: BacktestReport
) -> None:
    after = [r.ucr for r in sorted(records, key=lambda r: r.lodged_at) if r.lodged_on >= SPLIT]
    assert [scored.ucr for scored in report.scores] == after
    assert all(s.score == pytest.approx(s.probability * s.stake) for s in report.scores)
    assert report.test_declarations == len(after)
    assert report.train_declarations == len(records) - len(after)


def test_revenue_is_not_available_without_revenue_in_history(
    records: list[HistoryRecord],
) -> None:
    bare = [_without_revenue(r) for r in records[:1500]]
    report = backtest(bare, split_date=date(2025, 4, 1), seed=0, rates=RATES)
    data = report.to_dict()
    assert data["engine"]["0.05"]["revenue"] is None
    assert data["perfect"]["0.05"]["revenue"] is None
    assert "| n/a" in report.to_table()


def test_new_goods_combinations_are_reported_apart(records: list[HistoryRecord]) -> None:
    rng = random.Random(5)
    history = records[:2000]
    end = history[-1].lodged_at + timedelta(days=1)
    repeats = [
        r.model_copy(update={"ucr": f"REPEAT-{i}", "lodged_at": end + timedelta(hours=i)})
        for i, r in enumerate(history[:40])
    ]
    novel = [
        history_record(
            rng, at=end + timedelta(hours=40 + i), goods=("44071100", 0.3, "LA"), fraud=i % 3 == 0
        )
        for i in range(60)
    ]
    report = backtest(
        [*history, *repeats, *novel],
        split_date=end.date(),
        seed=0,
        rates=RATES,
        lookup_baseline=True,
    )
    assert report.test_declarations == 100
    assert report.new_combination_share == pytest.approx(0.6)
    assert report.new_combination is not None
    assert set(report.new_combination) == {
        "engine",
        "engine_lodgement",
        "probability",
        "stake_only",
        "xgboost",
        "lookup",
        "random",
        "perfect",
    }
    # An exact repeat is looked up with its training outcome; a new tuple gets the base rate.
    assert report.new_combination["lookup"].auc == 0.5
    assert "New goods combinations" in report.to_table()
    assert report.to_dict()["new_combination"]["share"] == report.new_combination_share


def test_excluded_declarations_leave_the_figures_and_extra_rankings_join_them(
    records: list[HistoryRecord],
) -> None:
    tea = GOODS[1][0]
    report = backtest(
        records[:2000],
        split_date=date(2025, 5, 1),
        seed=0,
        rates=RATES,
        exclude=lambda r: r.lines[0].hs_code == tea,
        rankers={"rules": lambda r: float(r.trader.tax_code < "0100000008")},
    )
    tested = [r for r in records[:2000] if r.lodged_on >= date(2025, 5, 1)]
    assert report.test_declarations == sum(r.lines[0].hs_code != tea for r in tested)
    assert report.rankings["rules"].at[0.05].precision > report.test_fraud_rate


def test_a_progress_bar_shows_on_request(
    records: list[HistoryRecord], capsys: pytest.CaptureFixture[str]
) -> None:
    backtest(records[:1200], split_date=date(2025, 3, 20), seed=0, rates=RATES, progress=True)
    assert "scoring" in capsys.readouterr().err


def test_figures_count_the_top_of_the_ranking() -> None:
    labels = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1] * 10)
    revenue = labels * np.arange(100.0)
    scores = np.linspace(1, 0, 100)  # inspect in the given order
    result = figures(labels, revenue, scores)
    assert result.at[0.05].precision == pytest.approx(2 / 5)
    assert result.at[0.10].recall == pytest.approx(3 / 30)
    assert result.at[0.10].revenue == pytest.approx(11 / revenue.sum())


def test_auc_counts_ties_as_half() -> None:
    assert auc(np.array([0, 1]), np.array([0.5, 0.5])) == 0.5
    assert auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == 0.75
    assert auc(np.array([1, 1]), np.array([0.1, 0.2])) is None


def test_after_drift_the_engine_beats_random_twice_over_and_plain_xgboost() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    records = simulate(seed=1, count=5000, start=start, days=200, drift_at=0.5)
    report = backtest(records, split_date=date(2025, 4, 21), seed=0)  # 10 days after the drift
    engine, chance, xgboost = (report.rankings[k].at[0.05] for k in ("engine", "random", "xgboost"))
    assert engine.precision >= 2 * chance.precision
    assert engine.precision >= xgboost.precision


@pytest.mark.skipif(not split_path("valid").exists(), reason="CIDD files not found")
def test_cidd_runs_end_to_end_with_its_lookup_caveat_beside_it() -> None:
    records = [*load_cidd("valid"), *load_cidd("test")]
    report = backtest(records, split_date=date(2021, 4, 1), seed=0, lookup_baseline=True)
    data = report.to_dict()
    assert data["engine"]["0.05"]["revenue"] is None  # CIDD has no revenue
    # The generator glued goods and label: an exact lookup nearly reads the answer...
    assert report.rankings["lookup"].at[0.05].precision > 0.9  # trained on one quarter only
    # ...and where it cannot, on unseen goods tuples, every ranking is far weaker.
    assert report.new_combination_share is not None and 0.1 < report.new_combination_share < 0.8
    assert report.new_combination is not None
    assert report.new_combination["lookup"].auc == 0.5
    # Without revenue the fraud probability is what detection is judged by.
    overall = report.rankings["probability"].auc
    unseen = report.new_combination["probability"].auc
    assert overall is not None and unseen is not None and unseen < overall - 0.1


def test_outcomes_held_back_after_the_split_still_give_every_score(
    records: list[HistoryRecord],
) -> None:
    split = datetime(2025, 4, 1, tzinfo=UTC)
    part = records[:1500]
    blind = [r if r.lodged_at < split else r.model_copy(update={"outcome": None}) for r in part]
    report = backtest(blind, split_date=split.date(), seed=0, rates=RATES)
    assert report.rankings == {} and report.test_declarations == 0
    assert [s.ucr for s in report.scores] == [r.ucr for r in part if r.lodged_at >= split]
    assert "none to measure" in report.to_table()
    seen = backtest(part, split_date=split.date(), seed=0, rates=RATES)
    assert [s.score for s in seen.scores] == [s.score for s in report.scores]


def test_without_revenue_in_history_the_expected_value_is_the_probability(
    records: list[HistoryRecord],
) -> None:
    bare = [_without_revenue(r) for r in records[:1500]]
    report = backtest(bare, split_date=date(2025, 4, 1), seed=0, rates=RATES)
    assert all(s.stake == 1.0 and s.score == s.probability for s in report.scores)
    assert report.rankings["engine"] == report.rankings["probability"]
