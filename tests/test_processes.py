"""The service as it runs: API and worker processes, the CLI, metrics across processes."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis

from clearance.embedded import free_port
from tests.conftest import TRADER_TAX_CODE, database_from
from tests.documents.helpers import pdf
from tests.factories import declaration
from tests.helpers import required_documents

pytestmark = [pytest.mark.slow, pytest.mark.long]
CLI = [sys.executable, "-m", "clearance"]
# Bounds, not waits: generous for a 2-core machine that runs other suites beside this one.
DEADLINE_SECONDS = 60.0
# `clearance run` trains its first model before the API starts (about 10 s of one core alone,
# several times that on 2 cores under the whole suite; tests/test_tour.py allows as much).
RUN_START_SECONDS = 180.0


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS_")}
    env.update(extra)
    return env


def _create_keys(env: dict[str, str], roles: dict[str, str | None]) -> dict[str, str]:
    """A key per role (with its tax code, if any) from `clearance keys create`, run side by side."""
    running = {
        role: subprocess.Popen(
            [*CLI, "keys", "create", "--role", role, *(["--tax-code", code] if code else [])],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for role, code in roles.items()
    }
    keys = {}
    for role, process in running.items():
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        keys[role] = out.strip().splitlines()[-1]
    return keys


def _until(check: Any, what: str, seconds: float = DEADLINE_SECONDS) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def module_db(template_db: str) -> Iterator[str]:
    """A database of the module's own, cloned from the migrated template."""
    with database_from(template_db) as url:
        yield url


@contextmanager
def running_service(
    database_url: str, redis_url: str, metrics_dir: Path, **settings: str
) -> Iterator[dict[str, Any]]:
    """Two API processes and two workers on the database, with `settings` (`CLEARANCE_*`
    variables) beside the tests' own; their URL, keys and environment."""
    Redis.from_url(redis_url).flushdb()
    env = _env(
        CLEARANCE_DATABASE_URL=database_url,
        CLEARANCE_REDIS_URL=redis_url,
        CLEARANCE_NEW_TRADER_DECLARATIONS="0",
        CLEARANCE_RANDOM_RED_SHARE="0",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        **settings,
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    processes = [
        subprocess.Popen(
            [*CLI, "api", "--port", str(port), "--processes", "2"], env=env, start_new_session=True
        ),
        *(subprocess.Popen([*CLI, "worker"], env=env, start_new_session=True) for _ in range(2)),
    ]
    try:
        # Made while the API starts: each command is a Python process of its own.
        keys = _create_keys(
            env, {"trader": TRADER_TAX_CODE, "gate": None, "operator": None, "bank": None}
        )
        _until(lambda: _healthy(url), "the API")
        yield {"url": url, **keys, "env": env}
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=15)
        Redis.from_url(redis_url).flushdb()


@pytest.fixture(scope="module")
def service(
    module_db: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The service on a database of the module's own, started once for its tests (each some
    dozen Python start-ups): each test counts what it adds."""
    with running_service(module_db, redis_url, tmp_path_factory.mktemp("metrics")) as running:
        yield running


def _upload_documents(
    http: httpx.Client, headers: dict[str, str], location: str, body: dict[str, Any]
) -> None:
    for fields in required_documents(body):
        uploaded = http.post(
            f"{location}/documents",
            files={"file": ("scan.pdf", pdf(), "application/pdf")},
            data={"fields": json.dumps(fields)},
            headers=headers,
        )
        assert uploaded.status_code == 201, uploaded.text


def _pay(http: httpx.Client, bank_key: str, declaration_id: str) -> None:
    """The bank pays what the declaration owes, as its notice says."""
    bank = {"Authorization": f"Bearer {bank_key}"}
    owed = http.get(f"/v1/declarations/{declaration_id}/duties", headers=bank).json()
    notice = {
        "bank_reference": f"VCB-{uuid.uuid4().hex[:16]}",
        "declaration_id": declaration_id,
        "amount_vnd": owed["outstanding_vnd"],
        "paid_at": datetime.now(UTC).isoformat(),
    }
    paid = http.post("/v1/payments/notifications", json=notice, headers=bank)
    assert paid.status_code == 201, paid.text


def _metric(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def _declaration_ids(service: dict[str, Any]) -> set[str]:
    """The declarations the module's service holds already (its other tests lodged them)."""
    operator = {"Authorization": f"Bearer {service['operator']}"}
    with httpx.Client(base_url=service["url"], timeout=10) as http:
        listed = http.get("/v1/declarations?limit=100", headers=operator)
    assert listed.status_code == 200, listed.text
    return {d["id"] for d in listed.json()["items"]}


