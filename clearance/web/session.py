"""Signed session and CSRF tokens for the officer pages: HMAC-SHA256 from the standard library.

The session cookie carries the key's id and an expiry, signed with the service's secret key;
never the API key itself. Each request still looks the key up, so revoking it ends the session.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "clearance_session"
# A sign-in form has no session yet: its CSRF token is bound to this pre-session nonce.
SIGNIN_COOKIE = "clearance_signin"
LANGUAGE_COOKIE = "clearance_lang"
COOKIE_PATH = "/officer"
SESSION_LIFETIME = timedelta(hours=8)  # one shift
SIGNIN_LIFETIME = timedelta(hours=1)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class SessionToken:
    key_id: int
    expires_at: datetime


def _sign(secret_key: str, purpose: str, message: str) -> str:
    # The purpose keeps a signature made for one use from being replayed as another.
    return hmac.new(
        secret_key.encode(), f"{purpose}|{message}".encode(), hashlib.sha256
    ).hexdigest()


def issue(*, secret_key: str, key_id: int, now: datetime) -> tuple[str, datetime]:
    """A new session token for the key and when it expires."""
    expires_at = now + SESSION_LIFETIME
    body = f"{key_id}.{int(expires_at.timestamp())}.{secrets.token_urlsafe(16)}"
    return f"{body}.{_sign(secret_key, 'session', body)}", expires_at


def read(*, secret_key: str, token: str, now: datetime) -> SessionToken | None:
    """The token's key id and expiry if it is ours, untampered and unexpired; else None."""
    parts = token.split(".")
    if len(parts) != 4:
        return None
    key_id, expires, _nonce, signature = parts
    expected = _sign(secret_key, "session", ".".join(parts[:3]))
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return None
    if not (key_id.isdigit() and expires.isdigit()) or len(expires) > 12:
        return None
    expires_at = datetime.fromtimestamp(int(expires), UTC)
    if expires_at <= now:
        return None
    return SessionToken(key_id=int(key_id), expires_at=expires_at)


def csrf_token(*, secret_key: str, bound_to: str) -> str:
    """The CSRF token of a session token (or of a sign-in nonce)."""
    return _sign(secret_key, "csrf", bound_to)


def csrf_valid(*, secret_key: str, bound_to: str, sent: str) -> bool:
    expected = csrf_token(secret_key=secret_key, bound_to=bound_to)
    return hmac.compare_digest(sent.encode(), expected.encode())


def new_signin_nonce() -> str:
    return secrets.token_urlsafe(24)


def cross_site(request: Request) -> bool:
    """True when the browser says the request comes from another origin or site."""
    if request.headers.get("sec-fetch-site", "same-origin") not in {"same-origin", "none"}:
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False  # not sent by every client; the CSRF token is checked all the same
    return origin != f"{request.url.scheme}://{request.url.netloc}"


def set_cookie(
    response: Response, request: Request, *, name: str, value: str, max_age: timedelta
) -> None:
    """HttpOnly, SameSite=Strict, limited to the pages' path; Secure over HTTPS."""
    response.set_cookie(
        name,
        value,
        max_age=int(max_age.total_seconds()),
        path=COOKIE_PATH,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


def clear_cookie(response: Response, request: Request, *, name: str) -> None:
    response.delete_cookie(
        name,
        path=COOKIE_PATH,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
