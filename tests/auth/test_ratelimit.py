"""The rate limit answers before any database work: per key, and per address for bad keys."""

import asyncio
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from clearance import db
from clearance.auth import ratelimit
from clearance.settings import get_settings
from tests.conftest import auth

TESTCLIENT_ADDRESS = "testclient"  # the peer starlette's TestClient reports


def _no_database() -> Session:
    raise AssertionError("the database was reached")


@pytest.fixture
def database_gone(session: Session) -> Callable[[], None]:
    """From the call on, any session the service opens fails the test."""
    return lambda: db.set_session_factory(_no_database)


def test_a_key_over_its_limit_is_refused_without_the_database(
    client: TestClient,
    keys: dict[str, str],
    configure: Callable[..., None],
    database_gone: Callable[[], None],
) -> None:
    configure(rate_limit_per_second=2)
    assert client.get("/v1/declarations", headers=auth(keys["trader"])).status_code == 200
    assert client.get("/v1/declarations", headers=auth(keys["trader"])).status_code == 200
    database_gone()

    refused = client.get("/v1/declarations", headers=auth(keys["trader"]))

    assert refused.status_code == 429, refused.text
    assert refused.headers["Retry-After"] == "1"
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"


def test_the_key_is_counted_the_same_in_either_header(
    client: TestClient, keys: dict[str, str], configure: Callable[..., None]
) -> None:
    configure(rate_limit_per_second=1)
    assert client.get("/v1/declarations", headers=auth(keys["trader"])).status_code == 200
    other_header = client.get("/v1/declarations", headers={"X-API-Key": keys["trader"]})
    assert other_header.status_code == 429


def test_an_address_sending_unknown_keys_is_refused_before_the_lookup(
    client: TestClient,
    keys: dict[str, str],
    configure: Callable[..., None],
    database_gone: Callable[[], None],
) -> None:
    configure(rate_limit_per_second=100, rate_limit_refusals_per_address=3)
    assert client.get("/v1/declarations", headers=auth("clr_guess0")).status_code == 401
    # Two more refusals of this address within the same second, counted as the middleware
    # counts them, but without waiting on a key lookup each (a loaded machine may take a
    # second for two): the limit is a second's window.
    limits = ratelimit.Limits(per_key=100, refusals_per_address=3)
    for _ in range(2):
        asyncio.run(
            ratelimit.count_refusal_async(
                redis_url=get_settings().redis_url, limits=limits, address=TESTCLIENT_ADDRESS
            )
        )
    database_gone()

    # A new guess each time: no key's own limit is reached, the address's is.
    refused = client.get("/v1/declarations", headers=auth("clr_guess-next"))

    assert refused.status_code == 429, refused.text
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["code"] == "rate_limited"


def test_a_key_this_process_knows_is_not_held_back_by_its_address_refusals(
    client: TestClient, keys: dict[str, str], configure: Callable[..., None]
) -> None:
    # The address's refusals keep made-up keys from the key lookup; a key read lately needs
    # no lookup, so only its own limit applies to it.
    configure(rate_limit_per_second=100, rate_limit_refusals_per_address=3, key_cache_seconds=60)
    assert client.get("/v1/declarations", headers=auth(keys["trader"])).status_code == 200
    limits = ratelimit.Limits(per_key=100, refusals_per_address=3)
    for _ in range(3):
        asyncio.run(
            ratelimit.count_refusal_async(
                redis_url=get_settings().redis_url, limits=limits, address=TESTCLIENT_ADDRESS
            )
        )

    known = client.get("/v1/declarations", headers=auth(keys["trader"]))
    guessed = client.get("/v1/declarations", headers=auth("clr_guess-after"))

    assert known.status_code == 200, known.text
    assert guessed.status_code == 429, guessed.text
