"""A running service to load, and the API keys each kind of locust user needs on it."""

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis import Redis
from rq import Worker

from clearance import db
from clearance.auth.models import Role
from clearance.clock import get_clock
from clearance.embedded import create_keys, free_port
from clearance.synthetic.mandates import grant_demo_mandates
from tests.faults.harness import STARTUP_SECONDS, until
from tests.test_processes import CLI, _env, _healthy

# Two of the demo's traders; with the demo's mandates they also lodge for clients, as brokers.
TAX_CODES = ("6200123456", "6200345678")
OFFICERS = 2


@pytest.fixture
def live_service(cloned_db: str, redis: Redis, redis_url: str, tmp_path: Path) -> Iterator[str]:
    """An API process and a worker on the test's database; its URL.

    Half the declarations go red at random, so that officers have goods to inspect within
    seconds rather than waiting for the rules to find some.
    """
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = _env(
        CLEARANCE_DATABASE_URL=cloned_db,
        CLEARANCE_REDIS_URL=redis_url,
        CLEARANCE_RANDOM_RED_SHARE="0.5",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    processes = [
        subprocess.Popen(
            [*CLI, "api", "--port", str(port), "--processes", "1"], env=env, start_new_session=True
        ),
        subprocess.Popen([*CLI, "worker"], env=env, start_new_session=True),
    ]
    try:
        until(lambda: _healthy(url), "the API", timeout=STARTUP_SECONDS)
        # A worker registers once it has loaded what screening needs (`jobs.warm_up`).
        until(lambda: bool(Worker.all(connection=redis)), "the worker", timeout=STARTUP_SECONDS)
        yield url
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=15)


@pytest.fixture
def loadtest_keys(cloned_db: str, configure: Callable[..., None]) -> dict[str, str]:
    """The CLEARANCE_LOADTEST_*_KEY variables, made in the test's database as the CLI would."""
    configure(database_url=cloned_db)
    db.get_engine.cache_clear()
    try:
        traders = {
            code: create_keys({Role.trader: code}, "loadtest")[Role.trader] for code in TAX_CODES
        }
        with db.unit_of_work() as session:
            grant_demo_mandates(session=session, clock=get_clock(), brokers=traders)
        officers = [
            create_keys({Role.officer: None}, "loadtest")[Role.officer] for _ in range(OFFICERS)
        ]
        others = create_keys({Role.gate: None, Role.operator: None}, "loadtest")
    finally:
        db.get_engine().dispose()
    return {
        "CLEARANCE_LOADTEST_TRADER_KEYS": ",".join(f"{c}:{k}" for c, k in traders.items()),
        "CLEARANCE_LOADTEST_GATE_KEY": others[Role.gate],
        "CLEARANCE_LOADTEST_OFFICER_KEY": ",".join(officers),
        "CLEARANCE_LOADTEST_OPERATOR_KEY": others[Role.operator],
        "CLEARANCE_LOADTEST_OFFICERS": str(OFFICERS),
    }
