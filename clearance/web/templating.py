"""Jinja2 rendering for the officer pages: language, security headers, local times."""

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from clearance.reference.calendar import VIETNAM
from clearance.web import i18n
from clearance.web.session import LANGUAGE_COOKIE, set_cookie

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/officer/static"
LANGUAGE_COOKIE_LIFETIME = timedelta(days=365)

# Pages load only their own script and style; htmx is told not to inject its inline style.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def local_time(value: datetime | None) -> str:
    """A UTC time as the gate reads it: 30/11/2026 15:04."""
    return value.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M") if value is not None else "—"


def duration(seconds: float | None) -> str:
    """Hours and minutes, 2:05; the sign is left to the caller."""
    if seconds is None:
        return "—"
    minutes = int(abs(seconds)) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = local_time
    env.filters["duration"] = duration
    return env


templates = Jinja2Templates(env=_environment())


def render(
    request: Request, name: str, context: Mapping[str, Any], *, status_code: int = 200
) -> Response:
    """The template in the caller's language; a `?lang=` switch is remembered in a cookie."""
    lang = i18n.language(request)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "t": i18n.translator(lang),
            "who": i18n.people(lang, context.get("names") or {}),
            "lang": lang,
            "languages": i18n.LANGUAGES,
            "static": STATIC_PATH,
            "viewer": None,
            "notice": None,
            **context,
        },
        status_code=status_code,
    )
    secure(response)
    if request.query_params.get("lang") == lang:
        set_cookie(
            response, request, name=LANGUAGE_COOKIE, value=lang, max_age=LANGUAGE_COOKIE_LIFETIME
        )
    return response


def secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response
