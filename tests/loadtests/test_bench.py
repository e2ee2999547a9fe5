"""The benchmark, run for real on a small scale: PostgreSQL, Redis, wrk, the CLI's processes."""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loadtests.bench_services import database_exists
from tests.conftest import PG_ADMIN_URL
from tests.needs import need

pytestmark = [pytest.mark.slow, pytest.mark.long]
COUNT, SAMPLE, RSS_JOBS, RSS_DECLARATIONS = 60, 10, 500, 300
PACED_RATE, PACED_SECONDS = 40, 1
PREFILL = 300
ADMIN_URL = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    need(shutil.which("wrk") is not None, "wrk", "apt-get install wrk")
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    command = [
        sys.executable,
        "-m",
        "loadtests.bench_matrix",
        "--workers",
        "1",
        "--prefill",
        str(PREFILL),
        "--json",
        str(out),
        "--",
        "--count",
        str(COUNT),
        "--api-processes",
        "1",
        "--release-sample",
        str(SAMPLE),
        "--rss-jobs",
        str(RSS_JOBS),
        "--rss-declarations",
        str(RSS_DECLARATIONS),
        "--pg-admin-url",
        ADMIN_URL,
        "--paced-rate",
        str(PACED_RATE),
        "--paced-seconds",
        str(PACED_SECONDS),
        "--no-model",  # training takes 15 s of a 2-core machine; the model is not under test
    ]
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "CPU ms per declaration" in done.stdout
    assert f"database: {PREFILL} cleared declarations before the run" in done.stdout
    # The matrix of one run: its table against the targets, its figures under `runs`.
    assert "Targets: >=" in done.stdout
    (run,) = json.loads(out.read_text())["runs"]
    assert (run["workers"], run["prefill"]) == (1, PREFILL)
    assert run["figures"]["screened_per_second"] > 0
    return dict(run["result"])


def test_every_declaration_is_lodged_found_in_the_database_and_screened(
    result: dict[str, Any],
) -> None:
    intake, e2e = result["service"]["intake"], result["service"]["end_to_end"]

    assert result["problems"] == []
    assert intake["accepted"] == intake["in_database"] == COUNT
    assert intake["refused"] == 0
    assert e2e["declarations"] == e2e["with_channel"] == COUNT + SAMPLE
    assert intake["requests_per_second"] > 0
    assert 0 < intake["latency_ms"]["p50"] <= intake["latency_ms"]["p99"]
    assert e2e["lodged_to_channel_ms"]["n"] == COUNT + SAMPLE
    assert e2e["worker_declarations_per_second"] > 0


def test_the_paced_run_offers_its_rate_and_times_each_answer_from_its_due_time(
    result: dict[str, Any],
) -> None:
    paced, count = result["service"]["paced"], PACED_RATE * PACED_SECONDS

    assert paced["offered_per_second"] == PACED_RATE
    assert paced["bodies"] == paced["accepted"] == count and paced["errors"] == 0
    assert 0 < paced["latency_ms"]["p50"] <= paced["latency_ms"]["p99"]
    assert set(paced["cpu"]["ms_per_unit"]) >= {"api", "database", "redis", "workers"}
    assert paced["end_to_end"]["with_channel"] == count


def test_the_release_sample_goes_through_to_release(result: dict[str, Any]) -> None:
    sample = result["service"]["release_sample"]

    assert sample["lodged"] == sample["declarations"] == SAMPLE
    assert sample["released"] == sample["lodged_to_released_ms"]["n"] <= sample["green"]
    if sample["released"]:
        assert sample["lodged_to_released_ms"]["p50"] > 0


def test_the_baselines_run_before_and_after_the_service(result: dict[str, Any]) -> None:
    assert len(result["bare_api"]["runs"]) == len(result["bare_rq"]["runs"]) == 2
    assert result["bare_api"]["accepted"] == COUNT
    assert result["bare_api"]["requests_per_second"] > 0
    assert result["bare_rq"]["finished"] == COUNT
    assert result["bare_rq"]["jobs_per_second"] > 0
    assert result["ratios"]["intake_requests_per_second"] > 0
    assert result["ratios"]["worker_per_second"] > 0


def test_cpu_is_measured_for_every_component(result: dict[str, Any]) -> None:
    per_declaration = result["service"]["cpu"]["ms_per_unit"]

    assert set(per_declaration) == {"api", "database", "redis", "workers", "load_generator"}
    assert all(value > 0 for value in per_declaration.values()), per_declaration
    assert result["service"]["cpu"]["machine_busy_seconds"] > 0


def test_worker_memory_is_read_at_start_and_end(result: dict[str, Any]) -> None:
    memory = result["worker_memory"]

    assert (memory["done"], memory["unit"]) == (RSS_JOBS, "no-op jobs")
    assert all(value > 0 for value in memory["rss_mb"].values())
    assert all(w["start"] > 0 and w["end"] > 0 for w in result["service"]["worker_rss_mb"])


def test_a_worker_screens_every_waiting_declaration_while_its_memory_is_read(
    result: dict[str, Any],
) -> None:
    memory = result["worker_memory_declarations"]

    # Done counts those no longer waiting: every one written was screened.
    assert (memory["done"], memory["units"], memory["unit"]) == (
        RSS_DECLARATIONS,
        RSS_DECLARATIONS,
        "declarations",
    )
    assert memory["per_second"] > 0
    assert all(value > 0 for value in memory["rss_mb"].values())


def test_the_history_is_written_before_the_run_and_left_alone_by_it(
    result: dict[str, Any],
) -> None:
    assert result["prefill"]["declarations"] == PREFILL
    # The run's figures are of its own declarations, not of the history beside them.
    assert result["service"]["end_to_end"]["declarations"] == COUNT + SAMPLE


def test_the_private_database_is_dropped(result: dict[str, Any]) -> None:
    assert result["database"].startswith("bench_")
    assert result["database_dropped"]
    assert not database_exists(ADMIN_URL, result["database"])
