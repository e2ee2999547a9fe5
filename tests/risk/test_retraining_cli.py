"""`clearance risk retrain | models | activate`: the scheduled round and reactivation by hand."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, create_engine, select

from clearance.audit.models import AuditRecord
from clearance.risk.history import write_jsonl
from clearance.risk.models import RiskModelVersion
from clearance.synthetic.history import simulate

CLI = [sys.executable, "-m", "clearance", "risk"]


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.slow
def test_a_round_by_hand_then_any_version_activated_again(tmp_path: Path, cloned_db: str) -> None:
    history = tmp_path / "history.jsonl"
    write_jsonl(
        simulate(seed=2, count=300, start=datetime(2025, 1, 1, tzinfo=UTC), days=60), history
    )
    env = {**os.environ, "CLEARANCE_DATABASE_URL": cloned_db}
    assert _run("import-history", str(history), env=env).returncode == 0

    done = _run("retrain", env=env)
    assert done.returncode == 0, done.stderr
    version = json.loads(done.stdout)["trained"]
    [listed] = _run("models", env=env).stdout.splitlines()
    assert listed.split("\t")[:3] == [version, "-", "shadow"]

    activated = _run("activate", version, env=env)
    assert activated.returncode == 0, activated.stderr
    refused = _run("activate", "lgbm-none", env=env)
    assert (refused.returncode, refused.stderr.strip()) == (
        2,
        "refused: no model version lgbm-none",
    )

    engine = create_engine(cloned_db)
    with Session(engine) as session:
        row = session.exec(select(RiskModelVersion)).one()
        assert (row.active, row.status) == (True, "promoted")
        audit = session.exec(select(AuditRecord).where(AuditRecord.actor == "cli")).all()
        assert [(a.action, a.target_id) for a in audit] == [("risk.model.activated", version)]
    engine.dispose()
