"""The set writer's own connection, on a real PostgreSQL whose backends the tests terminate:
a connection the server closed while idle is replaced before the next set; one lost during a
set fails that set only (503), and the next set connects again."""

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import create_engine, make_url, text

from clearance import db
from clearance.auth.models import Role
from clearance.declarations import lodging
from clearance.embedded import create_keys
from clearance.main import create_app
from tests.conftest import PG_ADMIN_URL, TRADER_TAX_CODE, auth
from tests.factories import declaration

WAIT_SECONDS = 20.0


@pytest.fixture
def own_db_client(
    cloned_db: str, configure: Callable[..., None], redis: Redis
) -> Iterator[TestClient]:
    """The service on a database of its own: the set writer keeps a connection there."""
    configure(database_url=cloned_db)
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client
    lodging._connection.close()
    db.get_engine().dispose()


def _admin(database_url: str, statement: str, **params: Any) -> list[Any]:
    engine = create_engine(PG_ADMIN_URL)
    try:
        with engine.connect() as connection:
            rows = list(connection.execute(text(statement), {**params, "db": _name(database_url)}))
            connection.commit()
        return rows
    finally:
        engine.dispose()


def _name(database_url: str) -> str:
    return str(make_url(database_url).database)


def _terminate_all(database_url: str) -> int:
    """pg_terminate_backend on every connection of the service to this test's database, and
    wait until they are gone: the call returns before a backend has said goodbye, and a set
    sent in between fails with a 503 (the next test's case)."""
    pids = [
        int(pid)
        for (pid, _terminated) in _admin(
            database_url,
            # In the select list, not the WHERE clause: only the rows the filter kept.
            "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :db AND application_name = :app AND pid <> pg_backend_pid()",
            app=db.APPLICATION_NAME,
        )
    ]
    deadline = time.monotonic() + WAIT_SECONDS
    while _admin(
        database_url, "SELECT pid FROM pg_stat_activity WHERE pid = ANY(:pids)", pids=pids
    ):
        assert time.monotonic() < deadline, "the terminated backends did not go"
        time.sleep(0.02)
    return len(pids)


def _lodge(client: TestClient, key: str, body: dict[str, Any], idem: str) -> httpx2.Response:
    headers = {**auth(key), "Idempotency-Key": idem}
    return client.post("/v1/declarations", json=body, headers=headers)


def _declarations_with_ucr(database_url: str, ucr: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT count(*) FROM declaration WHERE ucr = :ucr"), {"ucr": ucr}
            )
            return int(found.scalar_one())
    finally:
        engine.dispose()


def test_a_connection_the_server_closed_while_idle_is_replaced_before_the_next_set(
    own_db_client: TestClient, cloned_db: str
) -> None:
    trader = create_keys({Role.trader: TRADER_TAX_CODE}, "idle drop")[Role.trader]
    assert _lodge(own_db_client, trader, declaration(), "idle-drop-0001").status_code == 202

    assert _terminate_all(cloned_db) >= 1  # the writer's connection among them

    again = _lodge(own_db_client, trader, declaration(), "idle-drop-0002")
    assert again.status_code == 202, again.text
    assert _lodge(own_db_client, trader, declaration(), "idle-drop-0003").status_code == 202


def test_a_connection_lost_during_a_set_fails_that_set_only_and_the_next_set_reconnects(
    own_db_client: TestClient, cloned_db: str
) -> None:
    trader = create_keys({Role.trader: TRADER_TAX_CODE}, "set drop")[Role.trader]
    assert _lodge(own_db_client, trader, declaration(), "set-drop-0001").status_code == 202
    body = declaration()
    answers: list[httpx2.Response] = []
    blocking = create_engine(cloned_db)
    blocker = blocking.connect()
    try:
        # The set's INSERT waits behind this lock, so its backend is terminated mid-set.
        blocker.execute(text("LOCK TABLE declaration IN SHARE MODE"))
        lodging_thread = threading.Thread(
            target=lambda: answers.append(_lodge(own_db_client, trader, body, "set-drop-0002"))
        )
        lodging_thread.start()
        writer_pid = _waiting_on_a_lock(cloned_db)
        _admin(cloned_db, "SELECT pg_terminate_backend(:pid)", pid=writer_pid)
        lodging_thread.join(WAIT_SECONDS)
    finally:
        blocker.rollback()
        blocker.close()
        blocking.dispose()

    [failed] = answers
    assert failed.status_code == 503, failed.text
    assert failed.headers["Content-Type"] == "application/problem+json"
    assert int(failed.headers["Retry-After"]) > 0
    assert _declarations_with_ucr(cloned_db, body["ucr"]) == 0  # nothing half-written
    retried = _lodge(own_db_client, trader, body, "set-drop-0002")
    assert retried.status_code == 202, retried.text
    assert _declarations_with_ucr(cloned_db, body["ucr"]) == 1


def test_on_its_own_connection_a_refused_set_is_written_again_one_at_a_time(
    own_db_client: TestClient, cloned_db: str
) -> None:
    trader = create_keys({Role.trader: TRADER_TAX_CODE}, "refused set")[Role.trader]
    body = declaration()
    first = _lodge(own_db_client, trader, body, "refused-set-0001")
    replay = _lodge(own_db_client, trader, body, "refused-set-0001")
    taken = _lodge(own_db_client, trader, body, "refused-set-0002")  # the same UCR, a new key
    reused = _lodge(own_db_client, trader, declaration(), "refused-set-0001")
    after = _lodge(own_db_client, trader, declaration(), "refused-set-0003")

    assert first.status_code == replay.status_code == after.status_code == 202
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert (taken.status_code, taken.json()["code"]) == (409, "duplicate_ucr")
    assert reused.status_code == 409, reused.text
    assert _declarations_with_ucr(cloned_db, body["ucr"]) == 1


def _waiting_on_a_lock(database_url: str) -> int:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        rows = _admin(
            database_url,
            "SELECT pid FROM pg_stat_activity WHERE datname = :db AND wait_event_type = 'Lock'",
        )
        if rows:
            return int(rows[0][0])
        time.sleep(0.05)
    raise AssertionError("the set's INSERT never waited for the lock")
