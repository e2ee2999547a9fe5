"""API keys: issued and revoked by supervisors, rotated by their holders, rate limited."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from clearance.audit.models import AuditRecord
from clearance.auth.models import ApiKey
from clearance.clock import FrozenClock
from tests.conftest import START, TRADER_TAX_CODE, auth
from tests.factories import declaration


def issue(client: TestClient, keys: dict[str, str], **body: Any) -> Any:
    return client.post("/v1/keys", json=body, headers=auth(keys["supervisor"]))


def test_a_supervisor_issues_a_key_that_is_shown_once(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    issued = issue(client, keys, role="trader", tax_code=TRADER_TAX_CODE, name="ERP link")
    assert issued.status_code == 201, issued.text
    plain = issued.json()["key"]
    assert plain.startswith(issued.json()["prefix"])
    assert client.get("/v1/declarations", headers=auth(plain)).status_code == 200
    listed = client.get("/v1/keys", headers=auth(keys["supervisor"]))
    assert listed.status_code == 200
    assert plain not in listed.text and "digest" not in listed.text
    assert issued.json()["id"] in {k["id"] for k in listed.json()}
    # Neither the audit trail nor the table keeps the secret.
    rows = session.exec(select(AuditRecord)).all()
    assert rows and all(plain not in str(row.model_dump()) for row in rows)
    stored = session.get(ApiKey, issued.json()["id"])
    assert stored is not None and plain not in str(stored.model_dump())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "trader"}, "tax_code"),
        ({"role": "gate", "tax_code": TRADER_TAX_CODE}, "tax_code"),
        ({"role": "admiral"}, "role"),
        ({"role": "trader", "tax_code": "12"}, "tax_code"),
    ],
)
def test_a_bad_key_request_names_the_field(
    client: TestClient, keys: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = issue(client, keys, **body)
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"][0]["field"]


def test_a_revoked_key_opens_nothing(client: TestClient, keys: dict[str, str]) -> None:
    issued = issue(client, keys, role="gate").json()
    url = f"/v1/keys/{issued['id']}/revoke"
    revoked = client.post(url, headers=auth(keys["supervisor"]))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.get("/v1/declarations", headers=auth(issued["key"])).status_code == 401
    assert client.post("/v1/keys/99999/revoke", headers=auth(keys["supervisor"])).status_code == 404
    assert client.post(url, headers=auth(keys["officer"])).status_code == 403


def test_rotation_gives_a_successor_and_the_old_key_works_only_through_the_grace(
    client: TestClient, keys: dict[str, str], clock: FrozenClock, configure: Callable[..., None]
) -> None:
    configure(key_rotation_grace_seconds=600)
    old = keys["trader"]
    rotated = client.post("/v1/keys/rotate", headers=auth(old))
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()["key"]
    assert rotated.json()["tax_code"] == TRADER_TAX_CODE and new != old
    for key in (old, new):
        assert client.get("/v1/declarations", headers=auth(key)).status_code == 200
    clock.advance(timedelta(seconds=601))
    expired = client.get("/v1/declarations", headers=auth(old))
    assert expired.status_code == 401
    assert "rotated" in expired.json()["detail"]
    assert client.get("/v1/declarations", headers=auth(new)).status_code == 200


def test_a_rotated_key_cannot_rotate_again_only_its_successor_can(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    old = keys["trader"]
    first = client.post("/v1/keys/rotate", headers=auth(old))
    assert first.status_code == 201, first.text
    again = client.post("/v1/keys/rotate", headers=auth(old))
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "key_already_rotated"
    # The old key still reads during its grace period; it just cannot mint keys.
    assert client.get("/v1/declarations", headers=auth(old)).status_code == 200
    successor = client.post("/v1/keys/rotate", headers=auth(first.json()["key"]))
    assert successor.status_code == 201, successor.text
    session.expire_all()
    chain = [session.get(ApiKey, body.json()["id"]) for body in (first, successor)]
    # One live key at the end of the chain: every earlier one expires.
    assert [k is not None and k.expires_at is None for k in chain] == [False, True]


def test_each_key_is_rate_limited_on_its_own(
    client: TestClient, keys: dict[str, str], configure: Callable[..., None]
) -> None:
    configure(rate_limit_per_second=3)
    answers = [client.get("/v1/declarations", headers=auth(keys["trader"])) for _ in range(10)]
    limited = [a for a in answers if a.status_code == 429]
    # Ten requests span at most two wall-clock seconds: at most six get through.
    assert len(limited) >= 4
    assert limited[0].headers["Retry-After"] == "1"
    assert limited[0].json()["code"] == "rate_limited"
    assert all(a.status_code in {200, 429} for a in answers)
    other = client.get("/v1/declarations", headers=auth(keys["other_trader"]))
    assert other.status_code == 200


def test_the_limit_is_not_applied_while_redis_is_down(
    client: TestClient, keys: dict[str, str], configure: Callable[..., None]
) -> None:
    configure(rate_limit_per_second=1, redis_url="redis://127.0.0.1:1/0")
    answers = [client.get("/v1/declarations", headers=auth(keys["trader"])) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]


def test_a_key_revoked_elsewhere_is_refused_once_this_process_reads_it_again(
    client: TestClient, keys: dict[str, str], session: Session, configure: Callable[..., None]
) -> None:
    configure(key_cache_seconds=60)
    assert client.get("/v1/declarations", headers=auth(keys["trader"])).status_code == 200
    # Revoked by another process: this one's kept row says nothing of it yet.
    for key in session.exec(select(ApiKey).where(ApiKey.tax_code == TRADER_TAX_CODE)).all():
        key.revoked_at = START
        session.add(key)
    session.commit()
    assert client.get("/v1/declarations", headers=auth(keys["trader"])).status_code == 200

    configure(key_cache_seconds=0)  # as `key_cache_seconds` after the revocation

    refused = client.post("/v1/declarations", json=declaration(), headers=auth(keys["trader"]))
    assert refused.status_code == 401
    assert client.get("/v1/declarations", headers=auth(keys["trader"])).status_code == 401
