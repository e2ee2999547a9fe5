"""A burst is answered, not queued for ever: reads beside a SQLite writer, a full pool is a 503."""

import json
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator

import httpx2
import pytest
import uvicorn
from anyio import to_thread
from fastapi.testclient import TestClient
from redis import Redis

from clearance import db
from clearance.auth.models import ApiKey, Role
from clearance.embedded import create_keys
from clearance.main import create_app
from tests.conftest import TRADER_TAX_CODE, auth
from tests.documents.helpers import invoice, pdf
from tests.factories import declaration
from tests.helpers import lodge

ANSWER_WITHIN_SECONDS = 5.0


@pytest.fixture
def sqlite_client(
    sqlite_url: str, configure: Callable[..., None], redis: Redis
) -> Iterator[TestClient]:
    configure(database_url=sqlite_url)
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def tiny_pool_client(
    cloned_db: str, configure: Callable[..., None], redis: Redis
) -> Iterator[TestClient]:
    """The service on a database of its own through a pool of one connection."""
    configure(
        database_url=cloned_db, db_pool_size=1, db_max_overflow=0, db_pool_timeout_seconds=0.2
    )
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client
    db.get_engine().dispose()


def _answer_in_time(request: Callable[[], httpx2.Response]) -> httpx2.Response | None:
    answers: list[httpx2.Response] = []
    thread = threading.Thread(target=lambda: answers.append(request()))
    thread.start()
    thread.join(ANSWER_WITHIN_SECONDS)
    return answers[0] if answers else None


def test_on_sqlite_a_read_is_answered_while_a_writer_holds_the_lock(
    sqlite_client: TestClient, sqlite_url: str
) -> None:
    trader = create_keys({Role.trader: TRADER_TAX_CODE}, "sqlite reads")[Role.trader]
    declaration_id = lodge(sqlite_client, trader, declaration())
    writer = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a long write transaction: the one write lock is taken
    try:
        detail = _answer_in_time(
            lambda: sqlite_client.get(f"/v1/declarations/{declaration_id}", headers=auth(trader))
        )
        listed = _answer_in_time(
            lambda: sqlite_client.get("/v1/declarations", headers=auth(trader))
        )
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert detail is not None, "the read waited for the writer"
    assert detail.status_code == 200, detail.text
    assert listed is not None and listed.status_code == 200


def test_an_audited_read_on_sqlite_still_writes_its_record(
    sqlite_client: TestClient,
) -> None:
    keys = create_keys({Role.trader: TRADER_TAX_CODE, Role.supervisor: None}, "sqlite audit")
    declaration_id = lodge(sqlite_client, keys[Role.trader], declaration())
    path = f"/v1/declarations/{declaration_id}"

    assert sqlite_client.get(path, headers=auth(keys[Role.supervisor])).status_code == 200

    trail = sqlite_client.get(
        "/v1/audit", params={"target_id": declaration_id}, headers=auth(keys[Role.supervisor])
    )
    assert trail.status_code == 200, trail.text
    actions = [record["action"] for record in trail.json()["items"]]
    assert "GET /v1/declarations/{declaration_id}" in actions, actions


def test_an_exhausted_pool_is_a_503_with_retry_after(tiny_pool_client: TestClient) -> None:
    trader = create_keys({Role.trader: TRADER_TAX_CODE}, "tiny pool")[Role.trader]
    held = db.get_engine().connect()  # the pool's only connection, taken
    try:
        busy = tiny_pool_client.get("/v1/declarations", headers=auth(trader))
    finally:
        held.close()

    assert busy.status_code == 503, busy.text
    assert busy.headers["Retry-After"] == "2"
    assert busy.headers["Content-Type"] == "application/problem+json"
    assert busy.json()["code"] == "unavailable"
    assert tiny_pool_client.get("/v1/declarations", headers=auth(trader)).status_code == 200


@pytest.fixture
def tiny_pool_server(cloned_db: str, configure: Callable[..., None], redis: Redis) -> Iterator[str]:
    """The service served by uvicorn on a port of its own, through a pool of two connections
    (lodging's set writer keeps one once it has written): a client there can send half a
    request and wait, as a slow upload does."""
    configure(
        database_url=cloned_db, db_pool_size=2, db_max_overflow=0, db_pool_timeout_seconds=0.5
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    db.get_engine().dispose()


def test_a_file_streaming_in_holds_no_database_connection(tiny_pool_server: str) -> None:
    trader = create_keys({Role.trader: TRADER_TAX_CODE}, "slow upload")[Role.trader]
    with httpx2.Client(base_url=tiny_pool_server, timeout=10) as client:
        declaration_id = lodge(client, trader, documents=False)  # type: ignore[arg-type]
        upload = client.build_request(
            "POST",
            f"/v1/declarations/{declaration_id}/documents",
            files={"file": ("scan.pdf", pdf(), "application/pdf")},
            data={"fields": json.dumps(invoice())},
            headers=auth(trader),
        )
        body = upload.read()
        head = [f"POST {upload.url.raw_path.decode()} HTTP/1.1"]
        head += [f"{name}: {value}" for name, value in upload.headers.items()]
        with socket.create_connection(("127.0.0.1", upload.url.port or 80)) as slow:
            # The headers and half the file: the route checks the declaration, then waits.
            slow.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body[: len(body) // 2])
            time.sleep(0.3)
            meanwhile = client.get(f"/v1/declarations/{declaration_id}", headers=auth(trader))
            slow.sendall(body[len(body) // 2 :])
            answer = slow.makefile("rb").readline()

    # The pool's other connection was free for another request while the file came in.
    assert meanwhile.status_code == 200, meanwhile.text
    assert answer.startswith(b"HTTP/1.1 201"), answer


def test_releasing_a_session_refuses_to_drop_changes_not_yet_written(
    tiny_pool_client: TestClient,
) -> None:
    with db.new_session() as session:
        session.get(ApiKey, 1)
        db.release(session)  # reads only: the connection goes back
        assert not session.in_transaction()
        session.add(ApiKey(digest="0" * 64, prefix="clr_0", role=Role.trader))
        with pytest.raises(RuntimeError, match="not yet written"):
            db.release(session)


def test_the_thread_pool_is_as_large_as_the_connections_for_it(
    tiny_pool_client: TestClient,
) -> None:
    # One connection, and the lodging set writer may keep one: a thread still, never none.
    assert tiny_pool_client.portal is not None  # the client's loop runs
    tokens = tiny_pool_client.portal.call(
        lambda: to_thread.current_default_thread_limiter().total_tokens
    )
    assert tokens == 1


def test_the_thread_pool_is_the_pool_less_the_set_writers_connection(
    configure: Callable[..., None],
) -> None:
    configure(db_pool_size=10, db_max_overflow=10)
    assert db.api_threads("postgresql+psycopg://clearance@127.0.0.1/clearance") == 19
    assert db.api_threads("sqlite:///clearance.db") == db.API_THREADS
