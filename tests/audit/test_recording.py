"""Every change by every actor leaves one record, written with the change or not at all."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlmodel import Session, select, text

from clearance.audit.models import AuditRecord
from clearance.clock import FrozenClock
from clearance.declarations.models import Declaration, State
from clearance.main import create_app
from tests.conftest import auth
from tests.factories import declaration
from tests.helpers import arrive, check_documents, claim, decide, lodge, pay, read
from workers import jobs

Trail = Callable[..., list[AuditRecord]]
DECLARATION_PATH = "/v1/declarations/{declaration_id}"


def _who_what_version(rows: list[AuditRecord]) -> list[tuple[str, str, int | None]]:
    return [(row.actor, row.action, row.version) for row in rows]


def test_trader_lodgement_amendment_and_cancellation_are_recorded(
    client: TestClient, keys: dict[str, str], actors: dict[str, str], trail: Trail
) -> None:
    body = declaration()
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    amended = client.post(
        f"/v1/declarations/{declaration_id}/amendments",
        json={"declaration": body, "reason": "corrected the net weight"},
        headers=auth(keys["trader"]),
    )
    assert amended.status_code == 202, amended.text
    cancelled = client.post(
        f"/v1/declarations/{declaration_id}/cancel",
        json={"reason": "order cancelled"},
        headers=auth(keys["trader"]),
    )
    assert cancelled.status_code == 200, cancelled.text

    rows = trail(actor=actors["trader"])
    assert _who_what_version(rows) == [
        (actors["trader"], "POST /v1/declarations", 1),
        (actors["trader"], f"POST {DECLARATION_PATH}/amendments", 2),
        (actors["trader"], f"POST {DECLARATION_PATH}/cancel", 2),
    ]
    for row in rows:
        assert (row.role, row.tax_code, row.outcome) == ("trader", "0100000001", "ok")
        assert (row.target_kind, row.target_id) == ("declaration", declaration_id)
        assert row.client_address == "testclient"
        assert row.at.tzinfo is not None


def test_officer_claim_and_decision_and_gate_arrival_are_recorded(
    client: TestClient,
    keys: dict[str, str],
    actors: dict[str, str],
    trail: Trail,
    work: Callable[[], int],
) -> None:
    declaration_id = lodge(client, keys["trader"])
    work()
    pay(client, keys["bank"], declaration_id)
    arrive(client, keys["gate"], declaration_id)
    assert claim(client, keys["officer"])["item"]["declaration_id"] == declaration_id
    assert check_documents(client, keys["officer"], declaration_id).status_code == 201
    decided = decide(client, keys["officer"], declaration_id, decision="release")
    assert decided.status_code == 200, decided.text

    [arrival] = trail(actor=actors["gate"])
    assert (arrival.role, arrival.action, arrival.version) == (
        "gate",
        f"POST {DECLARATION_PATH}/arrival",
        1,
    )
    assert (arrival.target_kind, arrival.target_id) == ("declaration", declaration_id)
    officer = trail(actor=actors["officer"])
    assert _who_what_version(officer) == [
        (actors["officer"], "POST /v1/review/claim-next", 1),
        (actors["officer"], f"GET {DECLARATION_PATH}/documents", 1),  # an officer's read
        (actors["officer"], "POST /v1/review/items/{declaration_id}/document-check", 1),
        (actors["officer"], "POST /v1/review/items/{declaration_id}/decision", 1),
    ]
    # The claim's path names no declaration: the one it moved is the target.
    assert {row.target_id for row in officer} == {declaration_id}
    assert all(row.client_address == "testclient" for row in [arrival, *officer])
    # The release the decision opened is the system's action, in the same transaction.
    [released] = trail(actor="system")
    assert (released.action, released.target_id) == ("transition:decided->released", declaration_id)


def test_request_refused_for_its_role_or_key_is_recorded(
    client: TestClient, keys: dict[str, str], actors: dict[str, str], trail: Trail
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    cancel = f"/v1/declarations/{declaration_id}/cancel"
    assert (
        client.post(cancel, json={"reason": "not mine"}, headers=auth(keys["officer"])).status_code
        == 403
    )
    other_company = declaration(tax_code="0100000002")
    refused = client.post("/v1/declarations", json=other_company, headers=auth(keys["trader"]))
    assert refused.status_code == 403
    assert client.post(cancel, json={"reason": "who am I"}).status_code == 401

    rows = [row for row in trail() if row.outcome != "ok"]
    assert [(row.actor, row.role, row.action, row.outcome) for row in rows] == [
        (actors["officer"], "officer", f"POST {DECLARATION_PATH}/cancel", "403"),
        (actors["trader"], "trader", "POST /v1/declarations", "403"),
        ("anonymous", None, f"POST {DECLARATION_PATH}/cancel", "401"),
    ]
    assert rows[0].target_id == rows[2].target_id == declaration_id
    assert rows[1].target_id is None  # refused before anything was lodged
    assert read(client, keys["trader"], declaration_id)["state"] == "lodged"


def test_failed_request_leaves_no_record(
    client: TestClient, keys: dict[str, str], actors: dict[str, str], trail: Trail
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    early_exit = client.post(
        f"/v1/declarations/{declaration_id}/exit", json={}, headers=auth(keys["gate"])
    )
    assert early_exit.status_code == 409
    invalid = client.post(
        "/v1/declarations",
        json={**declaration(), "kind": "smuggling"},
        headers=auth(keys["trader"]),
    )
    assert invalid.status_code == 422

    assert trail(actor=actors["gate"]) == []
    assert [row.action for row in trail(actor=actors["trader"])] == ["POST /v1/declarations"]


def test_action_and_its_record_commit_together_or_not_at_all(
    client: TestClient,
    keys: dict[str, str],
    actors: dict[str, str],
    trail: Trail,
    session: Session,
) -> None:
    # The record is refused at commit (a constraint only this test's transaction has): the
    # lodgement it describes must be rolled back with it.
    session.connection().execute(
        text(
            "ALTER TABLE audit_record ADD CONSTRAINT ck_test_refuse_trader "
            f"CHECK (actor <> '{actors['trader']}')"
        )
    )
    body = declaration()
    response = client.post("/v1/declarations", json=body, headers=auth(keys["trader"]))

    assert response.status_code == 409, response.text
    assert session.exec(select(Declaration).where(Declaration.ucr == body["ucr"])).first() is None
    assert trail(actor=actors["trader"]) == []


@pytest.mark.parametrize("reader", ["officer", "supervisor", "operator", "gate"])
def test_officials_reads_of_one_declaration_are_recorded(
    client: TestClient,
    keys: dict[str, str],
    actors: dict[str, str],
    trail: Trail,
    reader: str,
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    read(client, keys[reader], declaration_id)
    listed = client.get(f"/v1/declarations/{declaration_id}/documents", headers=auth(keys[reader]))
    assert listed.status_code == (403 if reader == "gate" else 200)
    assert client.get("/v1/declarations", headers=auth(keys[reader])).status_code == 200

    rows = trail(actor=actors[reader])
    expected = [f"GET {DECLARATION_PATH}", f"GET {DECLARATION_PATH}/documents"]
    assert [row.action for row in rows] == expected  # the list names no one declaration
    assert rows[0].version == 1
    assert {row.target_id for row in rows} == {declaration_id}


def test_traders_reads_of_their_own_declarations_are_not_recorded(
    client: TestClient, keys: dict[str, str], actors: dict[str, str], trail: Trail
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    read(client, keys["trader"], declaration_id)
    client.get(f"/v1/declarations/{declaration_id}/documents", headers=auth(keys["trader"]))

    assert [row.action for row in trail(actor=actors["trader"])] == ["POST /v1/declarations"]


def test_worker_screening_and_system_release_leave_system_records(
    client: TestClient,
    keys: dict[str, str],
    trail: Trail,
    work: Callable[[], int],
    configure: Callable[..., None],
) -> None:
    configure(new_trader_declarations=0)  # clean goods from a known trader go green
    declaration_id = lodge(client, keys["trader"])
    work()
    pay(client, keys["bank"], declaration_id)
    response = client.post(
        f"/v1/declarations/{declaration_id}/arrival",
        json={"weighbridge_kg": "20400"},
        headers={**auth(keys["gate"]), "X-Request-ID": "gate-lane-2-000123"},
    )
    assert response.json()["state"] == "released"

    system = trail(role="system")
    assert [(row.actor, row.action) for row in system] == [
        ("worker", "transition:lodged->screening"),
        ("worker", "transition:screening->assessed"),
        ("worker", "transition:assessed->decided"),
        ("system", "transition:decided->released"),
    ]
    assert {(row.target_kind, row.target_id, row.version) for row in system} == {
        ("declaration", declaration_id, 1)
    }
    # The release was caused by the gate's request: both carry its id.
    assert [row.request_id for row in system] == [None, None, None, "gate-lane-2-000123"]
    assert trail(action=f"POST {DECLARATION_PATH}/arrival")[0].request_id == "gate-lane-2-000123"


def test_sweeper_cancellation_is_recorded(
    client: TestClient, keys: dict[str, str], trail: Trail, clock: FrozenClock, redis: Redis
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    clock.advance(timedelta(days=16))

    assert jobs.sweep()["cancelled"] == 1

    [cancelled] = trail(actor="sweeper")
    assert (cancelled.role, cancelled.action) == ("system", "transition:lodged->cancelled")
    assert (cancelled.target_id, cancelled.version) == (declaration_id, 1)
    assert read(client, keys["trader"], declaration_id)["state"] == State.cancelled


def test_no_record_holds_an_api_key(
    client: TestClient, keys: dict[str, str], session: Session, work: Callable[[], int]
) -> None:
    guessed = "clr_" + "x" * 43
    declaration_id = lodge(client, keys["trader"])
    work()
    for key in keys.values():
        client.get(f"/v1/declarations/{declaration_id}", headers=auth(key))
        client.post("/v1/review/claim-next", json={}, headers={"X-API-Key": key})
    client.get(f"/v1/declarations/{declaration_id}", headers=auth(guessed))

    rows = session.connection().execute(text("SELECT row_to_json(a)::text FROM audit_record a"))
    dumped = "\n".join(row[0] for row in rows)
    assert dumped.count('"outcome"') > len(keys)
    for secret in [*keys.values(), guessed]:
        assert secret not in dumped
        assert secret[:10] not in dumped  # not even the prefix the key table keeps


@pytest.fixture
def proxied(configure: Callable[..., None]) -> Callable[[str], TestClient]:
    """A client whose requests come from the given peer address."""
    configure(trusted_proxies='["10.0.0.0/8"]')

    def make(peer: str) -> TestClient:
        return TestClient(create_app(), raise_server_exceptions=False, client=(peer, 40000))

    return make


@pytest.mark.parametrize(
    ("peer", "forwarded", "recorded"),
    [
        pytest.param("10.0.0.5", "198.51.100.9, 10.0.0.7", "198.51.100.9", id="via two proxies"),
        pytest.param("10.0.0.5", "203.0.113.1, 198.51.100.9", "198.51.100.9", id="spoofed left"),
        pytest.param("203.0.113.5", "198.51.100.9", "203.0.113.5", id="untrusted peer"),
        pytest.param("10.0.0.5", "not-an-address", "10.0.0.5", id="garbage header"),
        pytest.param("10.0.0.5", None, "10.0.0.5", id="no header"),
    ],
)
def test_client_address_believes_x_forwarded_for_only_from_a_trusted_proxy(
    proxied: Callable[[str], TestClient],
    keys: dict[str, str],
    actors: dict[str, str],
    trail: Trail,
    redis: Redis,
    clock: FrozenClock,
    peer: str,
    forwarded: str | None,
    recorded: str,
) -> None:
    headers: dict[str, Any] = auth(keys["officer"])
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    with proxied(peer) as client:
        assert client.post("/v1/review/claim-next", json={}, headers=headers).status_code == 204

    [row] = trail(actor=actors["officer"])
    assert row.client_address == recorded
