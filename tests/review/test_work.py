"""An officer's work on a claimed item: document checks, inspections, decisions and cases."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from clearance.declarations.models import Decision
from clearance.risk.models import HistoryEntry
from tests.conftest import auth
from tests.documents.helpers import contract, image, upload
from tests.factories import USED_CLOTHING_LINE, declaration
from tests.helpers import (
    arrive,
    check_documents,
    claim,
    decide,
    inspect_goods,
    lodge,
    pay,
    read,
)

PNG = image("PNG")
PHOTO = {"kind": "inspection_photo", "number": "P-1"}
WEIGHT = {"code": "weight", "line": 1, "detail": "2 t more than declared"}


def review_record(client: TestClient, key: str, declaration_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/review/items/{declaration_id}", headers=auth(key))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def yellow(client: TestClient, keys: dict[str, str], work: Callable[[], int]) -> str:
    """A new trader's declaration, claimed by the officer."""
    declaration_id = lodge(client, keys["trader"])
    work()
    assert claim(client, keys["officer"])["item"]["declaration_id"] == declaration_id
    return declaration_id


@pytest.fixture
def red(client: TestClient, keys: dict[str, str], work: Callable[[], int]) -> str:
    """Prohibited goods at the gate, sent to inspection and claimed for it by the officer."""
    declaration_id = lodge(client, keys["trader"], declaration(lines=[USED_CLOTHING_LINE]))
    work()
    claim(client, keys["officer"])
    assert decide(client, keys["officer"], declaration_id, decision="inspect").status_code == 200
    arrive(client, keys["gate"], declaration_id)
    claim(client, keys["officer"], lane="inspection")
    return declaration_id


