"""The locust scenario against the service as it runs: every user kind, every step, thresholds."""

import csv
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Collection
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from clearance import db
from clearance.declarations.models import Decision
from clearance.documents.models import Document
from clearance.review.models import Inspection

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = "loadtests/locustfile.py"
# Steps that run in any few seconds with queue items about (the run lasts until each has come);
# `recheck` and `release` follow only a race or a failure.
EVERY_RUN_STEPS = (
    "lodge", "upload", "status", "amend", "arrival", "claim", "documents", "check", "inspect",
    "decide", "metrics", "report",
)  # fmt: skip


def _locust(
    url: str,
    keys: dict[str, str],
    seconds: int,
    users: int,
    csv_prefix: Path,
    *,
    until_steps: Collection[str] = (),
    until: Callable[[], bool] = lambda: True,
    **settings: str,
) -> subprocess.CompletedProcess[str]:
    """Run the scenario headless from the repository root, as the README says; with
    `until_steps`, stopped (as Ctrl-C would) once each has been requested and `until` holds,
    `seconds` at most."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS_")}
    env.update(keys, CLEARANCE_LOADTEST_P99_MS="5000", **settings)
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        LOCUSTFILE,
        "--headless",
        "--only-summary",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{seconds}s",
        "--host",
        url,
        "--csv",
        str(csv_prefix),
        "--stop-timeout",
        "10",
    ]
    out, err = csv_prefix.with_suffix(".out"), csv_prefix.with_suffix(".err")
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=stdout, stderr=stderr)
        if until_steps:
            _stop_once_requested(process, csv_prefix, until_steps, until)
        returncode = process.wait(timeout=seconds + 60)
    return subprocess.CompletedProcess(command, returncode, out.read_text(), err.read_text())


def _stop_once_requested(
    process: subprocess.Popen[bytes],
    csv_prefix: Path,
    steps: Collection[str],
    until: Callable[[], bool],
) -> None:
    """On a busy machine the steps come slowly: the run lasts until each has come."""
    while process.poll() is None:
        seen = _requests_per_step(csv_prefix) if Path(f"{csv_prefix}_stats.csv").exists() else {}
        if all(seen.get(step, 0) > 0 for step in steps) and until():
            process.send_signal(signal.SIGTERM)  # locust stops its users and reports
            return
        time.sleep(0.5)


def _requests_per_step(csv_prefix: Path) -> dict[str, int]:
    """Requests per step name, from locust's own stats file (written once a second)."""
    with Path(f"{csv_prefix}_stats.csv").open(newline="") as stats:
        return {row["Name"]: int(row["Request Count"]) for row in csv.DictReader(stats)}


def _summary_row(stdout: str, step: str) -> tuple[int, int]:
    """(requests, failures) of a step, from the summary printed once every user has stopped."""
    for line in stdout.splitlines():
        fields = line.split()  # step, user, requests, failures, ...
        if len(fields) >= 4 and fields[0] == step and fields[2].isdigit():
            return int(fields[2]), int(fields[3])
    raise AssertionError(f"no summary line for {step}: {stdout[-2000:]}")


def _stored(database_url: str) -> tuple[int, int, int]:
    """Documents, inspections, and decisions taken by officers, as the database holds them."""
    engine = db.make_engine(database_url)
    try:
        with Session(engine) as session:
            documents = session.exec(select(func.count()).select_from(Document)).one()
            inspections = session.exec(select(func.count()).select_from(Inspection)).one()
            by_officers = session.exec(
                select(func.count())
                .select_from(Decision)
                .where(col(Decision.actor).startswith("officer:"))
            ).one()
    finally:
        engine.dispose()
    return documents, inspections, by_officers


def test_every_user_kind_runs_its_steps_and_a_missed_threshold_fails_the_run(
    live_service: str, loadtest_keys: dict[str, str], cloned_db: str, tmp_path: Path
) -> None:
    users = 10
    run = _locust(
        live_service,
        loadtest_keys,
        seconds=90,
        users=users,
        csv_prefix=tmp_path / "run",
        until_steps=EVERY_RUN_STEPS,
        # An `inspect` request may find the truck not yet come (the officer waits for it): the
        # run lasts until an inspection and an officer's decision are stored too.
        until=lambda: all(count > 0 for count in _stored(cloned_db)[1:]),
        CLEARANCE_LOADTEST_WAIT_MAX_S="0.5",
    )

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "all thresholds met" in run.stdout
    steps = _requests_per_step(tmp_path / "run")
    for step in EVERY_RUN_STEPS:
        assert steps.get(step, 0) > 0, f"no {step} request: {steps}"
    documents, inspections, by_officers = _stored(cloned_db)
    uploads, failed_uploads = _summary_row(run.stdout, "upload")
    # Every upload answered 201 is stored; stopped mid-run, each user may have had one more
    # upload on its way, stored but never answered.
    assert 0 <= documents - (uploads - failed_uploads) <= users
    assert inspections > 0
    assert by_officers > 0

    # The same service, an impossible limit on one step, and traders and the gate only.
    missed = _locust(
        live_service,
        loadtest_keys,
        seconds=6,
        users=4,
        csv_prefix=tmp_path / "missed",
        CLEARANCE_LOADTEST_P99_MS_LODGE="0.001",
        CLEARANCE_LOADTEST_OFFICERS="0",
        CLEARANCE_LOADTEST_OPERATORS="0",
    )

    assert missed.returncode == 1, missed.stdout[-3000:] + missed.stderr[-3000:]
    assert "threshold missed: lodge: p99" in missed.stdout
    assert "> 0.001 ms" in missed.stdout
    assert "threshold missed: status" not in missed.stdout  # the others keep the 5 s limit
    steps = _requests_per_step(tmp_path / "missed")
    assert "claim" not in steps and "metrics" not in steps  # no officers, no operators
