"""`clearance risk`: import history, train, backtest, as an operator runs them."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, create_engine, select

from clearance.risk.history import write_jsonl
from clearance.risk.models import RiskModelVersion
from clearance.synthetic.history import simulate

CLI = [sys.executable, "-m", "clearance", "risk"]


# Enough for a model that ranks (its validation AUC is 0.99) and a backtest with a test set of
# some hundreds; each command reads, writes or trains on all of it in a process of its own.
COUNT = 1200


@pytest.fixture(scope="module")
def history_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("history") / "history.jsonl"
    write_jsonl(
        simulate(seed=2, count=COUNT, start=datetime(2025, 1, 1, tzinfo=UTC), days=200), path
    )
    return path


def _run(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=300, check=True, env=env
    )
    return done.stdout


@pytest.mark.slow
def test_import_history_then_train_stores_an_active_model(
    history_file: Path, cloned_db: str
) -> None:
    env = {**os.environ, "CLEARANCE_DATABASE_URL": cloned_db}
    assert f"{COUNT} labeled declarations imported, 0 skipped" in _run(
        "import-history", str(history_file), env=env
    )
    assert f"0 labeled declarations imported, {COUNT} skipped" in _run(
        "import-history", str(history_file), env=env
    )
    assert "active" in _run("train", env=env).splitlines()[-1]
    engine = create_engine(cloned_db)
    with Session(engine) as session:
        [model] = session.exec(select(RiskModelVersion).where(col(RiskModelVersion.active))).all()
        assert model.trained_on == COUNT
        assert 0.5 < model.metrics["valid_auc"] <= 1
    engine.dispose()


def test_backtest_prints_json_and_writes_every_score(history_file: Path, tmp_path: Path) -> None:
    scores = tmp_path / "scores.jsonl"
    report = json.loads(
        _run(
            "backtest",
            "--history",
            str(history_file),
            "--split-date",
            "2025-05-15",
            "--json",
            "--scores-out",
            str(scores),
        )
    )
    for ranking in ("engine", "random", "xgboost"):
        assert set(report[ranking]["0.05"]) == {"precision", "recall", "revenue"}
        assert 0 <= report[ranking]["0.05"]["precision"] <= 1
    lines = [json.loads(line) for line in scores.read_text().splitlines()]
    fields = {"ucr", "score", "lodgement_score", "probability", "lodgement_probability", "stake"}
    assert lines and all(set(line) == fields for line in lines)
    assert len({line["ucr"] for line in lines}) == len(lines)
