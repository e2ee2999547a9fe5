"""Requests per second per API key, counted in Redis: one round trip per request."""

import logging
import time
from functools import lru_cache

from redis import Redis
from redis.exceptions import RedisError

from clearance.errors import TooManyRequests

log = logging.getLogger(__name__)
KEY = "clearance:rate:{key_id}:{second}"


@lru_cache(maxsize=4)
def _redis(url: str) -> Redis:
    return Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


def check(*, redis_url: str, key_id: int, per_second: int) -> None:
    """Count this request in the key's current second; refuse it over the limit.

    Wall-clock seconds, not the injectable clock: this protects the servers, not a rule
    of the domain. With Redis down the limit is not applied: intake matters more.
    """
    if per_second <= 0:
        return
    second = int(time.time())
    counter = KEY.format(key_id=key_id, second=second)
    try:
        pipe = _redis(redis_url).pipeline(transaction=False)
        pipe.incr(counter)
        pipe.expire(counter, 5)
        count = int(pipe.execute()[0])
    except RedisError as exc:
        log.warning("rate limit not applied, Redis unavailable: %s", exc)
        return
    if count > per_second:
        raise TooManyRequests(
            f"more than {per_second} requests a second for this API key",
            headers={"Retry-After": "1"},
        )
