"""The lodging path's log lines (the access log, "declaration lodged") take the formatter's
short way: the same fields, in the same order, as structlog's own formatting gives them."""

import json
import logging
from typing import Any

import structlog
from opentelemetry import trace

from clearance import logs


def _structlogs_own() -> logging.Formatter:
    """The formatter as structlog builds it, every processor in its turn."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*logs._SHARED, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )


def _record(message: str, *args: Any, **extra: Any) -> logging.LogRecord:
    logger = logging.getLogger("clearance.declarations.intake")
    return logger.makeRecord(logger.name, logging.INFO, "", 0, message, args, None, extra=extra)


def _both(record: logging.LogRecord) -> tuple[dict[str, Any], dict[str, Any]]:
    short, own = logs.formatter().format(record), _structlogs_own().format(record)
    return json.loads(short), json.loads(own)


def test_an_access_line_inside_a_trace_names_it_as_structlog_does() -> None:
    record = _record(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "POST", "/v1/declarations", "1.1", 202
    )
    context = trace.SpanContext(
        trace_id=0x5CE0A1B2C3D4E5F60718293A4B5C6D7E,
        span_id=0x1A2B3C4D5E6F7081,
        is_remote=True,
        trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED),
    )

    with trace.use_span(trace.NonRecordingSpan(context)), logs.bound(request_id="r-7"):
        short, own = _both(record)

    short.pop("timestamp"), own.pop("timestamp")
    assert list(short.items()) == list(own.items())
    assert short["event"] == '127.0.0.1:5 - "POST /v1/declarations HTTP/1.1" 202'
    assert short["trace_id"] == "5ce0a1b2c3d4e5f60718293a4b5c6d7e"


def test_a_key_the_line_gives_wins_over_the_same_key_bound_in_the_context() -> None:
    record = _record("declaration lodged", declaration_id="from-the-line")

    with logs.bound(declaration_id="from-the-context"):
        short, own = _both(record)

    assert short["declaration_id"] == own["declaration_id"] == "from-the-line"
