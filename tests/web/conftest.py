"""Fixtures of the page tests: sessions minted for any key; declarations screened for review."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from clearance.auth.models import ApiKey
from clearance.clock import FrozenClock
from clearance.settings import get_settings
from clearance.web import session as tokens
from tests.conftest import auth
from tests.helpers import lodge, read
from tests.web.helpers import WATCHLISTED, red_declaration


def key_id(session: Session, plain: str) -> int:
    found = session.exec(select(ApiKey).where(ApiKey.prefix == plain[:10])).one()
    assert found.id is not None
    return found.id


@pytest.fixture
def mint_session(session: Session, clock: FrozenClock) -> Callable[[str], tuple[str, str]]:
    """A valid session token for the key and its CSRF token: what signing in would give.

    Signing in refuses traders, the gate, the bank and operators; minting their sessions shows
    the pages refuse them even so.
    """

    def mint(plain: str) -> tuple[str, str]:
        secret = get_settings().secret_key
        token, _expires = tokens.issue(
            secret_key=secret, key_id=key_id(session, plain), now=clock.now()
        )
        return token, tokens.csrf_token(secret_key=secret, bound_to=token)

    return mint


@pytest.fixture
def yellow(client: TestClient, keys: dict[str, str], work: Callable[[], int]) -> str:
    """A new trader's declaration, screened yellow, waiting for a document check."""
    declaration_id = lodge(client, keys["trader"])
    work()
    assert read(client, keys["officer"], declaration_id)["channel"] == "yellow"
    return declaration_id


@pytest.fixture
def red(client: TestClient, keys: dict[str, str], work: Callable[[], int]) -> str:
    """A declaration with a watchlisted counterparty: red by a hard rule."""
    listed = client.post("/v1/risk/watchlist", json=WATCHLISTED, headers=auth(keys["supervisor"]))
    assert listed.status_code == 201, listed.text
    declaration_id = lodge(client, keys["trader"], red_declaration())
    work()
    assert read(client, keys["officer"], declaration_id)["channel"] == "red"
    return declaration_id
