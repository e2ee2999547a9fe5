"""Brokers declare for importers and exporters only under a live mandate (issue 6, point 1)."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearance.auth.models import Role
from clearance.clock import FrozenClock
from tests.conftest import OTHER_TAX_CODE, TRADER_TAX_CODE, auth
from tests.factories import declaration

BROKER_TAX_CODE = "0100000003"
TODAY = date(2026, 11, 30)  # START at the gate


@pytest.fixture
def broker(make_key: Callable[..., str]) -> str:
    return make_key(Role.trader, BROKER_TAX_CODE)


def grant(client: TestClient, key: str, **overrides: Any) -> Any:
    body = {
        "broker_tax_code": BROKER_TAX_CODE,
        "scope": ["import"],
        "valid_from": str(TODAY),
        "valid_to": str(TODAY + timedelta(days=30)),
        **overrides,
    }
    return client.post("/v1/mandates", json=body, headers=auth(key))


def lodge_for_client(client: TestClient, broker: str, **overrides: Any) -> Any:
    body = declaration(BROKER_TAX_CODE, trader_tax_code=TRADER_TAX_CODE, **overrides)
    return client.post("/v1/declarations", json=body, headers=auth(broker))


def test_without_a_mandate_a_broker_is_refused_by_name(client: TestClient, broker: str) -> None:
    refused = lodge_for_client(client, broker)
    assert (refused.status_code, refused.json()["code"]) == (403, "mandate_required")
    assert refused.json()["errors"][0]["field"] == "trader.tax_code"
    assert f"no mandate from {TRADER_TAX_CODE} to broker {BROKER_TAX_CODE}" in refused.text


def test_under_a_mandate_the_broker_lodges_and_both_see_the_declaration(
    client: TestClient, keys: dict[str, str], broker: str
) -> None:
    granted = grant(client, keys["trader"])
    assert granted.status_code == 201, granted.text
    assert granted.json()["client_tax_code"] == TRADER_TAX_CODE
    lodged = lodge_for_client(client, broker)
    assert lodged.status_code == 202, lodged.text
    declaration_id = lodged.json()["id"]
    for key in (broker, keys["trader"]):
        assert (
            client.get(f"/v1/declarations/{declaration_id}", headers=auth(key)).status_code == 200
        )
        listed = client.get("/v1/declarations", headers=auth(key)).json()["items"]
        assert declaration_id in {d["id"] for d in listed}
    stranger = client.get(f"/v1/declarations/{declaration_id}", headers=auth(keys["other_trader"]))
    assert stranger.status_code == 404
    # The mandate is the client's and the broker's to read, nobody else's.
    for key, seen in ((broker, 1), (keys["trader"], 1), (keys["other_trader"], 0)):
        assert len(client.get("/v1/mandates", headers=auth(key)).json()) == seen


def test_a_mandate_covers_only_its_kinds(
    client: TestClient, keys: dict[str, str], broker: str
) -> None:
    grant(client, keys["trader"], scope=["export"])
    refused = lodge_for_client(client, broker)
    assert refused.status_code == 403
    assert "for import" in refused.json()["detail"]


def test_an_expired_mandate_stops_the_broker_but_not_the_client(
    client: TestClient, keys: dict[str, str], broker: str, clock: FrozenClock
) -> None:
    mandate_id = grant(client, keys["trader"]).json()["id"]
    declaration_id = lodge_for_client(client, broker).json()["id"]
    clock.advance(timedelta(days=31))
    cancel = f"/v1/declarations/{declaration_id}/cancel"
    refused = client.post(cancel, json={"reason": "order cancelled"}, headers=auth(broker))
    assert refused.status_code == 403
    expiry = str(TODAY + timedelta(days=30))
    assert f"mandate {mandate_id} from {TRADER_TAX_CODE} to {BROKER_TAX_CODE}" in refused.text
    assert f"expired on {expiry}" in refused.text
    assert client.get(f"/v1/declarations/{declaration_id}", headers=auth(broker)).status_code == 200
    by_client = client.post(
        cancel, json={"reason": "order cancelled"}, headers=auth(keys["trader"])
    )
    assert by_client.json()["state"] == "cancelled"
    assert lodge_for_client(client, broker).status_code == 403


def test_a_mandate_not_yet_in_force_says_when_it_starts(
    client: TestClient, keys: dict[str, str], broker: str
) -> None:
    start = TODAY + timedelta(days=3)
    grant(client, keys["trader"], valid_from=str(start), valid_to=str(start + timedelta(days=9)))
    refused = lodge_for_client(client, broker)
    assert f"starts on {start}" in refused.json()["detail"]


def test_the_client_revokes_and_the_broker_cannot(
    client: TestClient, keys: dict[str, str], broker: str
) -> None:
    mandate_id = grant(client, keys["trader"]).json()["id"]
    assert client.post(f"/v1/mandates/{mandate_id}/revoke", headers=auth(broker)).status_code == 404
    revoked = client.post(f"/v1/mandates/{mandate_id}/revoke", headers=auth(keys["trader"]))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    again = client.post(f"/v1/mandates/{mandate_id}/revoke", headers=auth(keys["trader"]))
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]  # idempotent
    assert lodge_for_client(client, broker).status_code == 403


def test_a_supervisor_records_a_paper_mandate_for_a_named_client(
    client: TestClient, keys: dict[str, str], broker: str
) -> None:
    unnamed = grant(client, keys["supervisor"])
    assert unnamed.status_code == 422
    assert unnamed.json()["errors"][0]["field"] == "client_tax_code"
    named = grant(client, keys["supervisor"], client_tax_code=TRADER_TAX_CODE)
    assert named.status_code == 201, named.text
    assert named.json()["granted_by"].startswith("supervisor:")
    assert lodge_for_client(client, broker).status_code == 202


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"client_tax_code": OTHER_TAX_CODE}, "client_tax_code"),
        ({"broker_tax_code": TRADER_TAX_CODE}, "broker_tax_code"),
        ({"valid_to": str(TODAY - timedelta(days=1))}, "valid_to"),
        ({"scope": []}, "scope"),
        ({"scope": ["import", "import"]}, "scope"),
        ({"broker_tax_code": "12"}, "broker_tax_code"),
    ],
)
def test_a_bad_mandate_is_refused_naming_the_field(
    client: TestClient, keys: dict[str, str], overrides: dict[str, Any], field: str
) -> None:
    response = grant(client, keys["trader"], **overrides)
    assert response.status_code == 422, response.text
    assert field in response.text
