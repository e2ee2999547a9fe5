"""The acceptance bar of the risk engine on the fraud simulator, after drift."""

from datetime import UTC, date, datetime

from clearance.reference.seed import reference_from_files
from clearance.risk.backtest import backtest
from clearance.risk.rules import hard_hit_by_goods
from clearance.synthetic.history import simulate


def test_after_drift_the_engine_beats_random_twice_and_the_plain_xgboost() -> None:
    records = simulate(seed=1, count=20000, start=datetime(2025, 1, 1, tzinfo=UTC), days=365)
    reference = reference_from_files()
    report = backtest(
        records,
        split_date=date(2025, 8, 8),  # the simulator's drift (0.6 of the year)
        seed=7,
        exclude=lambda r: hard_hit_by_goods(
            (ln.hs_code for ln in r.lines), r.kind.value, reference
        ),
    ).to_dict()
    engine, random, xgboost = (
        report[name]["0.05"]["precision"] for name in ("engine", "random", "xgboost")
    )
    assert engine >= 2 * random
    assert engine >= xgboost
