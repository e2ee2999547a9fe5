"""Making and checking API keys."""

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from clearance.auth import keycache
from clearance.auth.keycache import KnownKey
from clearance.auth.models import ApiKey, Role
from clearance.clock import Clock, get_clock
from clearance.db import after_commit
from clearance.errors import Conflict, NotFound, Unauthorized, invalid_field
from clearance.messages import Message

KEY_PREFIX = "clr_"


class KeyNotFound(NotFound):
    code = "key_not_found"


class KeyAlreadyRotated(Conflict):
    code = "key_already_rotated"


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
        raise invalid_field("tax_code", Message("field.trader_key_needs_tax_code"))
    if role is not Role.trader and tax_code:
        raise invalid_field("tax_code", Message("field.tax_code_trader_only"))
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


def authenticate(*, session: Session, secret_key: str, key: str, max_age: float = 0.0) -> Caller:
    """The caller behind a key; its row is read at most every `max_age` seconds (keycache)."""
    key_digest = digest(secret_key=secret_key, key=key)
    known = keycache.get(key_digest, max_age) if max_age > 0 else None
    if known is None:
        read_at = time.monotonic()  # before the query: a change committed after it is missed
        known = _known(session.exec(select(ApiKey).where(ApiKey.digest == key_digest)).first())
        if known is not None and max_age > 0:
            keycache.put(key_digest, known, read_at=read_at)
    return _usable(known)


def known_caller(*, secret_key: str, key: str, max_age: float) -> Caller | None:
    """The caller behind a key this process read lately, without the database; None if none."""
    known = keycache.get(digest(secret_key=secret_key, key=key), max_age) if max_age > 0 else None
    return None if known is None else _usable(known)


def caller_by_id(*, session: Session, key_id: int) -> Caller:
    """The caller behind a key id (a signed-in page session), while the key is still usable."""
    return _usable(_known(session.get(ApiKey, key_id)))


def _known(found: ApiKey | None) -> KnownKey | None:
    if found is None or found.id is None:
        return None
    return KnownKey(
        key_id=found.id,
        role=Role(found.role),
        tax_code=found.tax_code,
        revoked=found.revoked_at is not None,
        expires_at=found.expires_at,
    )


def _usable(found: KnownKey | None) -> Caller:
    """The key's caller, unless it is unknown, revoked, or rotated and past its grace period."""
    if found is None or found.revoked:
        raise Unauthorized(Message("error.key_unknown"), headers={"WWW-Authenticate": "Bearer"})
    if found.expires_at is not None and found.expires_at <= get_clock().now():
        raise Unauthorized(Message("error.key_expired"), headers={"WWW-Authenticate": "Bearer"})
    return Caller(key_id=found.key_id, role=found.role, tax_code=found.tax_code)


def list_keys(*, session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.id))).all())


def revoke(*, session: Session, clock: Clock, key_id: int) -> ApiKey:
    """Stop a key at once; the row stays, so the audit trail still names it."""
    key = session.get(ApiKey, key_id, with_for_update=True)
    if key is None:
        raise KeyNotFound(Message("error.key_not_found", {"key_id": key_id}))
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        session.add(key)
        after_commit(session, keycache.forget)
    return key


def rotate(
    *, session: Session, clock: Clock, secret_key: str, caller: Caller, grace_seconds: int
) -> tuple[ApiKey, str]:
    """A successor for the caller's own key; the old one works for the grace period only."""
    # populate_existing: authentication read this row into the session before the lock, and a
    # concurrent rotation may have committed since; the check below must see the locked row.
    old = session.get(ApiKey, caller.key_id, with_for_update=True, populate_existing=True)
    if old is None:
        raise KeyNotFound(Message("error.calling_key_gone"))
    # A key in its grace period is on its way out: were it allowed to rotate, a leaked old key
    # could mint unexpiring successors for ever. Only the live, unrotated key may.
    if old.expires_at is not None or old.revoked_at is not None:
        raise KeyAlreadyRotated(Message("error.key_already_rotated"))
    key, plain = create_key(
        session=session,
        clock=clock,
        secret_key=secret_key,
        role=Role(old.role),
        tax_code=old.tax_code,
        name=old.name,
    )
    deadline = clock.now() + timedelta(seconds=grace_seconds)
    old.expires_at = min(old.expires_at or deadline, deadline)
    session.add(old)
    after_commit(session, keycache.forget)
    return key, plain


def holder_names(*, session: Session, actors: Iterable[str]) -> dict[str, str]:
    """`officer:2` -> the name its key was issued to, for the actors that are keys with a name."""
    ids = {int(key_id) for actor in actors if (key_id := actor.partition(":")[2]).isdigit()}
    if not ids:
        return {}
    keys = session.exec(select(ApiKey).where(col(ApiKey.id).in_(ids))).all()
    return {f"{key.role.value}:{key.id}": key.name for key in keys if key.name}
