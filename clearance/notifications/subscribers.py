"""Which traders have an active subscription: cached per process, so lodging stays cheap.

Most events belong to traders who never subscribed; asking the database at every state change
would add a query to the lodge path for nothing. Each process keeps the set of subscribed tax
codes for at most `notification_cache_seconds`, and a registration answers only after that
long: by then every process has reloaded, so every event after the answer is delivered. A
stale entry the other way (a disabled subscription) only costs the exact query behind it.
"""

import math
import threading
import time
from collections.abc import Iterable

from sqlmodel import Session, col, select

from clearance.notifications.models import Subscription

_lock = threading.Lock()
_tax_codes: frozenset[str] = frozenset()
_loaded_at = -math.inf


def any_subscribed(*, session: Session, tax_codes: Iterable[str], max_age: float) -> bool:
    """Whether any of these traders may have an active subscription (False is certain)."""
    global _tax_codes, _loaded_at
    wanted = set(tax_codes)
    if max_age <= 0:
        return _subscribed(session, wanted)
    with _lock:
        if time.monotonic() - _loaded_at > max_age:
            # Stamped before the query: whatever committed after this instant may be missing.
            started = time.monotonic()
            _tax_codes = frozenset(
                session.exec(
                    select(Subscription.tax_code)
                    .where(col(Subscription.disabled_at).is_(None))
                    .distinct()
                ).all()
            )
            _loaded_at = started
        return not wanted.isdisjoint(_tax_codes)


def forget() -> None:
    """Reload at the next event: this process registered or disabled a subscription."""
    global _loaded_at
    with _lock:
        _loaded_at = -math.inf


def _subscribed(session: Session, tax_codes: set[str]) -> bool:
    found = session.exec(
        select(Subscription.id)
        .where(col(Subscription.tax_code).in_(tax_codes), col(Subscription.disabled_at).is_(None))
        .limit(1)
    ).first()
    return found is not None
