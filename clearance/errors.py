"""Domain errors carry their HTTP status; one handler renders them as RFC 9457 problems."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://clearance.example/problems/"
# What a client is told to wait while the database is away (a restart takes seconds).
DATABASE_RETRY_AFTER_SECONDS = "5"
# And while every connection is taken (pool timeout, SQLite's write lock): a burst passes soon.
BUSY_RETRY_AFTER_SECONDS = "2"

logger = logging.getLogger(__name__)


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, with the fields that went wrong."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] = []


class ClearanceError(Exception):
    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


class NotFound(ClearanceError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(ClearanceError):
    status, code, title = 409, "conflict", "Conflict"


class Forbidden(ClearanceError):
    status, code, title = 403, "forbidden", "Forbidden"


class Unauthorized(ClearanceError):
    status, code, title = 401, "unauthorized", "Unauthorized"


class InvalidInput(ClearanceError):
    status, code, title = 422, "invalid_input", "Invalid input"


class PayloadTooLarge(ClearanceError):
    status, code, title = 413, "payload_too_large", "Payload too large"


class TooManyRequests(ClearanceError):
    status, code, title = 429, "rate_limited", "Too many requests"


class ServiceUnavailable(ClearanceError):
    status, code, title = 503, "unavailable", "Service unavailable"


def database_unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        "the database is unavailable", headers={"Retry-After": DATABASE_RETRY_AFTER_SECONDS}
    )


def database_busy() -> ServiceUnavailable:
    return ServiceUnavailable(
        "the service is busy: every database connection is in use",
        headers={"Retry-After": BUSY_RETRY_AFTER_SECONDS},
    )


def database_error(exc: OperationalError) -> ServiceUnavailable:
    """Busy (SQLite's write lock held past its timeout) or away: a 503 either way."""
    return database_busy() if "database is locked" in str(exc) else database_unavailable()


def invalid_field(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", errors=[FieldError(field=field, message=message)])


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_TYPE_BASE + code,
        title=title,
        status=status,
        detail=detail,
        code=code,
        errors=errors or [],
    )
    return JSONResponse(
        body.model_dump(), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] or parts
    return ".".join(parts) or "body"


async def _clearance_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ClearanceError)
    return problem_response(
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldError(
            # A body that is not JSON at all: the location is a character offset, not a field.
            field="body"
            if e.get("type") == "json_invalid"
            else _field_name(tuple(e.get("loc", ()))),
            message=str(e.get("msg", "")),
        )
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    return problem_response(
        status=422, code="invalid_input", title="Invalid input", detail=detail, errors=errors
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's only 400: a body its JSON parser gave up on (e.g. nested too deep). It is
        # malformed input like any other, so it gets the same answer as invalid JSON.
        return problem_response(
            status=422,
            code="invalid_input",
            title="Invalid input",
            detail=f"body: {exc.detail}",
            errors=[FieldError(field="body", message=str(exc.detail))],
        )
    return problem_response(
        status=exc.status_code,
        code=f"http_{exc.status_code}",
        title=str(exc.detail),
        detail=str(exc.detail),
        headers=dict(exc.headers or {}),
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OperationalError)
    # The connection was lost or refused wherever the request was (authentication, a query, the
    # commit): the same 503 as at the commit, never a 500. The pool reconnects by itself.
    logger.warning("database unavailable during %s %s: %s", request.method, request.url.path, exc)
    return await _clearance_error(request, database_error(exc))


async def _pool_timeout(request: Request, exc: Exception) -> JSONResponse:
    # Every connection of the pool stayed in use for the pool's timeout: an overload, not a
    # fault of this request, so a 503 the client may retry, never a 500.
    logger.warning("no database connection for %s %s: %s", request.method, request.url.path, exc)
    return await _clearance_error(request, database_busy())


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ClearanceError, _clearance_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


_PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": Problem, "description": title, "content": _PROBLEM_CONTENT}
    for status, title in [
        (400, "Bad request"),
        (401, "No or unknown API key"),
        (403, "The caller's role may not do this"),
        (404, "Not found, or not the caller's"),
        (409, "Conflict: illegal transition, idempotency key reuse, duplicate"),
        (413, "Body too large"),
        (415, "Unsupported media type (an upload judged by its bytes)"),
        (422, "Invalid input: each wrong field is named"),
        (429, "Too many requests for this API key; retry after the Retry-After header"),
        (503, "A backing service is down; retry after the Retry-After header"),
    ]
}
