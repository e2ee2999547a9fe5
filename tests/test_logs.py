"""Logs are JSON lines that say what they are about: the request, the declaration, the job."""

import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog
from fastapi.testclient import TestClient
from opentelemetry import trace

from clearance import logs
from tests.conftest import auth
from tests.factories import declaration


@pytest.fixture
def lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """What the service logs, as the JSON lines a log shipper would read."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_lodgement_is_logged_with_its_request_and_declaration_ids(
    client: TestClient, keys: dict[str, str], lines: Callable[[], list[dict[str, Any]]]
) -> None:
    headers = {**auth(keys["trader"]), "X-Request-ID": "gate-42.lane-3"}
    lodged = client.post("/v1/declarations", json=declaration(), headers=headers)

    assert lodged.status_code == 202, lodged.text
    assert lodged.headers["X-Request-ID"] == "gate-42.lane-3"
    [line] = [line for line in lines() if line["event"] == "declaration lodged"]
    assert line["request_id"] == "gate-42.lane-3"
    assert line["declaration_id"] == lodged.json()["id"]
    assert (line["level"], line["logger"], line["kind"]) == (
        "info",
        "clearance.declarations.intake",
        "import",
    )


def test_a_request_without_a_usable_id_gets_one_of_ours(
    client: TestClient, keys: dict[str, str]
) -> None:
    first = client.get("/healthz", headers={"X-Request-ID": "not an id!"})
    second = client.get("/healthz")

    ids = {first.headers["X-Request-ID"], second.headers["X-Request-ID"]}
    assert len(ids) == 2 and all(len(i) == 32 for i in ids)


def test_inside_a_job_every_line_carries_its_ids(lines: Callable[[], list[dict[str, Any]]]) -> None:
    with logs.bound(job_id="job-7", declaration_id="d-1"):
        logging.getLogger("workers.jobs").info("screening")
    logging.getLogger("workers.jobs").info("idle")

    screening, idle = lines()
    assert (screening["job_id"], screening["declaration_id"]) == ("job-7", "d-1")
    assert "job_id" not in idle and "timestamp" in idle


def test_a_line_logged_inside_a_trace_names_it(lines: Callable[[], list[dict[str, Any]]]) -> None:
    context = trace.SpanContext(
        trace_id=0x5CE0A1B2C3D4E5F60718293A4B5C6D7E,
        span_id=0x1A2B3C4D5E6F7081,
        is_remote=True,
        trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED),
    )
    with trace.use_span(trace.NonRecordingSpan(context)):
        logging.getLogger("workers.jobs").info("screening")
    logging.getLogger("workers.jobs").info("idle")

    traced, untraced = lines()
    assert traced["trace_id"] == "5ce0a1b2c3d4e5f60718293a4b5c6d7e"
    assert traced["span_id"] == "1a2b3c4d5e6f7081"
    assert "trace_id" not in untraced


@pytest.mark.parametrize("console", [False, True])
def test_a_plain_record_is_rendered_as_structlog_renders_it(
    console: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(logs.LOG_FORMAT_VARIABLE, "console" if console else "json")
    ours = logs.formatter()
    renderer = (
        structlog.dev.ConsoleRenderer(colors=False)
        if console
        else structlog.processors.JSONRenderer(ensure_ascii=False)
    )
    structlogs = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*logs._SHARED, structlog.stdlib.ExtraAdder()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    access = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s" %d', ("a", "b", 202), None
    )
    lodged = logging.LogRecord("clearance.x", logging.WARNING, "", 0, "lodged, %s", ("Lò",), None)
    lodged.ucr, lodged.kind, lodged.message = "MLT-1", "import", "formatted before"
    stamp = re.compile(r"20[0-9-]+T[0-9:.]+Z")
    with logs.bound(request_id="r-1", declaration_id="d-1"):
        for record in (access, lodged):
            assert stamp.sub("<at>", ours.format(record)) == stamp.sub(
                "<at>", structlogs.format(record)
            )
