"""POST /v1/declarations served as plain ASGI, in front of FastAPI's routing.

FastAPI's handling of a request (its exception and exit-stack layers, routing, solving the
route's dependencies, reading and checking the body, serialising the answer) cost a lodgement
more CPU on the event loop than everything the lodgement itself does there
(docs/performance.md). This middleware, the innermost, answers a lodgement itself with the
functions the declared route runs: the body parsed as Starlette parses it and checked by the
route's own validator, the caller by `deps.known_trader`, the `Idempotency-Key` by the
constraints the route declares, the lodgement by `intake.lodge`, an error by the app's
exception handlers, the answer as FastAPI serialises `Accepted`.

Anything it does not answer goes on to the declared route (`declarations.router.lodge`),
which stays the reference and documents the route in OpenAPI: a body that is not JSON, or not
a valid declaration, or a bad header (so every 422 is FastAPI's own, field for field), another
method or path, a traced process (FastAPI traces its own requests) and an app with dependency
overrides (tests). The checks run in the declared route's order: the body's JSON, then the
caller, then the header and the body's fields.
"""

import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from starlette._utils import get_route_path
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clearance import deps, tracing
from clearance.clock import get_clock
from clearance.declarations import intake
from clearance.declarations import router as declarations
from clearance.declarations.lodgement import Lodged
from clearance.declarations.schemas import Accepted, DeclarationIn

# What FastAPI parses as JSON (`application/json`, `application/*+json`, with parameters)
# is wider; these are what clients send. Anything else takes the declared route.
JSON_CONTENT_TYPES = frozenset(
    {"application/json", "application/json; charset=utf-8", "application/json;charset=utf-8"}
)
_IDEMPOTENCY_KEY: TypeAdapter[str | None] = TypeAdapter(declarations.IdempotencyKey)
_DECLARATION_IN = DeclarationIn.__pydantic_validator__
_ACCEPTED = Accepted.__pydantic_serializer__
Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


def _declared_route() -> APIRoute:
    """The route this answers for: metrics and audit records name a request by its template."""
    for route in declarations.router.routes:
        if isinstance(route, APIRoute) and route.endpoint is declarations.lodge:
            return route
    raise LookupError("the lodge route is not declared in clearance.declarations.router")


async def _read_body(receive: Receive) -> tuple[bytes | None, list[Message]]:
    """The whole body (None if the client went away), and the messages read for a replay."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, messages
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), messages


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    """`receive` for the declared route: what was read here first, then the client's own."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


def _accepted(lodged: Lodged) -> Response:
    """The answer the declared route gives, header for header."""
    location = f"/v1/declarations/{lodged.declaration_id}"
    content = Accepted(
        id=lodged.declaration_id, version=lodged.version, state=lodged.state, location=location
    )
    response = Response(
        content=_ACCEPTED.to_json(content, by_alias=True),
        media_type="application/json",
        status_code=202,
    )
    if not lodged.created:
        response.raw_headers.append((b"idempotent-replayed", b"true"))
    response.raw_headers.append((b"location", location.encode("latin-1")))
    return response


def _handler(request: Request, exc: Exception) -> Handler | None:
    """The app's handler for this error, found as Starlette's exception layer finds it."""
    handlers: dict[Any, Handler] = request.app.exception_handlers
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None


class LodgeAsgiMiddleware:
    """Answer a well-formed lodgement without FastAPI's routing; pass on everything else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.route = _declared_route()
        # Once per process: a traced process's lodgements take the declared route.
        self.serves = not tracing.enabled()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._ours(scope):
            await self.app(scope, receive, send)
            return
        body, messages = await _read_body(receive)
        parsed = _parsed(body, scope)
        if parsed is None:
            await self.app(scope, _replaying(messages, receive), send)
            return
        # As the router would: what metrics and the audit record read of the request.
        scope.update(route=self.route, endpoint=self.route.endpoint, path_params={})
        request = Request(scope, receive)
        try:
            response = await _lodge(request, parsed)
        except Exception as exc:
            handler = _handler(request, exc)
            if handler is None:
                raise  # as the exception layer would: the server's error middleware answers
            answered = handler(request, exc)
            response = await answered if inspect.isawaitable(answered) else answered
        if response is None:  # the declared route names each field that is wrong
            await self.app(scope, _replaying(messages, receive), send)
            return
        await response(scope, receive, send)

    def _ours(self, scope: Scope) -> bool:
        return (
            self.serves
            and scope["type"] == "http"
            and scope["method"] == "POST"
            and get_route_path(scope) == self.route.path
            and not scope["app"].dependency_overrides
        )


async def _lodge(request: Request, parsed: Any) -> Response | None:
    """The lodgement's answer; None when the header or the body is not valid."""
    known = await deps.known_trader_of(request)
    try:
        idempotency_key = _IDEMPOTENCY_KEY.validate_python(request.headers.get("idempotency-key"))
        declaration_in = _DECLARATION_IN.validate_python(parsed, from_attributes=True)
    except ValidationError:
        return None
    lodged = await intake.lodge(
        clock=get_clock(),
        caller=known.caller,
        declaration_in=declaration_in,
        idempotency_key=idempotency_key,
        facts=known.facts,
        lifecycle=known.lifecycle,
    )
    return _accepted(lodged)


def _parsed(body: bytes | None, scope: Scope) -> Any:
    """The body as Starlette's `Request.json` parses it; None for the declared route to judge
    (no body, a media type this does not take, not JSON)."""
    if not body:
        return None
    content_type = Headers(scope=scope).get("content-type")
    if content_type is None or content_type.lower() not in JSON_CONTENT_TYPES:
        return None
    try:
        parsed = json.loads(body)
    except Exception:
        return None
    return parsed