def test_accepted_documents_let_a_yellow_declaration_be_released(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    refused = decide(client, keys["officer"], yellow, decision="release")
    assert (refused.status_code, refused.json()["code"]) == (409, "check_required")

    checked = check_documents(client, keys["officer"], yellow)
    assert checked.status_code == 201, checked.text
    assert checked.json()["all_accepted"] is True
    assert {v["kind"] for v in checked.json()["verdicts"]} >= {"invoice", "packing_list"}
    pay(client, keys["bank"], yellow)
    arrive(client, keys["gate"], yellow)
    assert decide(client, keys["officer"], yellow, decision="release").json()["state"] == "released"
    [recorded] = review_record(client, keys["supervisor"], yellow)["document_checks"]
    assert recorded["officer"].startswith("officer:")


def test_a_queried_document_holds_the_declaration_with_the_officers_note(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    checked = check_documents(
        client, keys["officer"], yellow, invoice="unit prices missing on page 2"
    )
    assert checked.status_code == 201, checked.text
    assert checked.json()["all_accepted"] is False
    detail = read(client, keys["trader"], yellow)
    assert detail["state"] == "held"
    [query] = detail["queries"]
    assert "invoice" in query["text"] and "unit prices missing on page 2" in query["text"]
    record = review_record(client, keys["officer"], yellow)
    assert record["lease"] is None  # the item went back to the held lane
    assert record["item"]["lane"] == "held"


def test_a_document_check_judges_every_document_of_this_declaration_once(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    documents = client.get(
        f"/v1/declarations/{yellow}/documents", headers=auth(keys["officer"])
    ).json()["documents"]
    url = f"/v1/review/items/{yellow}/document-check"

    def post(verdicts: list[dict[str, Any]]) -> Any:
        return client.post(
            url, json={"version": 1, "documents": verdicts}, headers=auth(keys["officer"])
        )

    first = {"document_id": documents[0]["id"], "verdict": "accepted"}
    partial = post([first])
    assert partial.status_code == 422
    assert partial.json()["errors"][0]["field"] == "documents"
    assert documents[1]["number"] in partial.json()["errors"][0]["message"]
    twice = post([first, first])
    assert twice.json()["errors"][0]["field"] == "documents[1].document_id"
    foreign = {"document_id": "00000000-0000-4000-8000-000000000000", "verdict": "accepted"}
    assert post([foreign]).json()["errors"][0]["field"] == "documents[0].document_id"
    unexplained = post([{"document_id": documents[0]["id"], "verdict": "queried"}])
    assert unexplained.status_code == 422
    assert "note" in unexplained.text
    stale = check_documents(client, keys["officer"], yellow, version=2)
    assert stale.json()["code"] == "stale_version"
    assert review_record(client, keys["officer"], yellow)["document_checks"] == []


def test_work_needs_the_callers_lease(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    other = check_documents(client, keys["supervisor"], yellow)
    assert (other.status_code, other.json()["code"]) == (409, "lease_required")
    assert inspect_goods(client, keys["supervisor"], yellow).json()["code"] == "lease_required"


def test_escalation_turns_a_yellow_declaration_red_and_sends_it_to_inspection(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    assert decide(client, keys["officer"], yellow, decision="inspect").status_code == 409
    escalated = decide(client, keys["officer"], yellow, decision="escalate", reason="odd weight")
    assert escalated.json()["state"] == "inspection"
    detail = read(client, keys["officer"], yellow)
    assert detail["channel"] == "red"
    assert claim(client, keys["officer"], lane="inspection")["item"]["declaration_id"] == yellow
    again = decide(client, keys["officer"], yellow, decision="escalate")
    assert again.status_code == 409


def test_inspection_waits_for_the_goods_and_records_what_was_found(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], session: Session
) -> None:
    declaration_id = lodge(client, keys["trader"])
    work()
    pay(client, keys["bank"], declaration_id)
    claim(client, keys["officer"])
    decide(client, keys["officer"], declaration_id, decision="escalate")
    claim(client, keys["officer"], lane="inspection")
    early = inspect_goods(client, keys["officer"], declaration_id)
    assert (early.status_code, early.json()["code"]) == (409, "invalid_transition")
    assert "not arrived" in early.json()["detail"]
    arrive(client, keys["gate"], declaration_id)

    photo = upload(
        client,
        keys["officer"],
        declaration_id,
        PHOTO,
        PNG,
        filename="p1.png",
        content_type="image/png",
    )
    assert photo.status_code == 201, photo.text
    found = inspect_goods(
        client,
        keys["officer"],
        declaration_id,
        seals_intact=False,
        seal_numbers=["CN-778812"],
        packages_counted=380,
        weight_kg="22400.000",
        sample_taken=True,
        sample_reference="S-17",
        photo_document_ids=[photo.json()["id"]],
        discrepancies=[WEIGHT],
        note="seal cut",
    )
    assert found.status_code == 201, found.text
    assert found.json()["weight_kg"] == "22400.000"
    assert check_documents(client, keys["officer"], declaration_id).status_code == 201
    released = decide(
        client,
        keys["officer"],
        declaration_id,
        decision="release",
        revenue_recovered="2000000.00",
        revenue_currency="VND",
    )
    assert released.json()["state"] == "released", released.text

    # The inspection's discrepancies are part of the labelled outcome the model learns from.
    decision = session.exec(select(Decision).order_by(col(Decision.id).desc())).first()
    assert decision is not None and decision.inspected is True
    assert decision.findings == [WEIGHT]
    assert session.exec(select(HistoryEntry.declaration_id)).all() == [decision.declaration_id]
    # So is the truck's weighing, which the model's re-scoring at arrival learns from.
    [entry] = session.exec(select(HistoryEntry)).all()
    assert entry.record["arrival"]["weighbridge_kg"] == "20400.000"
    [inspection] = review_record(client, keys["officer"], declaration_id)["inspections"]
    assert inspection["discrepancies"] == [WEIGHT]
    assert inspection["photo_document_ids"] == [photo.json()["id"]]


def test_photos_are_the_officers_and_only_during_an_inspection(
    client: TestClient, keys: dict[str, str], red: str, yellow: str
) -> None:
    by_trader = upload(client, keys["trader"], red, PHOTO, PNG, content_type="image/png")
    assert by_trader.status_code == 422
    assert by_trader.json()["errors"][0]["field"] == "fields.kind"
    contract_by_officer = upload(client, keys["officer"], red, contract())
    assert contract_by_officer.json()["errors"][0]["field"] == "fields.kind"
    pdf_photo = upload(client, keys["officer"], red, PHOTO)
    assert pdf_photo.json()["errors"][0]["field"] == "file"
    not_inspected = upload(client, keys["officer"], yellow, PHOTO, PNG, content_type="image/png")
    assert (not_inspected.status_code, not_inspected.json()["code"]) == (
        409,
        "not_under_inspection",
    )
    bogus = inspect_goods(
        client,
        keys["officer"],
        red,
        photo_document_ids=[
            client.get(f"/v1/declarations/{red}/documents", headers=auth(keys["officer"])).json()[
                "documents"
            ][0]["id"]
        ],
    )
    assert bogus.json()["errors"][0]["field"] == "photo_document_ids[0]"


def test_red_goods_are_released_only_after_inspection(
    client: TestClient, keys: dict[str, str], red: str
) -> None:
    check_documents(client, keys["officer"], red)
    refused = decide(client, keys["officer"], red, decision="release")
    assert refused.json()["code"] == "check_required"
    assert "inspection" in refused.json()["detail"]


def test_seizure_opens_a_case_the_trader_never_sees(
    client: TestClient, keys: dict[str, str], red: str, session: Session
) -> None:
    assert (
        inspect_goods(
            client,
            keys["officer"],
            red,
            discrepancies=[{"code": "prohibited", "line": 1, "detail": "bales of used clothing"}],
        ).status_code
        == 201
    )
    seized = decide(client, keys["officer"], red, decision="seize", reason="used clothing")
    assert seized.status_code == 200, seized.text
    case = seized.json()["case"]
    assert case["number"].startswith("SC-2026-")
    assert case["findings"][0]["code"] == "prohibited"  # from the inspection
    assert (case["status"], case["reason"]) == ("open", "used clothing")

    trader_view = read(client, keys["trader"], red)
    assert trader_view["state"] == "seized"
    assert "case" not in str(trader_view)
    refused = client.get(f"/v1/review/items/{red}", headers=auth(keys["trader"]))
    assert refused.status_code == 403
    [recorded] = review_record(client, keys["supervisor"], red)["cases"]
    assert recorded["number"] == case["number"]
    # A seizure is labelled fraud for the risk model, whatever the form said.
    [entry] = session.exec(select(HistoryEntry)).all()
    assert entry.fraud_found is True


def test_bad_inspection_bodies_name_the_field(
    client: TestClient, keys: dict[str, str], red: str
) -> None:
    url = f"/v1/review/items/{red}/inspection"
    cases = {
        "sample_taken": {"version": 1, "seals_intact": True, "sample_taken": True},
        "weight_kg": {"version": 1, "seals_intact": True, "weight_kg": "-1"},
        "seals_intact": {"version": 1},
        "discrepancies": {"version": 1, "seals_intact": True, "discrepancies": [{"code": "x"}]},
    }
    for field, body in cases.items():
        response = client.post(url, json=body, headers=auth(keys["officer"]))
        assert response.status_code == 422, (field, response.text)
        assert field in response.text, field


def test_fraud_found_needs_a_finding_in_the_decision_or_the_inspection(
    client: TestClient, keys: dict[str, str], red: str
) -> None:
    bare = decide(client, keys["officer"], red, decision="seize", reason="x" * 5, fraud_found=True)
    assert bare.status_code == 422
    assert bare.json()["errors"][0]["field"] == "findings"
    inspect_goods(client, keys["officer"], red, discrepancies=[WEIGHT])
    seized = decide(
        client, keys["officer"], red, decision="seize", reason="overweight", fraud_found=True
    )
    assert seized.status_code == 200, seized.text
    assert seized.json()["case"]["findings"] == [WEIGHT]
