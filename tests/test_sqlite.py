"""The embedded default: the same pipeline on SQLite, through a real RQ worker."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from redis import Redis

from clearance.auth.models import Role
from clearance.embedded import create_keys
from clearance.main import create_app
from clearance.migrations import alembic_config
from tests.conftest import TRADER_TAX_CODE
from tests.factories import declaration
from tests.helpers import arrive, check_documents, claim, decide, lodge, pay, read


@pytest.fixture
def sqlite_client(
    sqlite_url: str, configure: Callable[..., None], redis: Redis
) -> Iterator[TestClient]:
    configure(database_url=sqlite_url)
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client


def test_lodge_screen_review_and_release_on_sqlite(
    sqlite_client: TestClient, work: Callable[[], int]
) -> None:
    keys = create_keys(
        {Role.trader: TRADER_TAX_CODE, Role.gate: None, Role.officer: None, Role.bank: None},
        "sqlite test",
    )
    trader, gate, officer = keys[Role.trader], keys[Role.gate], keys[Role.officer]
    declaration_id = lodge(
        sqlite_client, trader, declaration(), headers={"Idempotency-Key": "sqlite-0001"}
    )
    assert (
        lodge(sqlite_client, trader, declaration(), headers={"Idempotency-Key": "sqlite-0002"})
        != declaration_id
    )
    assert work() == 1  # one trigger screens both

    assert read(sqlite_client, trader, declaration_id)["channel"] == "yellow"
    assert pay(sqlite_client, keys[Role.bank], declaration_id)["amount_vnd"] == 21_397_680
    arrive(sqlite_client, gate, declaration_id)
    claimed = claim(sqlite_client, officer)
    assert claimed["item"]["declaration_id"] == declaration_id
    assert check_documents(sqlite_client, officer, declaration_id).status_code == 201
    assert decide(sqlite_client, officer, declaration_id, decision="release").status_code == 200
    detail = read(sqlite_client, trader, declaration_id)
    assert detail["state"] == "released"
    assert detail["released_at"].endswith("Z")


def test_readyz_refuses_a_database_behind_the_code(
    tmp_path: Path, configure: Callable[..., None], redis: Redis
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0001")
    configure(database_url=url)
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        stale = client.get("/readyz")
        assert stale.status_code == 503
        assert "clearance migrate" in stale.json()["detail"]
        command.upgrade(alembic_config(url), "head")
        assert client.get("/readyz").status_code == 200
