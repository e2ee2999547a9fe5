"""ASGI middleware: control characters in the URL, rate limits and body size limit before any
parsing or database work, and request metrics by route template."""

import re
import secrets
import time
from urllib.parse import parse_qsl

from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clearance import logs, metrics
from clearance.audit.requests import client_address
from clearance.auth import keycache, ratelimit
from clearance.auth.service import digest
from clearance.clock import get_clock
from clearance.errors import (
    ClearanceError,
    FieldError,
    PayloadTooLarge,
    TooManyRequests,
    invalid_fields,
    language_of,
    problem_response,
)
from clearance.fields import CONTROL_CHARACTERS, has_control_characters
from clearance.messages import Message as Text
from clearance.settings import Settings, get_settings
from clearance.web import session as tokens


def _url_control_characters(scope: Scope) -> list[FieldError]:
    """Where the decoded path or a query parameter holds a control or invisible character."""
    errors = []
    if has_control_characters(scope["path"]):
        errors.append(FieldError(field="path", message=CONTROL_CHARACTERS))
    if not scope.get("query_string"):
        return errors
    query = scope["query_string"].decode("latin-1")
    pairs = parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="replace")
    for name, value in pairs:
        if has_control_characters(name) or has_control_characters(value):
            field = name if not has_control_characters(name) else "query"
            errors.append(FieldError(field=field, message=CONTROL_CHARACTERS))
    return errors


async def _refuse(error: ClearanceError, scope: Scope, receive: Receive, send: Send) -> None:
    """A problem answered before the app: in the language the request asked for."""
    response = problem_response(error, language_of(Headers(scope=scope)))
    await response(scope, receive, send)


class UrlControlCharacterMiddleware:
    """Refuse a URL with control characters in one place, before any route or database sees it.

    Path and query values reach queries as text, and PostgreSQL refuses NUL in text with an
    error that would otherwise be a 500 on whichever route forgot to check.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        errors = _url_control_characters(scope) if scope["type"] == "http" else []
        if not errors:
            await self.app(scope, receive, send)
            return
        await _refuse(invalid_fields(errors), scope, receive, send)


class BodyLimitMiddleware:
    """Refuse bodies over the limit before anything parses them.

    The body is read into memory up to the limit (a declaration is a few KB), so a client that
    sends no Content-Length, or a false one, is stopped at the limit all the same.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, exempt: re.Pattern[str]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.exempt.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        too_large = PayloadTooLarge(
            Text("error.body_too_large", {"max_bytes": self.max_bytes}),
            headers={"Connection": "close"},
        )
        await _refuse(too_large, scope, receive, send)


REQUEST_ID_HEADER = "X-Request-ID"
# A caller's own request id is kept when it looks like one; anything else gets one of ours.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_REQUEST_ID_NAME = REQUEST_ID_HEADER.lower().encode()  # ASGI servers lower-case header names


class RequestIdMiddleware:
    """Every log line of a request carries its id: the caller's `X-Request-ID`, or a new one;
    the answer says which."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = next((v for k, v in scope["headers"] if k == _REQUEST_ID_NAME), b"").decode(
            "latin-1"
        )
        request_id = sent if _REQUEST_ID.fullmatch(sent) else secrets.token_hex(16)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        with logs.bound(request_id=request_id):
            await self.app(scope, receive, send_with_id)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            # The route template, never the raw path: ids would make labels unbounded.
            template = getattr(route, "path", "unmatched")
            counted = self._series.get((scope["method"], template, status))
            if counted is None:
                counted = self._add_series(scope["method"], template, status)
            counted[0].inc()
            counted[1].observe(time.perf_counter() - started)

    def _add_series(self, method: str, template: str, status: int) -> tuple[Counter, Histogram]:
        # Each series is looked up once per process, not per request: the labels are bounded.
        found = (
            metrics.HTTP_REQUESTS.labels(method, template, str(status)),
            metrics.HTTP_DURATION.labels(method, template),
        )
        self._series[(method, template, status)] = found
        return found


def _key_identity(request: Request, settings: Settings) -> tuple[str | None, bool]:
    """Who the request says it is, without the database: its key's digest, or its page
    session; and whether it is a key this process read lately (its check needs no database)."""
    key = request.headers.get("X-API-Key")
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if not key and scheme.lower() == "bearer":
        key = credentials.strip()
    if key:
        key_digest = digest(secret_key=settings.secret_key, key=key)
        known = keycache.get(key_digest, settings.key_cache_seconds) is not None
        return key_digest[:32], known
    cookie = request.cookies.get(tokens.SESSION_COOKIE)
    if cookie:
        found = tokens.read(secret_key=settings.secret_key, token=cookie, now=get_clock().now())
        if found is not None:
            return f"page:{found.key_id}", False
    return None, False


class RateLimitMiddleware:
    """Refuse a key over its rate, or an address with too many refused keys (unless the key is
    one this process knows), with a 429 before routing, authentication or the database; count
    each 401 against its address."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = get_settings()  # per request: tests and operators change it without a restart
        limits = ratelimit.Limits(
            per_key=settings.rate_limit_per_second,
            refusals_per_address=settings.rate_limit_refusals_per_address,
        )
        request = Request(scope)
        identity, known = _key_identity(request, settings)
        # The address's refusals guard the key lookup: a key this process knows needs none.
        address = None if known else client_address(request, settings.trusted_proxies)
        try:
            await ratelimit.check_async(
                redis_url=settings.redis_url,
                limits=limits,
                key=identity if limits.per_key > 0 else None,
                address=address,
            )
        except TooManyRequests as exc:
            await _refuse(exc, scope, receive, send)
            return
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, send_status)
        if status == 401:
            if known:  # a key this process knew, since revoked or expired
                address = client_address(request, settings.trusted_proxies)
            await ratelimit.count_refusal_async(
                redis_url=settings.redis_url, limits=limits, address=address
            )
