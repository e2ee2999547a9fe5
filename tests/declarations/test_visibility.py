"""Who sees what: traders see their own declarations, never why one was selected."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import OTHER_TAX_CODE, TRADER_TAX_CODE, auth
from tests.factories import USED_CLOTHING_LINE, declaration
from tests.helpers import grant_mandate, lodge, read


def test_another_traders_declaration_is_not_found(client: TestClient, keys: dict[str, str]) -> None:
    declaration_id = lodge(client, keys["trader"])
    url = f"/v1/declarations/{declaration_id}"
    other = auth(keys["other_trader"])
    attempts = [
        client.get(url, headers=other),
        client.post(f"{url}/cancel", json={"reason": "mine now"}, headers=other),
        client.post(
            f"{url}/amendments",
            json={"reason": "mine now", "declaration": declaration(OTHER_TAX_CODE)},
            headers=other,
        ),
    ]
    for response in attempts:
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "declaration_not_found"
    assert client.get("/v1/declarations", headers=other).json()["items"] == []
    assert read(client, keys["trader"], declaration_id)["state"] == "lodged"


def test_the_importer_sees_what_its_broker_lodged(client: TestClient, keys: dict[str, str]) -> None:
    grant_mandate(client, keys["other_trader"], TRADER_TAX_CODE)
    body = declaration(TRADER_TAX_CODE, trader_tax_code=OTHER_TAX_CODE)
    declaration_id = lodge(client, keys["trader"], body)
    assert read(client, keys["other_trader"], declaration_id)["id"] == declaration_id


def test_traders_never_see_risk_reasons_officers_do(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    declaration_id = lodge(client, keys["trader"], declaration(lines=[USED_CLOTHING_LINE]))
    work()
    as_trader = client.get(f"/v1/declarations/{declaration_id}", headers=auth(keys["trader"]))
    assert as_trader.json()["channel"] == "red"
    assert as_trader.json()["risk"] is None
    for word in ("R-PROHIBITED", "prohibited", "score", "Decree"):
        assert word not in as_trader.text
    for role in ("officer", "supervisor", "operator"):
        risk = read(client, keys[role], declaration_id)["risk"]
        assert risk["hard_hit"] is True
        assert "R-PROHIBITED" in [reason["rule_id"] for reason in risk["reasons"]]


def test_list_is_paginated_newest_first_and_filtered_by_state(
    client: TestClient, keys: dict[str, str], clock: object
) -> None:
    from datetime import timedelta

    from clearance.clock import FrozenClock

    assert isinstance(clock, FrozenClock)
    ids = []
    for _ in range(5):
        ids.append(lodge(client, keys["trader"]))
        clock.advance(timedelta(minutes=1))
    client.post(
        f"/v1/declarations/{ids[0]}/cancel",
        json={"reason": "not needed"},
        headers=auth(keys["trader"]),
    )

    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/declarations", params=params, headers=auth(keys["trader"])).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))

    cancelled = client.get("/v1/declarations?state=cancelled", headers=auth(keys["trader"])).json()
    assert [item["id"] for item in cancelled["items"]] == [ids[0]]
    window = client.get(
        "/v1/declarations",
        params={"from": "2026-11-30T08:01:00Z", "to": "2026-11-30T08:03:00Z"},
        headers=auth(keys["trader"]),
    ).json()
    assert [item["id"] for item in window["items"]] == [ids[2], ids[1]]


def test_requests_without_a_valid_key_are_refused(client: TestClient) -> None:
    missing = client.get("/v1/declarations")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    wrong = client.get("/v1/declarations", headers=auth("clr_not-a-real-key"))
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "unauthorized"
