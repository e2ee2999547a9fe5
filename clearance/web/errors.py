"""Errors on the officer pages are pages: the JSON API keeps its problem documents."""

import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from clearance.catalogue import LIST_SEPARATORS, TEMPLATES
from clearance.errors import ClearanceError, as_clearance_error
from clearance.messages import Message
from clearance.web import i18n
from clearance.web.deps import NotSignedIn
from clearance.web.session import SESSION_COOKIE, clear_cookie
from clearance.web.templating import STATIC_PATH, render, secure

PAGES_PREFIX = "/officer"
SIGN_IN_URL = "/officer/"
Handler = Callable[[Request, Exception], Awaitable[Response]]


def _on_page(request: Request) -> bool:
    path = request.url.path
    return (path == PAGES_PREFIX or path.startswith(PAGES_PREFIX + "/")) and not path.startswith(
        STATIC_PATH + "/"
    )


def _details(error: ClearanceError, lang: str) -> list[tuple[str, Markup]]:
    """What went wrong, in the reader's language: each field and why, or the detail."""
    if error.errors:
        return [(e.field, as_html(e.message, lang)) for e in error.errors]
    return [("", as_html(error.message, lang))]


def as_html(message: Message, lang: str) -> Markup:
    """A message as HTML: what it names (ids, codes, paths, what was typed) as code."""
    values = {
        name: _html_value(value, lang, message.code) for name, value in message.params.items()
    }
    return escape(TEMPLATES[lang][message.code]).format(**values)


def _html_value(value: Any, lang: str, code: str) -> Any:
    if isinstance(value, Message):
        return as_html(value, lang)
    if isinstance(value, list):
        separator = escape(LIST_SEPARATORS.get(code, ", "))
        return separator.join(_html_value(item, lang, code) for item in value)
    return Markup("<code>{}</code>").format(value) if isinstance(value, str) else value


_DECLARATION_PATH = re.compile(r"/officer/declarations/[0-9a-f-]{36}")
# Fields a form posts that are not something a person typed, or not to be shown again.
_NOT_TYPED = frozenset(
    {"csrf_token", "version", "document", "decision", "accept_all", "lang", "api_key"}
)  # the API key of a refused sign-in is a secret: never written back into a page


def typed_texts(request: Request) -> list[str]:
    """What the officer typed into the refused form, so that a refusal loses none of it."""
    form = getattr(request.state, "form", None)
    if form is None:
        return []
    return [
        value.strip()
        for name, value in form.multi_items()
        if isinstance(value, str)
        and value.strip()
        and name not in _NOT_TYPED
        and not name.startswith("verdict.")
        and not name.endswith("_code")
    ]


def _declaration_page(path: str) -> str | None:
    """The declaration page a refused form was posted from, if it was one."""
    found = _DECLARATION_PATH.match(path)
    return found.group(0) if found else None


def error_page(request: Request, exc: Exception) -> Response:
    """The error in the reader's language; a lapsed session goes back to the sign-in form."""
    if isinstance(exc, NotSignedIn):
        if request.headers.get("hx-request"):
            # htmx swaps what it is given; this header makes it navigate instead.
            response = Response(status_code=200, headers={"HX-Redirect": SIGN_IN_URL})
        else:
            response = RedirectResponse(SIGN_IN_URL, status_code=303)
        if request.cookies.get(SESSION_COOKIE):
            clear_cookie(response, request, name=SESSION_COOKIE)
        return secure(response)
    error, lang = as_clearance_error(exc), i18n.language(request)
    status, labels = error.status, i18n.LABELS[lang]
    heading_key = f"error.{status}" if f"error.{status}" in labels else "error"
    message_key = f"problem.{error.code}"
    return render(
        request,
        "error.html",
        {
            "status": status,
            "heading_key": heading_key,
            "message_key": message_key if message_key in labels else None,
            "details": _details(error, lang),
            "typed": typed_texts(request),
            "back": _declaration_page(request.url.path),
        },
        status_code=status,
    )


def install(app: FastAPI) -> None:
    """Wrap the app's problem handlers: pages get an HTML answer, the API what it had."""
    for exc_class in (ClearanceError, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(exc_class, _for_pages(app.exception_handlers[exc_class]))


def _for_pages(api_handler: Callable[..., object]) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if _on_page(request):
            return error_page(request, exc)
        response = api_handler(request, exc)
        assert isinstance(response, Awaitable)
        result = await response
        assert isinstance(result, Response)
        return result

    return handle
