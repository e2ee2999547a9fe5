"""The Prometheus rules and config pass promtool, and the rules' unit tests pass."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.needs import need

PROMETHEUS = Path(__file__).parents[2] / "deploy" / "prometheus"


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    need(found is not None, "promtool", "apt-get install -y prometheus")
    assert found is not None
    return found


def _run(*args: str) -> str:
    done = subprocess.run(
        args, cwd=PROMETHEUS, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_rules_are_valid(promtool: str) -> None:
    assert "SUCCESS" in _run(promtool, "check", "rules", "rules.yml")


def test_rules_behave_on_synthetic_series(promtool: str) -> None:
    assert "SUCCESS" in _run(promtool, "test", "rules", "rules_test.yml")


def test_scrape_config_is_valid_and_loads_the_rules(promtool: str) -> None:
    out = _run(promtool, "check", "config", "prometheus.yml")
    assert "rules.yml" in out
    assert "SUCCESS" in out
