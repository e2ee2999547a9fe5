"""OpenTelemetry traces across the API, the workers, SQL, Redis and outgoing HTTP.

Off unless an OTLP endpoint is configured with the standard variables
(`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; the SDK reads the rest
of `OTEL_*` itself), so a service without a collector pays nothing. The packages come with the
`otel` extra. A job carries the trace context of the request that enqueued it in its meta, so a
declaration's lodgement and its screening are one trace.
"""

import os
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from functools import cache
from typing import Any

from fastapi.telemetry import TelemetryConfig

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
# Where a job keeps the context of whoever enqueued it (W3C `traceparent`, `tracestate`).
META_KEY = "otel"
UNTRACED_PATHS = frozenset({"/metrics", "/healthz", "/readyz"})


def enabled() -> bool:
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(os.environ.get(name) for name in ENDPOINT_VARIABLES)


@cache
def _started(service_name: str) -> bool:
    """The tracer provider, its OTLP exporter and the library instrumentations; once a process."""
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
        from opentelemetry.instrumentation.redis import RedisInstrumentor
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        raise RuntimeError(
            "an OTLP endpoint is configured but OpenTelemetry is not installed: "
            "pip install 'clearance[otel]'"
        ) from exc
    from clearance import db

    name = os.environ.get("OTEL_SERVICE_NAME") or service_name
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    # Its declared range stops below SQLAlchemy 2.1, whose engine events it hooks are unchanged;
    # tests/test_tracing.py checks that the statements are traced.
    SQLAlchemyInstrumentor().instrument(engine=db.get_engine(), skip_dep_check=True)
    RedisInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()
    return True


def _untraced(scope: MutableMapping[str, Any]) -> bool:
    # /metrics is scraped every few seconds: its spans would drown the declarations'.
    return scope.get("path") in UNTRACED_PATHS


# FastAPI traces its requests itself (its native OpenTelemetry support) once a tracer
# provider is set; this keeps the probes and the scrapes out.
FASTAPI_TELEMETRY: TelemetryConfig = {"exclude": _untraced}
# Without an endpoint there is no provider to find: FastAPI would still look for one on every
# request (several environment lookups each time).
FASTAPI_TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def fastapi_telemetry() -> TelemetryConfig:
    """FastAPI's native telemetry: on when tracing is, else off for the process's life."""
    return FASTAPI_TELEMETRY if enabled() else FASTAPI_TELEMETRY_OFF


def start_api() -> None:
    """Trace the API's requests (and what they do) when an endpoint is configured."""
    if enabled():
        _started("clearance-api")


def start_worker() -> None:
    """Trace a worker's jobs (and what they do) when an endpoint is configured."""
    if enabled():
        _started("clearance-worker")


def job_meta() -> dict[str, Any]:
    """What a job to enqueue carries: the current trace context, if tracing is on."""
    if not enabled():
        return {}
    from opentelemetry import propagate

    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return {META_KEY: carrier} if carrier else {}


@contextmanager
def job_span(name: str, meta: dict[str, Any]) -> Iterator[None]:
    """A span around a job, a child of the request that enqueued it."""
    if not enabled():
        yield
        return
    from opentelemetry import propagate, trace

    carrier = meta.get(META_KEY)
    context = propagate.extract(carrier) if isinstance(carrier, dict) else None
    tracer = trace.get_tracer(__name__)
    with tracer.start_as_current_span(name, context=context, kind=trace.SpanKind.CONSUMER):
        yield
