"""Amendments: a new version, screened again, never given a less strict channel."""

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from clearance.declarations.models import Assessment, Declaration
from tests.conftest import OTHER_TAX_CODE, TRADER_TAX_CODE, auth
from tests.factories import UREA_LINE, USED_CLOTHING_LINE, declaration
from tests.helpers import grant_mandate, lodge, read
from workers import jobs


def _amend(client: TestClient, key: str, declaration_id: str, body: dict[str, Any]) -> Any:
    return client.post(
        f"/v1/declarations/{declaration_id}/amendments",
        json={"declaration": body, "reason": "corrected the goods"},
        headers=auth(key),
    )


def test_amendment_is_screened_again_and_keeps_the_stricter_channel(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    session: Session,
    configure: Callable[..., None],
) -> None:
    configure(new_trader_declarations=0)
    body = declaration(lines=[USED_CLOTHING_LINE])
    # No documents: those of the first goods would contradict the amended ones.
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    work()
    assert read(client, keys["officer"], declaration_id)["channel"] == "red"

    amended = _amend(client, keys["trader"], declaration_id, {**body, "lines": [UREA_LINE]})
    assert amended.status_code == 202, amended.text
    assert amended.json()["version"] == 2
    assert work() == 1

    detail = read(client, keys["officer"], declaration_id)
    assert detail["version"] == 2
    assert detail["declaration"]["lines"][0]["hs_code"] == UREA_LINE["hs_code"]
    assert detail["risk"]["score"] == 0.0  # the new goods alone would go green...
    assert detail["channel"] == "red"  # ...but an amendment never lowers the channel
    versions = session.exec(select(Assessment.version, Assessment.channel)).all()
    assert sorted(versions) == [(1, "red"), (2, "red")]


def test_a_version_amended_before_screening_is_never_screened(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], session: Session
) -> None:
    body = declaration()
    declaration_id = lodge(client, keys["trader"], body)
    assert _amend(client, keys["trader"], declaration_id, body).status_code == 202
    assert work() == 1  # the lodgement's trigger was still waiting: the amendment added none
    assert jobs.screen_declaration(declaration_id, 1) == "skipped"  # v1 is no longer pending
    assessments = session.exec(select(Assessment.version)).all()
    assert assessments == [2]


def test_amendment_must_keep_the_ucr(client: TestClient, keys: dict[str, str]) -> None:
    body = declaration()
    declaration_id = lodge(client, keys["trader"], body)
    response = _amend(client, keys["trader"], declaration_id, {**body, "ucr": "MLT-OTHER-0001"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "declaration.ucr"


def test_no_amendment_after_the_decision(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    configure: Callable[..., None],
) -> None:
    configure(new_trader_declarations=0)
    body = declaration()
    declaration_id = lodge(client, keys["trader"], body)
    work()
    assert read(client, keys["trader"], declaration_id)["state"] == "decided"
    response = _amend(client, keys["trader"], declaration_id, body)
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert read(client, keys["trader"], declaration_id)["version"] == 1


def test_amendment_during_review_takes_the_item_back_from_the_officer(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    body = declaration()
    declaration_id = lodge(client, keys["trader"], body)
    work()
    claimed = client.post("/v1/review/claim-next", json={}, headers=auth(keys["officer"]))
    assert claimed.status_code == 200
    assert _amend(client, keys["trader"], declaration_id, body).status_code == 202
    late = client.post(
        f"/v1/review/items/{declaration_id}/decision",
        json={"decision": "release", "version": 1},
        headers=auth(keys["officer"]),
    )
    assert late.status_code == 409
    work()
    queue = client.get("/v1/review/queue", headers=auth(keys["officer"])).json()
    assert [(item["version"], item["leased_by"]) for item in queue] == [(2, None)]


def test_a_broker_cannot_amend_its_client_out_of_the_clients_declaration(
    client: TestClient, keys: dict[str, str]
) -> None:
    grant_mandate(client, keys["other_trader"], TRADER_TAX_CODE)
    body = declaration(TRADER_TAX_CODE, trader_tax_code=OTHER_TAX_CODE)
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    broker_as_trader = declaration(TRADER_TAX_CODE, trader_tax_code=TRADER_TAX_CODE)
    broker_as_trader["ucr"] = body["ucr"]

    refused = _amend(client, keys["trader"], declaration_id, broker_as_trader)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["declaration.trader.tax_code"]
    # The client still owns it, at the version it had; the broker still sees it too.
    mine = read(client, keys["other_trader"], declaration_id)
    assert mine["version"] == 1
    assert mine["declaration"]["trader"]["tax_code"] == OTHER_TAX_CODE
    assert read(client, keys["trader"], declaration_id)["version"] == 1


def test_an_importer_cannot_take_over_a_declaration_its_broker_lodged(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    grant_mandate(client, keys["other_trader"], TRADER_TAX_CODE)
    body = declaration(TRADER_TAX_CODE, trader_tax_code=OTHER_TAX_CODE)
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    as_declarant = declaration(OTHER_TAX_CODE, trader_tax_code=OTHER_TAX_CODE)
    as_declarant["ucr"] = body["ucr"]

    refused = _amend(client, keys["other_trader"], declaration_id, as_declarant)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["declaration.declarant.tax_code"]
    stored = session.get(Declaration, uuid.UUID(declaration_id))
    assert stored is not None and stored.declarant_tax_code == TRADER_TAX_CODE
