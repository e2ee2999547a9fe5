"""Fixtures of the page tests: sessions minted for any key, as a sign-in would make them."""

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from clearance.auth.models import ApiKey
from clearance.clock import FrozenClock
from clearance.settings import get_settings
from clearance.web import session as tokens


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