def test_declarations_flow_through_api_and_worker_processes(service: dict[str, Any]) -> None:
    url = service["url"]
    trader = {"Authorization": f"Bearer {service['trader']}"}
    gate = {"Authorization": f"Bearer {service['gate']}"}
    ids = []
    with httpx.Client(base_url=url, timeout=10) as http:
        before = http.get("/metrics").text
        for _ in range(6):
            body = declaration()
            response = http.post("/v1/declarations", json=body, headers=trader)
            assert response.status_code == 202, response.text
            ids.append(response.json()["id"])
            _upload_documents(http, trader, response.headers["Location"], body)
        for declaration_id in ids:
            _until(
                lambda d=declaration_id: (
                    http.get(f"/v1/declarations/{d}", headers=trader).json()["state"] == "decided"
                ),
                "screening",
            )
            _pay(http, service["bank"], declaration_id)
            arrived = http.post(
                f"/v1/declarations/{declaration_id}/arrival",
                json={"weighbridge_kg": "20400"},
                headers=gate,
            )
            assert arrived.json()["state"] == "released"

        scraped = http.get("/metrics").text

    def added(name: str, **labels: str) -> float:
        return _metric(scraped, name, **labels) - _metric(before, name, **labels)

    # Six lodgements over two API processes and their screenings over two workers, summed.
    assert added("clearance_declarations_lodged_total", kind="import") == 6
    assert added("clearance_screenings_total", channel="green") == 6
    assert added("clearance_lodgement_to_channel_seconds_count", channel="green") == 6
    assert added("clearance_lodgement_to_release_seconds_count", channel="green") == 6
    # Screening jobs are triggers: one screens whatever is pending by then.
    assert 1 <= added("clearance_jobs_total", job="screen", outcome="done") <= 6
    assert _metric(scraped, "clearance_queue_depth", queue="clearance-screening") == 0
    posted = {"method": "POST", "route": "/v1/declarations", "status": "202"}
    assert added("clearance_http_requests_total", **posted) == 6


def test_the_demo_pays_the_duty_as_the_bank_and_its_goods_are_released(
    service: dict[str, Any],
) -> None:
    url = service["url"]
    earlier = _declaration_ids(service)
    command = [*CLI, "demo", "--url", url, "--count", "12", "--interval", "0", "--seed", "3"]
    demo = subprocess.run(
        command, env=service["env"], capture_output=True, text=True, check=True, timeout=120
    )
    assert "paid " in demo.stdout, demo.stdout[-2000:]
    operator = {"Authorization": f"Bearer {service['operator']}"}

    def paid_and_released() -> list[str]:
        with httpx.Client(base_url=url, timeout=10) as http:
            listed = http.get("/v1/declarations?limit=100", headers=operator).json()["items"]
            details = [
                http.get(f"/v1/declarations/{d['id']}", headers=operator).json()
                for d in listed
                if d["id"] not in earlier
            ]
        return [
            d["id"]
            for d in details
            if d["state"] in {"released", "exited"}
            and "payment" in [e["action"] for e in d["events"]]
        ]

    assert _until(paid_and_released, "a paid import released")


