"""Documents in the lifecycle: missing ones hold a declaration, their arrival moves it on."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import auth
from tests.documents.helpers import co_form_e, pdf, uploaded
from tests.factories import UREA_LINE, declaration
from tests.helpers import arrive, lodge, pay, read, required_documents, upload_documents


@pytest.fixture
def established(configure: Callable[..., None]) -> None:
    configure(new_trader_declarations=0)


def test_missing_documents_hold_any_channel_with_a_query_naming_them(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], established: None
) -> None:
    body = declaration()
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    work()
    pay(client, keys["bank"], declaration_id)
    held = read(client, keys["trader"], declaration_id)
    assert (held["state"], held["channel"]) == ("held", "green")
    [query] = held["queries"]
    for missing in ("commercial invoice", "packing list", "contract"):
        assert missing in query["text"]
    assert "required documents: commercial invoice, packing list, contract" in held["missing"]

    # The truck arrives: still no release without the papers.
    assert arrive(client, keys["gate"], declaration_id)["state"] == "held"

    upload_documents(client, keys["trader"], declaration_id, body)
    work()  # the papers are re-checked by a worker, off the uploads' requests
    released = read(client, keys["trader"], declaration_id)
    assert released["state"] == "released"
    assert released["queries"][0]["answer"] == "the documents were uploaded"
    actions = [event["action"] for event in released["events"]]
    assert actions[-3:] == ["documents_arrived", "decide_release", "release"]


def test_a_partial_upload_keeps_the_declaration_waiting(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], established: None
) -> None:
    body = declaration()
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    work()
    invoice, *_rest = required_documents(body)
    uploaded(client, keys["trader"], declaration_id, invoice)
    detail = read(client, keys["trader"], declaration_id)
    assert detail["state"] == "held"
    assert "required documents: packing list, contract" in detail["missing"]


def test_a_yellow_declaration_goes_back_to_the_officers_when_its_documents_arrive(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    body = declaration()  # a new trader: yellow
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    work()
    assert read(client, keys["officer"], declaration_id)["state"] == "held"
    upload_documents(client, keys["trader"], declaration_id, body)
    work()
    assert read(client, keys["officer"], declaration_id)["state"] == "assessed"
    queue = client.get("/v1/review/queue", headers=auth(keys["officer"])).json()
    assert [(item["declaration_id"], item["lane"]) for item in queue] == [
        (declaration_id, "document_check")
    ]


def test_a_certificate_reused_after_screening_makes_the_declaration_red(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], established: None
) -> None:
    line = {**UREA_LINE, "preference": "ACFTA_FORM_E"}
    first_body, second_body = declaration(lines=[line]), declaration(lines=[line])
    certificate = co_form_e()
    first = lodge(client, keys["trader"], first_body, documents=False)
    uploaded(client, keys["trader"], first, certificate)
    work()
    second = lodge(client, keys["trader"], second_body, documents=False)
    work()
    assert read(client, keys["officer"], second)["state"] == "held"

    for fields in required_documents(second_body):
        uploaded(
            client, keys["trader"], second, certificate if fields["kind"] == "co_form_e" else fields
        )
    work()
    detail = read(client, keys["officer"], second)
    assert detail["channel"] == "red"
    assert "DOC-REUSED" in [reason["rule_id"] for reason in detail["risk"]["reasons"]]
    assert detail["state"] == "assessed"  # back in the queue, now red: inspection before release


def test_one_file_uploaded_as_several_papers_of_a_declaration_makes_it_red(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], established: None
) -> None:
    body = declaration()
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    one_file = pdf("the same scan")
    for fields in required_documents(body):  # invoice, packing list, contract: one file
        uploaded(client, keys["trader"], declaration_id, fields, content=one_file)
    work()

    detail = read(client, keys["officer"], declaration_id)
    reasons = [r for r in detail["risk"]["reasons"] if r["rule_id"] == "DOC-SAME-FILE"]
    assert len(reasons) == 2, detail["risk"]
    assert "attached as 3 kinds of paper" in reasons[0]["reason"]
    assert detail["channel"] == "red"
    as_trader = client.get(f"/v1/declarations/{declaration_id}", headers=auth(keys["trader"]))
    assert "DOC-SAME-FILE" not in as_trader.text
    assert "SHA-256" not in as_trader.text


def test_a_supervisor_adds_a_requirement_from_a_date_and_traders_see_it(
    client: TestClient, keys: dict[str, str], clock: object
) -> None:
    from datetime import timedelta

    from clearance.clock import FrozenClock

    assert isinstance(clock, FrozenClock)
    ask = {"kind": "import", "hs": "31021000"}
    before = client.get("/v1/requirements", params=ask, headers=auth(keys["trader"])).json()
    new = {
        "regime": "import",
        "hs_prefix": "3102",
        "document_kind": "licence",
        "reason": "import licence: fertiliser (Decree 84/2019)",
        "effective_from": "2026-12-01",
    }
    added = client.post("/v1/requirements", json=new, headers=auth(keys["supervisor"]))
    assert added.status_code == 201, added.text
    again = client.post("/v1/requirements", json=new, headers=auth(keys["supervisor"]))
    assert again.status_code == 409

    def kinds() -> list[str]:
        answer = client.get("/v1/requirements", params=ask, headers=auth(keys["trader"])).json()
        return sorted(item["kind"] for item in answer["required"])

    assert kinds() == sorted(item["kind"] for item in before["required"])  # not in force yet
    clock.advance(timedelta(days=2))
    assert "licence" in kinds()
