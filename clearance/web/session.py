"""Signed session and CSRF tokens for the officer pages, made and checked with itsdangerous.

The session cookie carries the key's id and an expiry, signed with the service's secret key;
never the API key itself. Each request still looks the key up, so revoking it ends the session.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, Signer, URLSafeSerializer
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
# The salts keep a signature made for one use from being replayed as another.
SESSION_SALT = "clearance.session"
CSRF_SALT = "clearance.csrf"
MAX_EXPIRY = 10**12  # seconds since 1970: a larger claim is no expiry of ours


@dataclass(frozen=True)
class SessionToken:
    key_id: int
    expires_at: datetime


def _sessions(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(
        secret_key, salt=SESSION_SALT, signer_kwargs={"digest_method": hashlib.sha256}
    )


def _csrf(secret_key: str) -> Signer:
    return Signer(secret_key, salt=CSRF_SALT, digest_method=hashlib.sha256)


def issue(*, secret_key: str, key_id: int, now: datetime) -> tuple[str, datetime]:
    """A new session token for the key and when it expires."""
    expires_at = now + SESSION_LIFETIME
    claims = {"key": key_id, "exp": int(expires_at.timestamp()), "n": secrets.token_urlsafe(16)}
    return str(_sessions(secret_key).dumps(claims)), expires_at


def read(*, secret_key: str, token: str, now: datetime) -> SessionToken | None:
    """The token's key id and expiry if it is ours, untampered and unexpired; else None."""
    try:
        claims: Any = _sessions(secret_key).loads(token)
    except BadSignature:
        return None
    if not isinstance(claims, dict):
        return None
    key_id, expires = claims.get("key"), claims.get("exp")
    if not (type(key_id) is int and type(expires) is int and 0 < expires < MAX_EXPIRY):
        return None
    expires_at = datetime.fromtimestamp(expires, UTC)
    if expires_at <= now:
        return None
    return SessionToken(key_id=key_id, expires_at=expires_at)


def csrf_token(*, secret_key: str, bound_to: str) -> str:
    """The CSRF token of a session token (or of a sign-in nonce)."""
    return _csrf(secret_key).get_signature(bound_to).decode("ascii")


def csrf_valid(*, secret_key: str, bound_to: str, sent: str) -> bool:
    return _csrf(secret_key).verify_signature(bound_to, sent)


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
