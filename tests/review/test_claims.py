"""Leases: many officers claiming at once never hold the same declaration (PostgreSQL)."""

import threading
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from redis import Redis

from clearance import db, wiring
from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.clock import get_clock
from clearance.declarations import lifecycle
from clearance.embedded import create_keys
from clearance.main import create_app
from clearance.review import service as review_service
from tests.conftest import TRADER_TAX_CODE
from tests.helpers import lodge

OFFICERS = 8
DECLARATIONS = 12


@pytest.fixture
def committed_client(
    cloned_db: str, configure: Callable[..., None], redis: Redis
) -> Iterator[TestClient]:
    """Requests commit for real, so other connections see them."""
    configure(database_url=cloned_db, new_trader_declarations=DECLARATIONS)  # all yellow
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client
    db.get_engine().dispose()


def test_concurrent_claims_never_share_an_item(
    committed_client: TestClient, work: Callable[[], int]
) -> None:
    trader = create_keys({Role.trader: TRADER_TAX_CODE}, "claims test")[Role.trader]
    lodged = {lodge(committed_client, trader) for _ in range(DECLARATIONS)}
    assert work() == DECLARATIONS

    full_lifecycle = wiring.lifecycle()
    start = threading.Barrier(OFFICERS)
    claims: dict[int, list[str]] = {officer: [] for officer in range(OFFICERS)}

    def officer(number: int) -> None:
        caller = Caller(key_id=1000 + number, role=Role.officer, tax_code=None)
        start.wait()
        while True:
            with db.unit_of_work() as session:
                claimed = review_service.claim_next(
                    session=lifecycle.attach(session, full_lifecycle),
                    clock=get_clock(),
                    caller=caller,
                    lane=None,
                    lease_seconds=600,
                )
            if claimed is None:
                return
            claims[number].append(str(claimed[0].declaration_id))

    threads = [threading.Thread(target=officer, args=(n,)) for n in range(OFFICERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    every_claim = [declaration_id for held in claims.values() for declaration_id in held]
    assert sorted(every_claim) == sorted(lodged)  # each claimed exactly once
    assert sum(1 for held in claims.values() if held) > 1  # the officers really competed
