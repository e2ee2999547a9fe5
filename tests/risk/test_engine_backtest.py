"""The acceptance bar of the risk engine on the fraud simulator, after drift (issue 18)."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from clearance.reference.seed import reference_from_files
from clearance.risk.backtest import backtest
from clearance.risk.rules import hard_hit_by_goods
from clearance.synthetic.history import simulate

pytestmark = pytest.mark.long  # started first under xdist (tests/conftest.py)


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    records = simulate(seed=1, count=20000, start=datetime(2025, 1, 1, tzinfo=UTC), days=365)
    reference = reference_from_files()
    return backtest(
        records,
        split_date=date(2025, 8, 8),  # the simulator's drift (0.6 of the year)
        seed=7,
        exclude=lambda r: hard_hit_by_goods(
            (ln.hs_code for ln in r.lines), r.kind.value, reference
        ),
    ).to_dict()


def test_at_5_percent_the_engine_is_precise_and_catches_most_of_the_revenue(
    report: dict[str, Any],
) -> None:
    engine = report["engine"]["0.05"]
    assert engine["precision"] >= 0.90
    assert engine["revenue"] >= 0.89
    for baseline in ("xgboost", "random", "stake_only"):
        assert engine["revenue"] > report[baseline]["0.05"]["revenue"]
    assert engine["revenue"] > report["probability"]["0.05"]["revenue"]


def test_new_traders_declarations_yield_half_their_revenue_at_5_percent(
    report: dict[str, Any],
) -> None:
    new = report["new_traders"]
    assert 0.1 < new["share"] < 0.6
    assert new["engine"]["0.05"]["revenue"] >= 0.5
    assert new["engine"]["0.05"]["precision"] >= 0.90


def test_at_lodgement_the_engine_still_beats_every_baseline(report: dict[str, Any]) -> None:
    lodged = report["engine_lodgement"]["0.05"]
    assert lodged["precision"] >= 2 * report["random"]["0.05"]["precision"]
    assert lodged["precision"] >= report["xgboost"]["0.05"]["precision"]
    assert lodged["revenue"] > report["xgboost"]["0.05"]["revenue"]
