"""Request rate limits in the service's Redis (moving windows), per key and per address.

Checked before any database work (`middleware.RateLimitMiddleware`): a key is known by the
digest of what the client presented, and an address by its count of refusals (401), so neither
a burst with one key nor a stream of made-up keys reaches the database pool.

Each window is a Redis list of the times of its last `limit` requests (newest first): a request
is within the limit unless the `limit`-th newest is less than a second old. Both of a request's
windows (its address's refusals, its key's requests) are checked, and the key's counted, by one
Lua script: one round trip per request, on the event loop (asyncio Redis).
"""

import asyncio
import logging
import math
import time
import weakref
from dataclasses import dataclass
from functools import lru_cache

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.commands.core import AsyncScript, Script
from redis.exceptions import RedisError

from clearance.errors import TooManyRequests

log = logging.getLogger(__name__)
KEY_PREFIX = "clearance:rate"
# A client that has had more 401s a second than this is refused before its key is looked up.
REFUSALS = "refused"
REDIS_TIMEOUT_SECONDS = 0.5
WINDOW_SECONDS = 1

# KEYS: the address's refusals, the key's requests. ARGV: now, refusals limit, key limit,
# window (0 turns a limit off). Returns {0} within the limits, else {1 (address) or 2 (key),
# the time the window has room again}.
_CHECK = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[4])
local refusals, requests = tonumber(ARGV[2]), tonumber(ARGV[3])
if refusals > 0 then
  local oldest = redis.call('LINDEX', KEYS[1], refusals - 1)
  if oldest and tonumber(oldest) > now - window then return {1, oldest} end
end
if requests > 0 then
  local oldest = redis.call('LINDEX', KEYS[2], requests - 1)
  if oldest and tonumber(oldest) > now - window then return {2, oldest} end
  redis.call('LPUSH', KEYS[2], ARGV[1])
  redis.call('LTRIM', KEYS[2], 0, requests - 1)
  redis.call('EXPIRE', KEYS[2], window + 1)
end
return {0}
"""
# KEYS: the address's refusals. ARGV: now, limit, window.
_COUNT = """
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]) + 1)
return 1
"""


@dataclass(frozen=True)
class Limits:
    """Requests a second for each key, and refusals a second for each address (0: off)."""

    per_key: int
    refusals_per_address: int


def _refusals_key(address: str | None) -> str:
    return f"{KEY_PREFIX}:{REFUSALS}:{address}"


def _key_key(key: str | None) -> str:
    return f"{KEY_PREFIX}:key:{key}"


@lru_cache(maxsize=4)
def _scripts(redis_url: str) -> tuple[Script, Script]:
    """The check and count scripts on a client of this URL (EVALSHA; loaded when missing)."""
    client = Redis.from_url(
        redis_url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    return client.register_script(_CHECK), client.register_script(_COUNT)


# An asyncio client belongs to the loop it was made on: one per loop (each test client).
_async_clients: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[str, tuple[AsyncScript, AsyncScript]]
] = weakref.WeakKeyDictionary()


def _async_scripts(redis_url: str) -> tuple[AsyncScript, AsyncScript]:
    per_loop = _async_clients.setdefault(asyncio.get_running_loop(), {})
    if (found := per_loop.get(redis_url)) is None:
        client = AsyncRedis.from_url(
            redis_url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        found = per_loop[redis_url] = (
            client.register_script(_CHECK),
            client.register_script(_COUNT),
        )
    return found


def _refusal(answer: list[bytes | int], limits: Limits, now: float) -> TooManyRequests | None:
    """The 429 the script's answer calls for, with its Retry-After; None within the limits."""
    if int(answer[0]) == 0:
        return None
    retry_after = str(max(1, math.ceil(float(answer[1]) + WINDOW_SECONDS - now)))
    if int(answer[0]) == 1:
        detail = (
            f"more than {limits.refusals_per_address} refused requests a second from this address"
        )
    else:
        detail = f"more than {limits.per_key} requests a second for this API key"
    return TooManyRequests(detail, headers={"Retry-After": retry_after})


def _arguments(
    limits: Limits, key: str | None, address: str | None, now: float
) -> tuple[list[str], list[str | int | float]] | None:
    refusals = limits.refusals_per_address if address is not None else 0
    per_key = limits.per_key if key is not None else 0
    if refusals <= 0 and per_key <= 0:
        return None
    return [_refusals_key(address), _key_key(key)], [now, refusals, per_key, WINDOW_SECONDS]


async def check_async(
    *, redis_url: str, limits: Limits, key: str | None, address: str | None
) -> None:
    """Count this request against its key; refuse it over the key's or the address's limit.

    Wall-clock seconds, not the injectable clock: this protects the servers, not a rule of the
    domain. With Redis down no limit is applied: intake matters more.
    """
    now = time.time()
    if (arguments := _arguments(limits, key, address, now)) is None:
        return
    try:
        answer = await _async_scripts(redis_url)[0](keys=arguments[0], args=arguments[1])
    except (RedisError, OSError) as exc:
        log.warning("rate limit not applied, Redis unavailable: %s", exc)
        return
    if (refused := _refusal(answer, limits, now)) is not None:
        raise refused


def check(*, redis_url: str, limits: Limits, key: str | None, address: str | None) -> None:
    """`check_async` for callers without an event loop."""
    now = time.time()
    if (arguments := _arguments(limits, key, address, now)) is None:
        return
    try:
        answer = _scripts(redis_url)[0](keys=arguments[0], args=arguments[1])
    except (RedisError, OSError) as exc:
        log.warning("rate limit not applied, Redis unavailable: %s", exc)
        return
    if (refused := _refusal(answer, limits, now)) is not None:
        raise refused


async def count_refusal_async(*, redis_url: str, limits: Limits, address: str | None) -> None:
    """Count a request refused for its key (none, unknown, revoked) against its address."""
    if address is None or limits.refusals_per_address <= 0:
        return
    try:
        await _async_scripts(redis_url)[1](
            keys=[_refusals_key(address)],
            args=[time.time(), limits.refusals_per_address, WINDOW_SECONDS],
        )
    except (RedisError, OSError) as exc:
        log.warning("refusal not counted, Redis unavailable: %s", exc)


def count_refusal(*, redis_url: str, limits: Limits, address: str | None) -> None:
    """`count_refusal_async` for callers without an event loop."""
    if address is None or limits.refusals_per_address <= 0:
        return
    try:
        _scripts(redis_url)[1](
            keys=[_refusals_key(address)],
            args=[time.time(), limits.refusals_per_address, WINDOW_SECONDS],
        )
    except (RedisError, OSError) as exc:
        log.warning("refusal not counted, Redis unavailable: %s", exc)
