"""Logs as JSON lines (structlog), each carrying what it is about: the request id of an HTTP
request, the job id of a worker's job, the declaration id where one is at hand, and the trace
when tracing is on. The standard
library's loggers (uvicorn, RQ, SQLAlchemy, Alembic) go through the same renderer.

How much is logged: `CLEARANCE_LOG_LEVEL` (INFO unless told; `clearance run` sets WARNING for
its children unless `--verbose`). `CLEARANCE_LOG_FORMAT=console` renders for a person instead.
"""

import json
import logging
import logging.config
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import structlog
from opentelemetry import trace

# What the renderer never shows, so no record gathers it (the logging HOWTO's "Optimization"):
# the caller's file and line (a walk up the stack per record), threads and processes.
logging._srcfile = None
logging.logThreads = False
logging.logProcesses = False
logging.logMultiprocessing = False

LOG_LEVEL_VARIABLE = "CLEARANCE_LOG_LEVEL"
LOG_FORMAT_VARIABLE = "CLEARANCE_LOG_FORMAT"


def _trace_ids(
    _logger: Any, _method: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    """With tracing on (clearance/tracing.py), a line names the trace and span it was logged in."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = format(context.trace_id, "032x")
        event["span_id"] = format(context.span_id, "016x")
    return event


_SHARED: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    _trace_ids,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def log_level() -> str:
    """The level's name, INFO when unset or not a level logging knows."""
    name = os.environ.get(LOG_LEVEL_VARIABLE, "INFO").upper()
    return name if isinstance(logging.getLevelName(name), int) else "INFO"


# What a LogRecord holds of its own: anything else on a record is the caller's `extra` (as
# structlog's ExtraAdder tells them apart).
_RECORD_KEYS = logging.LogRecord("name", 0, "pathname", 0, "msg", (), None).__dict__.keys()
# add_log_level's name for a method (a record's level name is one of the others already).
_LEVELS = {"warn": "warning", "exception": "error"}


class _Formatter(structlog.stdlib.ProcessorFormatter):
    """structlog's formatter, with a shorter way to the same line for a plain record.

    A record of the standard library's loggers with no exception or stack to show (the access
    log, "declaration lodged": two a lodgement, on the event loop) gets the fields the
    processors of `_SHARED` and `ExtraAdder` would give it, in their order, in one pass:
    without the copy of the record and the second formatting pass `ProcessorFormatter` makes,
    or a call per processor. Anything else takes structlog's own way.
    """

    def __init__(self, renderer: structlog.types.Processor) -> None:
        pre_chain: list[structlog.types.Processor] = [*_SHARED, structlog.stdlib.ExtraAdder()]
        super().__init__(
            foreign_pre_chain=pre_chain,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
        self._render = renderer

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info or record.stack_info or hasattr(record, "_logger"):
            return super().format(record)
        method = record.levelname.lower()
        event: dict[str, Any] = {"event": record.getMessage()}
        structlog.contextvars.merge_contextvars(None, method, event)
        _trace_ids(None, method, event)
        event["level"] = _LEVELS.get(method, method)  # add_log_level
        event["logger"] = record.name  # add_logger_name
        # TimeStamper(fmt="iso", utc=True)
        event["timestamp"] = datetime.now(tz=UTC).isoformat().replace("+00:00", "Z")
        for key, value in record.__dict__.items():  # ExtraAdder
            if key not in _RECORD_KEYS:
                event[key] = value
        rendered = self._render(None, method, event)
        assert isinstance(rendered, str)
        return rendered


class _Encoder:
    """`json.dumps` with the renderer's options, its encoder built once (`json.dumps` builds
    one per call when given any)."""

    def __init__(self) -> None:
        self._encode: Any = None

    def __call__(self, value: Any, **options: Any) -> str:
        if self._encode is None:
            self._encode = json.JSONEncoder(**options).encode
        encoded: str = self._encode(value)
        return encoded


def formatter() -> logging.Formatter:
    """The renderer every handler uses: JSON lines, or lines for a person."""
    console = os.environ.get(LOG_FORMAT_VARIABLE, "json").lower() == "console"
    renderer = (
        structlog.dev.ConsoleRenderer(colors=False)
        if console
        else structlog.processors.JSONRenderer(serializer=_Encoder(), ensure_ascii=False)
    )
    return _Formatter(renderer)


def dict_config() -> dict[str, Any]:
    """The logging set-up as `logging.config.dictConfig` takes it (uvicorn applies it in every
    process it starts)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": "clearance.logs.formatter"}},
        "handlers": {"stream": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["stream"], "level": log_level()},
    }


def configure() -> None:
    """Route every logger of this process through the renderer; safe to call again."""
    logging.config.dictConfig(dict_config())


@contextmanager
def bound(**values: str) -> Iterator[None]:
    """Every log line inside carries these values (a job's id, a declaration's id)."""
    # Reset by token: structlog's `bound_contextvars` reads the whole context twice to restore
    # what it overrode, on every request.
    tokens = structlog.contextvars.bind_contextvars(**values)
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**tokens)


def bind(**values: str) -> None:
    """The rest of this request or job logs these values too."""
    structlog.contextvars.bind_contextvars(**values)
