"""API keys this process has looked up: one query per key every few seconds, not per request.

A key's row (role, company, revoked, expiry) is kept for `key_cache_seconds`; after that the
next request reads it again. A revocation or rotation made in this process forgets every key at
its commit; one made in another process is honoured here within `key_cache_seconds`. Expiry is
checked against the clock on every use, from the kept row. Unknown keys are never kept, so a
key made a moment ago works at once everywhere.
"""

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from clearance.auth.models import Role

MAX_KEYS = 10_000

_lock = threading.Lock()
_known: dict[str, tuple[float, "KnownKey"]] = {}


@dataclass(frozen=True)
class KnownKey:
    """What authentication needs of a key's row."""

    key_id: int
    role: Role
    tax_code: str | None
    revoked: bool
    expires_at: datetime | None


def get(digest: str, max_age: float) -> KnownKey | None:
    """The key's row as read at most `max_age` seconds ago, or None."""
    found = _known.get(digest)
    if found is None or time.monotonic() - found[0] > max_age:
        return None
    return found[1]


def put(digest: str, known: KnownKey, *, read_at: float) -> None:
    """Keep a row read at `read_at` (monotonic, taken before the query)."""
    with _lock:
        if len(_known) >= MAX_KEYS:
            _known.clear()  # made-up keys are never kept: only a very busy fleet gets here
        _known[digest] = (read_at, known)


def forget() -> None:
    """Read every key again at its next use (a key was revoked or rotated here)."""
    with _lock:
        _known.clear()
