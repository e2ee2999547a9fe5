"""Making and checking API keys."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlmodel import Session, select

from clearance.auth.models import ApiKey, Role
from clearance.clock import Clock
from clearance.errors import InvalidInput, Unauthorized

KEY_PREFIX = "clr_"


@dataclass(frozen=True)
class Caller:
    """Who is asking: resolved once per request from the API key."""

    key_id: int
    role: Role
    tax_code: str | None

    @property
    def actor(self) -> str:
        return f"{self.role.value}:{self.key_id}"


def digest(*, secret_key: str, key: str) -> str:
    return hmac.new(secret_key.encode(), key.encode(), hashlib.sha256).hexdigest()


def create_key(
    *,
    session: Session,
    clock: Clock,
    secret_key: str,
    role: Role,
    tax_code: str | None = None,
    name: str = "",
) -> tuple[ApiKey, str]:
    """Store a new key's digest; the plain key is returned once and never again."""
    if role is Role.trader and not tax_code:
        raise InvalidInput("a trader key needs the company's tax code")
    if role is not Role.trader and tax_code:
        raise InvalidInput("only trader keys carry a tax code")
    plain = f"{KEY_PREFIX}{secrets.token_urlsafe(32)}"
    key = ApiKey(
        digest=digest(secret_key=secret_key, key=plain),
        prefix=plain[:10],
        role=role,
        tax_code=tax_code,
        name=name,
        created_at=clock.now(),
    )
    session.add(key)
    session.flush()
    return key, plain


def authenticate(*, session: Session, secret_key: str, key: str) -> Caller:
    found = session.exec(
        select(ApiKey).where(ApiKey.digest == digest(secret_key=secret_key, key=key))
    ).first()
    if found is None or found.revoked_at is not None or found.id is None:
        raise Unauthorized("unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    return Caller(key_id=found.id, role=Role(found.role), tax_code=found.tax_code)


def caller_by_id(*, session: Session, key_id: int) -> Caller:
    """The caller behind a key id (a signed-in page session), refused once the key is revoked."""
    found = session.get(ApiKey, key_id)
    if found is None or found.revoked_at is not None or found.id is None:
        raise Unauthorized("unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    return Caller(key_id=found.id, role=Role(found.role), tax_code=found.tax_code)
