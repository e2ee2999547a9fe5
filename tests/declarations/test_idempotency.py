"""Retries never create duplicates: Idempotency-Key and the per-trader UCR."""

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from clearance.declarations.models import Declaration
from tests.conftest import auth
from tests.factories import declaration


def _count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Declaration)).one()


def test_same_key_and_body_return_the_same_declaration(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    body = declaration()
    headers = {**auth(keys["trader"]), "Idempotency-Key": "retry-0001-abcdef"}
    first = client.post("/v1/declarations", json=body, headers=headers)
    second = client.post("/v1/declarations", json=body, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert (
        first.headers["Location"]
        == second.headers["Location"]
        == f"/v1/declarations/{first.json()['id']}"
    )
    assert _count(session) == 1


def test_same_key_with_another_body_is_a_conflict(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    headers = {**auth(keys["trader"]), "Idempotency-Key": "retry-0002-abcdef"}
    assert client.post("/v1/declarations", json=declaration(), headers=headers).status_code == 202
    reused = client.post("/v1/declarations", json=declaration(), headers=headers)
    assert reused.status_code == 409
    assert reused.headers["content-type"] == "application/problem+json"
    assert reused.json()["code"] == "idempotency_key_reused"
    assert _count(session) == 1


def test_keys_are_per_trader(client: TestClient, keys: dict[str, str], session: Session) -> None:
    key = {"Idempotency-Key": "shared-key-0003"}
    mine = client.post(
        "/v1/declarations", json=declaration(), headers={**auth(keys["trader"]), **key}
    )
    theirs = client.post(
        "/v1/declarations",
        json=declaration("0100000002"),
        headers={**auth(keys["other_trader"]), **key},
    )
    assert mine.status_code == theirs.status_code == 202
    assert mine.json()["id"] != theirs.json()["id"]
    assert _count(session) == 2


def test_a_ucr_is_used_once_per_declarant(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    body = declaration()
    assert (
        client.post("/v1/declarations", json=body, headers=auth(keys["trader"])).status_code == 202
    )
    again = client.post("/v1/declarations", json=body, headers=auth(keys["trader"]))
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_ucr"
    first = client.get("/v1/declarations", headers=auth(keys["trader"])).json()["items"][0]
    assert f"already used by declaration {first['id']}" in again.json()["detail"]
    other = client.post(
        "/v1/declarations",
        json={**declaration("0100000002"), "ucr": body["ucr"]},
        headers=auth(keys["other_trader"]),
    )
    assert other.status_code == 202
    assert _count(session) == 2


def test_replay_does_not_enqueue_a_second_job(
    client: TestClient, keys: dict[str, str], redis: object
) -> None:
    from clearance.queues import screening_queue

    body, headers = declaration(), {**auth(keys["trader"]), "Idempotency-Key": "retry-0004-abcdef"}
    client.post("/v1/declarations", json=body, headers=headers)
    client.post("/v1/declarations", json=body, headers=headers)
    assert screening_queue().count == 1
