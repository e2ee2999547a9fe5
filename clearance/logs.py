"""Logs as JSON lines (structlog), each carrying what it is about: the request id of an HTTP
request, the job id of a worker's job, the declaration id where one is at hand, and the trace
when tracing is on. The standard
library's loggers (uvicorn, RQ, SQLAlchemy, Alembic) go through the same renderer.

How much is logged: `CLEARANCE_LOG_LEVEL` (INFO unless told; `clearance run` sets WARNING for
its children unless `--verbose`). `CLEARANCE_LOG_FORMAT=console` renders for a person instead.
"""

import logging
import logging.config
import os
from collections.abc import Iterator
from contextlib import contextmanager
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


def formatter() -> logging.Formatter:
    """The renderer every handler uses: JSON lines, or lines for a person."""
    console = os.environ.get(LOG_FORMAT_VARIABLE, "json").lower() == "console"
    renderer = (
        structlog.dev.ConsoleRenderer(colors=False)
        if console
        else structlog.processors.JSONRenderer(ensure_ascii=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_SHARED, structlog.stdlib.ExtraAdder()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )


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
    with structlog.contextvars.bound_contextvars(**values):
        yield


def bind(**values: str) -> None:
    """The rest of this request or job logs these values too."""
    structlog.contextvars.bind_contextvars(**values)
