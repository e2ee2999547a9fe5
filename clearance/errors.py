"""Domain errors carry their HTTP status; one handler renders them as RFC 9457 problems.

An error carries a `Message` (a catalogue code with parameters), never a sentence: the handler
renders it in the request's language and gives the code and parameters beside the text.
"""

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException

from clearance import messages, pydantic_errors
from clearance.catalogue import TEMPLATES
from clearance.messages import Message

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://clearance.example/problems/"
# What a client is told to wait while the database is away (a restart takes seconds).
DATABASE_RETRY_AFTER_SECONDS = "5"
# And while every connection is taken (pool timeout, SQLite's write lock): a burst passes soon.
BUSY_RETRY_AFTER_SECONDS = "2"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FieldError:
    """A field that went wrong and why, as a message."""

    field: str
    message: Message


class MessageRef(BaseModel):
    """A message as a code of the catalogue and its parameters, for a client to render."""

    code: str
    params: dict[str, Any] = {}


class ProblemField(BaseModel):
    field: str
    message: str = Field(description="Why, in the language Accept-Language asked for.")
    code: str = Field(description="The message's code in the catalogue.")
    params: dict[str, Any] = {}


class Problem(BaseModel):
    """RFC 9457 problem details, with the fields that went wrong."""

    type: str
    title: str
    status: int
    detail: str = Field(description="In the language Accept-Language asked for (English else).")
    code: str
    message: MessageRef = Field(description="The detail as a code and its parameters.")
    errors: list[ProblemField] = []


class ClearanceError(Exception):
    status: int = 400
    code: str = "bad_request"
    title: Message = Message("title.bad_request")

    def __init__(
        self,
        message: Message,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if not isinstance(message, Message):  # a sentence would be English whatever was asked
            raise TypeError(f"{type(self).__name__} takes a Message, not {message!r}")
        super().__init__(message.text)
        self.message = message
        self.errors = errors or []
        self.headers = headers or {}

    @property
    def detail(self) -> str:
        """The detail in English (logs, the command line)."""
        return self.message.text


class NotFound(ClearanceError):
    status, code, title = 404, "not_found", Message("title.not_found")


class Conflict(ClearanceError):
    status, code, title = 409, "conflict", Message("title.conflict")


class Forbidden(ClearanceError):
    status, code, title = 403, "forbidden", Message("title.forbidden")


class Unauthorized(ClearanceError):
    status, code, title = 401, "unauthorized", Message("title.unauthorized")


class InvalidInput(ClearanceError):
    status, code, title = 422, "invalid_input", Message("title.invalid_input")


class PayloadTooLarge(ClearanceError):
    status, code, title = 413, "payload_too_large", Message("title.payload_too_large")


class TooManyRequests(ClearanceError):
    status, code, title = 429, "rate_limited", Message("title.rate_limited")


class ServiceUnavailable(ClearanceError):
    status, code, title = 503, "unavailable", Message("title.unavailable")


class HttpError(ClearanceError):
    """Starlette's own (no such route, method not allowed): its status, our words."""

    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        known = f"http.{status}" in TEMPLATES[messages.ENGLISH]
        said = Message(f"http.{status}") if known else Message("http.other", {"status": status})
        self.status, self.code, self.title = status, f"http_{status}", said
        super().__init__(said, headers=headers)


def database_unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        Message("error.database_unavailable"),
        headers={"Retry-After": DATABASE_RETRY_AFTER_SECONDS},
    )


def database_busy() -> ServiceUnavailable:
    return ServiceUnavailable(
        Message("error.database_busy"), headers={"Retry-After": BUSY_RETRY_AFTER_SECONDS}
    )


def database_error(exc: OperationalError) -> ServiceUnavailable:
    """Busy (SQLite's write lock held past its timeout) or away: a 503 either way."""
    return database_busy() if "database is locked" in str(exc) else database_unavailable()


def field_detail(errors: list[FieldError]) -> Message:
    """The detail of an invalid input: each field and why."""
    fields = [Message("error.field", {"field": e.field, "message": e.message}) for e in errors]
    return fields[0] if len(fields) == 1 else Message("error.fields", {"errors": fields})


def invalid_field(field: str, message: Message) -> InvalidInput:
    error = FieldError(field=field, message=message)
    return InvalidInput(field_detail([error]), errors=[error])


def invalid_fields(errors: list[FieldError]) -> InvalidInput:
    return InvalidInput(field_detail(errors), errors=errors)


def language_of(headers: Headers) -> str:
    """The language of a request's problem: English unless Accept-Language asks otherwise."""
    return messages.negotiate(headers.get("accept-language"))


def problem(error: ClearanceError, lang: str) -> Problem:
    return Problem(
        type=PROBLEM_TYPE_BASE + error.code,
        title=error.title.render(lang),
        status=error.status,
        detail=error.message.render(lang),
        code=error.code,
        message=MessageRef(**error.message.as_json()),
        errors=[
            ProblemField(field=e.field, message=e.message.render(lang), **e.message.as_json())
            for e in error.errors
        ],
    )


def problem_response(error: ClearanceError, lang: str) -> JSONResponse:
    return JSONResponse(
        problem(error, lang).model_dump(mode="json"),
        status_code=error.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=error.headers or None,
    )


def validation_error(exc: RequestValidationError) -> InvalidInput:
    """Pydantic's errors as ours: each field named, each reason a message."""
    errors = [
        FieldError(pydantic_errors.field_name(e), pydantic_errors.message(e)) for e in exc.errors()
    ]
    return InvalidInput(field_detail(errors[:5]), errors=errors)


def http_error(exc: StarletteHTTPException) -> ClearanceError:
    if exc.status_code == 400:
        # FastAPI's only 400: a body its JSON parser gave up on (e.g. nested too deep). It is
        # malformed input like any other, so it gets the same answer as invalid JSON.
        return invalid_field("body", Message("field.body_unparsed", {"reason": str(exc.detail)}))
    return HttpError(exc.status_code, dict(exc.headers or {}))


def as_clearance_error(exc: Exception) -> ClearanceError:
    """Any error the handlers meet, as one of ours."""
    if isinstance(exc, RequestValidationError):
        return validation_error(exc)
    if isinstance(exc, StarletteHTTPException):
        return http_error(exc)
    if isinstance(exc, PoolTimeout):
        return database_busy()
    if isinstance(exc, OperationalError):
        return database_error(exc)
    assert isinstance(exc, ClearanceError)
    return exc


async def _problem(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, OperationalError):
        # The connection was lost or refused wherever the request was (authentication, a
        # query, the commit): the same 503 as at the commit, never a 500. The pool reconnects.
        logger.warning(
            "database unavailable during %s %s: %s", request.method, request.url.path, exc
        )
    elif isinstance(exc, PoolTimeout):
        # Every connection of the pool stayed in use for the pool's timeout: an overload, not a
        # fault of this request, so a 503 the client may retry, never a 500.
        logger.warning(
            "no database connection for %s %s: %s", request.method, request.url.path, exc
        )
    return problem_response(as_clearance_error(exc), language_of(request.headers))


def install_handlers(app: FastAPI) -> None:
    for exc_class in (
        ClearanceError,
        OperationalError,
        PoolTimeout,
        RequestValidationError,
        StarletteHTTPException,
    ):
        app.add_exception_handler(exc_class, _problem)


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
