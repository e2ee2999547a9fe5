"""Request rate limits in the service's Redis (`limits`, moving window), per key and per address.

Checked before any database work (`middleware.RateLimitMiddleware`): a key is known by the
digest of what the client presented, and an address by its count of refusals (401), so neither
a burst with one key nor a stream of made-up keys reaches the database pool. A key the process
read lately (`auth/keycache.py`) needs no lookup, so its address's refusals are not tested.
"""

import asyncio
import logging
import math
import time
import weakref
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import RedisStorage as AsyncRedisStorage
from limits.aio.strategies import MovingWindowRateLimiter as AsyncMovingWindowRateLimiter
from limits.errors import StorageError
from redis.exceptions import RedisError

from clearance.errors import TooManyRequests
from clearance.messages import Message

log = logging.getLogger(__name__)
KEY_PREFIX = "clearance:rate"
# A client that has had more 401s a second than this is refused before its key is looked up.
REFUSALS = "refused"
REDIS_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True)
class Limits:
    """Requests a second for each key, and refusals a second for each address (0: off)."""

    per_key: int
    refusals_per_address: int


# Asyncio Redis on the event loop (no thread per request). A client belongs to the loop it
# was made on, so each loop (each test client) gets its own.
_async_limiters: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[str, AsyncMovingWindowRateLimiter]
] = weakref.WeakKeyDictionary()


def _async_limiter(redis_url: str) -> AsyncMovingWindowRateLimiter:
    per_loop = _async_limiters.setdefault(asyncio.get_running_loop(), {})
    if (found := per_loop.get(redis_url)) is None:
        storage = AsyncRedisStorage(
            f"async+{redis_url}",
            implementation="redispy",
            key_prefix=KEY_PREFIX,
            wrap_exceptions=True,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        found = per_loop[redis_url] = AsyncMovingWindowRateLimiter(storage)
    return found


async def _async_refused(
    limiter: AsyncMovingWindowRateLimiter, item: RateLimitItem, *identity: str
) -> str:
    reset_at = (await limiter.get_window_stats(item, *identity)).reset_time
    return str(max(1, math.ceil(reset_at - time.time())))


async def check_async(
    *, redis_url: str, limits: Limits, key: str | None, address: str | None
) -> None:
    """Count this request against its key; refuse it over the key's or the address's limit.

    Wall-clock seconds, not the injectable clock: this protects the servers, not a rule of the
    domain. With Redis down no limit is applied: intake matters more.
    """
    if (key is None or limits.per_key <= 0) and (
        address is None or limits.refusals_per_address <= 0
    ):
        return
    try:
        limiter = _async_limiter(redis_url)
        refusals = RateLimitItemPerSecond(limits.refusals_per_address)
        if (
            address is not None
            and limits.refusals_per_address > 0
            and not await limiter.test(refusals, REFUSALS, address)
        ):
            raise TooManyRequests(
                Message("error.rate_refusals", {"limit": limits.refusals_per_address}),
                headers={"Retry-After": await _async_refused(limiter, refusals, REFUSALS, address)},
            )
        per_key = RateLimitItemPerSecond(limits.per_key)
        if key is not None and limits.per_key > 0 and not await limiter.hit(per_key, "key", key):
            raise TooManyRequests(
                Message("error.rate_key", {"limit": limits.per_key}),
                headers={"Retry-After": await _async_refused(limiter, per_key, "key", key)},
            )
    except (StorageError, RedisError, OSError) as exc:
        log.warning("rate limit not applied, Redis unavailable: %s", exc)


async def count_refusal_async(*, redis_url: str, limits: Limits, address: str | None) -> None:
    """Count a request refused for its key (none, unknown, revoked) against its address."""
    if address is None or limits.refusals_per_address <= 0:
        return
    try:
        limit = RateLimitItemPerSecond(limits.refusals_per_address)
        await _async_limiter(redis_url).hit(limit, REFUSALS, address)
    except (StorageError, RedisError, OSError) as exc:
        log.warning("refusal not counted, Redis unavailable: %s", exc)
