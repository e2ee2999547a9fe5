"""Traces: with an OTLP endpoint configured, a lodgement and its screening are one trace across
the API and worker processes, with their SQL and Redis calls; without one, nothing is traced."""

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from redis import Redis

from clearance import tracing
from clearance.embedded import free_port
from tests.conftest import TRADER_TAX_CODE
from tests.factories import declaration
from tests.test_processes import CLI, _create_keys, _env, _healthy, _until

pytestmark = pytest.mark.slow
SCREEN_SPAN = "job workers.jobs.screen_pending"


class Collector(ThreadingHTTPServer):
    """An OTLP/HTTP receiver, as a collector is: it decodes what the exporters POST."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receive)
        self.spans: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def received(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.spans)


class _Receive(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest.FromString(body)
        spans = []
        for resource in request.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource.resource.attributes}
            for scope in resource.scope_spans:
                for span in scope.spans:
                    spans.append(
                        {
                            "service": attributes.get("service.name"),
                            "name": span.name,
                            "trace_id": span.trace_id.hex(),
                            "attributes": {a.key for a in span.attributes},
                            "scope": scope.scope.name,
                        }
                    )
        with self.server.lock:
            self.server.spans.extend(spans)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def traced_service(
    cloned_db: str, redis: Redis, redis_url: str, collector: Collector, tmp_path: Path
) -> Iterator[dict[str, Any]]:
    env = _env(
        CLEARANCE_DATABASE_URL=cloned_db,
        CLEARANCE_REDIS_URL=redis_url,
        CLEARANCE_NEW_TRADER_DECLARATIONS="0",
        CLEARANCE_RANDOM_RED_SHARE="0",
        OTEL_EXPORTER_OTLP_ENDPOINT=collector.url,
        OTEL_BSP_SCHEDULE_DELAY="100",
    )
    port = free_port()
    processes = [
        subprocess.Popen([*CLI, "api", "--port", str(port)], env=env, start_new_session=True),
        subprocess.Popen([*CLI, "worker"], env=env, start_new_session=True),
    ]
    try:
        keys = _create_keys(env, {"trader": TRADER_TAX_CODE})
        url = f"http://127.0.0.1:{port}"
        _until(lambda: _healthy(url), "the API")
        yield {"url": url, **keys}
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=15)


def test_a_lodgement_and_its_screening_are_one_trace_across_processes(
    traced_service: dict[str, Any], collector: Collector
) -> None:
    trader = {"Authorization": f"Bearer {traced_service['trader']}"}
    with httpx.Client(base_url=traced_service["url"], timeout=10) as http:
        lodged = http.post("/v1/declarations", json=declaration(), headers=trader)
        assert lodged.status_code == 202, lodged.text
        location = lodged.headers["Location"]
        _until(lambda: http.get(location, headers=trader).json()["state"] != "lodged", "screening")

    def lodgement_trace() -> list[dict[str, Any]] | None:
        spans = collector.received()
        roots = [s for s in spans if s["name"] == "POST /v1/declarations"]
        if not roots:
            return None
        trace = [s for s in spans if s["trace_id"] == roots[0]["trace_id"]]
        return trace if any(s["name"] == SCREEN_SPAN for s in trace) else None

    trace = _until(lodgement_trace, "the lodgement's trace from both processes")
    api = [s for s in trace if s["service"] == "clearance-api"]
    worker = [s for s in trace if s["service"] == "clearance-worker"]
    assert SCREEN_SPAN in {s["name"] for s in worker}
    for spans in (api, worker):
        scopes = {s["scope"] for s in spans}
        assert "opentelemetry.instrumentation.sqlalchemy" in scopes, scopes
        statements = [s for s in spans if {"db.statement", "db.query.text"} & s["attributes"]]
        assert statements, spans
    # The worker's Redis commands (RQ's bookkeeping of the job) are in the trace too.
    assert "opentelemetry.instrumentation.redis" in {s["scope"] for s in worker}


def test_without_an_endpoint_nothing_is_traced_and_jobs_carry_no_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in tracing.ENDPOINT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert not tracing.enabled()
    assert tracing.job_meta() == {}
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    assert tracing.enabled()
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert not tracing.enabled()
