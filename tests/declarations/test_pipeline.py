"""Lodge -> screen -> (review) -> arrival -> release -> exit, through a real RQ worker."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import auth
from tests.factories import USED_CLOTHING_LINE, declaration, tea_export
from tests.helpers import actions, arrive, check_documents, claim, decide, lodge, pay, read


@pytest.fixture
def established(configure: Callable[..., None]) -> None:
    """No new-trader signal: clean declarations go green."""
    configure(new_trader_declarations=0)


def test_green_declaration_is_released_when_the_truck_arrives(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], established: None
) -> None:
    declaration_id = lodge(client, keys["trader"])
    assert work() == 1
    pay(client, keys["bank"], declaration_id)

    screened = read(client, keys["trader"], declaration_id)
    assert (screened["state"], screened["channel"]) == ("decided", "green")
    assert screened["missing"] == ["arrival recorded at the gate"]

    arrived = arrive(client, keys["gate"], declaration_id)
    assert arrived["state"] == "released"
    assert arrived["released_at"] is not None
    assert arrived["missing"] == []


def test_event_history_of_a_green_release_is_complete_and_ordered(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], established: None
) -> None:
    declaration_id = lodge(client, keys["trader"])
    work()
    pay(client, keys["bank"], declaration_id)
    detail = arrive(client, keys["gate"], declaration_id)
    assert actions(detail) == [
        "lodge",
        "screen",
        "assess",
        "decide_release",
        "payment",
        "arrival",
        "release",
    ]
    moves = [(e["from_state"], e["to_state"]) for e in detail["events"]]
    assert moves == [
        (None, "lodged"),
        ("lodged", "screening"),
        ("screening", "assessed"),
        ("assessed", "decided"),
        ("decided", "decided"),
        ("decided", "decided"),
        ("decided", "released"),
    ]
    assert detail["events"][3]["actor"] == "worker"


def test_truck_already_at_the_gate_is_released_by_screening(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], established: None
) -> None:
    declaration_id = lodge(client, keys["trader"])
    pay(client, keys["bank"], declaration_id)  # before screening: the duty is known already
    assert arrive(client, keys["gate"], declaration_id)["state"] == "lodged"
    work()
    assert read(client, keys["trader"], declaration_id)["state"] == "released"


def test_released_truck_exits_and_exit_before_release_is_refused(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], established: None
) -> None:
    declaration_id = lodge(client, keys["trader"])
    early = client.post(
        f"/v1/declarations/{declaration_id}/exit", json={}, headers=auth(keys["gate"])
    )
    assert early.status_code == 409
    assert early.json()["code"] == "invalid_transition"
    work()
    pay(client, keys["bank"], declaration_id)
    arrive(client, keys["gate"], declaration_id)
    gone = client.post(
        f"/v1/declarations/{declaration_id}/exit", json={}, headers=auth(keys["gate"])
    )
    assert gone.status_code == 200
    assert gone.json()["state"] == "exited"


def test_yellow_declaration_waits_for_an_officer_then_is_released(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    declaration_id = lodge(client, keys["trader"])  # a new trader: yellow
    work()
    pay(client, keys["bank"], declaration_id)
    arrive(client, keys["gate"], declaration_id)
    assert read(client, keys["trader"], declaration_id)["state"] == "assessed"

    queue = client.get("/v1/review/queue", headers=auth(keys["officer"])).json()
    assert [item["declaration_id"] for item in queue] == [declaration_id]
    assert queue[0]["lane"] == "document_check"

    claimed = claim(client, keys["officer"])
    assert claimed["item"]["declaration_id"] == declaration_id
    assert read(client, keys["officer"], declaration_id)["state"] == "document_check"
    assert check_documents(client, keys["officer"], declaration_id).status_code == 201

    response = decide(
        client, keys["officer"], declaration_id, decision="release", reason="papers in order"
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "released"
    assert client.get("/v1/review/queue", headers=auth(keys["officer"])).json() == []


def test_red_declaration_cannot_be_released_without_inspection(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    declaration_id = lodge(client, keys["trader"], declaration(lines=[USED_CLOTHING_LINE]))
    work()
    assert read(client, keys["officer"], declaration_id)["channel"] == "red"
    claim(client, keys["officer"])

    refused = decide(client, keys["officer"], declaration_id, decision="release")
    assert refused.status_code == 409
    assert "inspection" in refused.json()["detail"]

    assert (
        decide(client, keys["officer"], declaration_id, decision="inspect").json()["state"]
        == "inspection"
    )
    claimed = claim(client, keys["supervisor"], lane="inspection")
    assert claimed["item"]["lane"] == "inspection"
    refused = decide(client, keys["supervisor"], declaration_id, decision="release")
    assert refused.json()["code"] == "check_required"
    seized = decide(
        client,
        keys["supervisor"],
        declaration_id,
        decision="seize",
        reason="used clothing: import prohibited",
        inspected=True,
        fraud_found=True,
        findings=[{"code": "prohibited", "line": 1, "detail": "bales of used clothing"}],
    )
    assert seized.status_code == 200, seized.text
    assert seized.json()["state"] == "seized"
    cancel = client.post(
        f"/v1/declarations/{declaration_id}/cancel",
        json={"reason": "too late"},
        headers=auth(keys["trader"]),
    )
    assert cancel.status_code == 409


def test_hold_puts_a_query_to_the_trader_and_the_answer_resumes_review(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    declaration_id = lodge(client, keys["trader"], tea_export(phytosanitary=False))
    work()
    claim(client, keys["officer"])
    held = decide(
        client,
        keys["officer"],
        declaration_id,
        decision="hold",
        query="Send the phytosanitary certificate",
    )
    assert held.json()["state"] == "held"

    detail = read(client, keys["trader"], declaration_id)
    [query] = detail["queries"]
    assert query["text"] == "Send the phytosanitary certificate"
    held_lane = client.get("/v1/review/queue?lane=held", headers=auth(keys["officer"])).json()
    assert [item["declaration_id"] for item in held_lane] == [declaration_id]

    answered = client.post(
        f"/v1/declarations/{declaration_id}/queries/{query['id']}/answer",
        json={"answer": "Certificate PC-LC-2026-0042 attached"},
        headers=auth(keys["trader"]),
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["state"] == "document_check"
    again = client.post(
        f"/v1/declarations/{declaration_id}/queries/{query['id']}/answer",
        json={"answer": "twice"},
        headers=auth(keys["trader"]),
    )
    assert again.status_code == 409


def test_decision_needs_the_lease_and_the_current_version(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    declaration_id = lodge(client, keys["trader"])
    work()
    unclaimed = decide(client, keys["officer"], declaration_id, decision="release")
    assert unclaimed.status_code == 409
    assert unclaimed.json()["code"] == "lease_required"
    claim(client, keys["officer"])
    other_officer = decide(client, keys["supervisor"], declaration_id, decision="release")
    assert other_officer.json()["code"] == "lease_required"
    stale = decide(client, keys["officer"], declaration_id, decision="release", version=2)
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"


def test_claim_next_answers_204_when_nothing_waits(
    client: TestClient, keys: dict[str, str]
) -> None:
    response = client.post("/v1/review/claim-next", json={}, headers=auth(keys["officer"]))
    assert response.status_code == 204
    assert response.content == b""


def test_trader_cancels_before_examination_but_not_after_release(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], established: None
) -> None:
    first = lodge(client, keys["trader"])
    cancelled = client.post(
        f"/v1/declarations/{first}/cancel",
        json={"reason": "wrong truck"},
        headers=auth(keys["trader"]),
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    work()  # the job for a cancelled declaration does nothing
    assert read(client, keys["officer"], first)["risk"] is None

    second = lodge(client, keys["trader"])
    work()
    pay(client, keys["bank"], second)
    arrive(client, keys["gate"], second)
    late = client.post(
        f"/v1/declarations/{second}/cancel",
        json={"reason": "too late"},
        headers=auth(keys["trader"]),
    )
    assert late.status_code == 409
    assert late.json()["code"] == "invalid_transition"
    assert "released" in late.json()["detail"]