def test_the_quiet_demo_says_a_line_per_truck_and_its_officers_work_the_queue(
    service: dict[str, Any],
) -> None:
    url = service["url"]
    earlier = _declaration_ids(service)
    command = [*CLI, "demo", "--url", url, "--count", "16", "--interval", "0", "--seed", "5"]
    command += ["--officers", "2", "--quiet"]
    demo = subprocess.run(
        command, env=service["env"], capture_output=True, text=True, check=True, timeout=180
    )
    said = demo.stdout.splitlines()
    assert len([line for line in said if line.startswith("lodged ")]) == 16, demo.stdout
    assert not [line for line in said if line.startswith(("uploaded ", "arrived ", "paid "))]
    worked = [line for line in said if line.startswith("officer ")]
    assert worked, demo.stdout  # some declarations were not green, and officers took them
    assert all(" released " in line or " sent to inspection " in line for line in worked), worked
    operator = {"Authorization": f"Bearer {service['operator']}"}
    with httpx.Client(base_url=url, timeout=10) as http:
        listed = http.get("/v1/declarations?limit=100", headers=operator).json()["items"]
    ours = [d for d in listed if d["id"] not in earlier]
    assert len(ours) == 16, ours
    by_officers = {"decided", "inspection", "released", "exited"}  # past their review
    worked_on = [d for d in ours if d["channel"] != "green" and d["state"] in by_officers]
    assert worked_on, listed


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The README's run command, started once for the module's tests of it: its own
    redis-server, SQLite, a first model trained on simulated history, the API and a worker."""
    port = free_port()
    env = {
        k: v
        for k, v in _env(CLEARANCE_NEW_TRADER_DECLARATIONS="0").items()
        if k not in {"CLEARANCE_DATABASE_URL", "CLEARANCE_REDIS_URL"}
    }
    data_dir = tmp_path_factory.mktemp("run") / "data"
    command = [*CLI, "run", "--port", str(port), "--no-demo", "--data-dir", str(data_dir)]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        keys_file = data_dir / "keys.txt"
        _until(lambda: keys_file.exists() and _healthy(url), "clearance run", RUN_START_SECONDS)
        keys = dict(line.split() for line in keys_file.read_text().splitlines())
        yield {"url": url, "keys": keys, "data_dir": data_dir, "process": process}
    finally:
        process.terminate()  # `clearance run` stops its children itself, Redis last
        process.wait(timeout=30)
    assert process.returncode == 130


def _worker_pids(run_pid: int) -> set[int]:
    """The live worker children of `clearance run` (a killed one may linger as a zombie)."""
    found = set()
    for child in psutil.Process(run_pid).children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "worker" in child.cmdline():
                found.add(child.pid)
        except psutil.Error:
            continue  # gone meanwhile
    return found


def test_clearance_run_restarts_a_killed_worker_and_the_api_keeps_answering(
    embedded: dict[str, Any],
) -> None:
    # First of the module's two: its worker is killed idle. One killed mid-job would hold the
    # screening or re-check marker until it expires (a minute), after which the sweeper's
    # round or the next lodgement recovers: the fault tests (tests/faults) bound that case.
    url, keys, process = embedded["url"], embedded["keys"], embedded["process"]
    (killed,) = _until(lambda: _worker_pids(process.pid), "the worker")

    os.kill(killed, signal.SIGKILL)

    replacement = _until(lambda: _worker_pids(process.pid) - {killed}, "a new worker")
    assert process.poll() is None
    assert _healthy(url)
    with httpx.Client(base_url=url, timeout=10) as http:
        body = declaration("0101234567")
        trader = {"Authorization": f"Bearer {keys['trader']}"}
        lodged = http.post("/v1/declarations", json=body, headers=trader)
        assert lodged.status_code == 202, lodged.text
        location = lodged.headers["Location"]
        _upload_documents(http, trader, location, body)
        _until(
            lambda: http.get(location, headers=trader).json()["state"] == "decided",
            "screening by the new worker",
        )
    assert _worker_pids(process.pid) == replacement


def test_clearance_run_starts_everything_embedded(embedded: dict[str, Any]) -> None:
    keys = embedded["keys"]
    with httpx.Client(base_url=embedded["url"], timeout=10) as http:
        operator = {"Authorization": f"Bearer {keys['operator']}"}
        models = http.get("/v1/risk/models", headers=operator).json()
        assert [m["active"] for m in models] == [True], models  # trained at the first start
        body = declaration("0101234567")
        trader = {"Authorization": f"Bearer {keys['trader']}"}
        lodged = http.post("/v1/declarations", json=body, headers=trader)
        assert lodged.status_code == 202, lodged.text
        location = lodged.headers["Location"]
        _upload_documents(http, trader, location, body)
        officer = {"Authorization": f"Bearer {keys['officer']}"}
        _until(
            lambda: http.get(location, headers=officer).json()["state"] == "decided",
            "green decision",
        )
        _pay(http, keys["bank"], location.rsplit("/", 1)[-1])
        arrived = http.post(
            f"{location}/arrival",
            json={"weighbridge_kg": "20400"},
            headers={"Authorization": f"Bearer {keys['gate']}"},
        )
        assert arrived.json()["state"] == "released"
    assert (embedded["data_dir"] / "clearance.db").exists()
