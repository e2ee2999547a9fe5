"""Queues by legal clock in working hours, and leases officers renew, release or are handed."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from clearance.auth.models import Role
from clearance.auth.service import create_key
from clearance.clock import FrozenClock
from clearance.settings import get_settings
from tests.conftest import auth
from tests.factories import USED_CLOTHING_LINE, declaration
from tests.helpers import arrive, check_documents, claim, decide, lodge

# START is 15:00 at the gate (UTC+7); Ma Lù Thàng works 07:00-19:00.
HOUR = 3600.0


def queue(client: TestClient, key: str, query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"/v1/review/queue{query}", headers=auth(key))
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


def lease(client: TestClient, key: str, declaration_id: str, method: str) -> Any:
    return client.request(method, f"/v1/review/items/{declaration_id}/lease", headers=auth(key))


@pytest.fixture
def screened(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> Callable[..., str]:
    def lodge_and_screen(**body: Any) -> str:
        declaration_id = lodge(client, keys["trader"], declaration(**body))
        work()
        return declaration_id

    return lodge_and_screen


def test_overdue_first_then_working_time_left_then_risk(
    client: TestClient, keys: dict[str, str], clock: FrozenClock, screened: Callable[..., str]
) -> None:
    late = screened()  # 15:00, due 17:00
    clock.advance(timedelta(hours=1))
    soon = screened()  # 16:00, due 18:00
    clock.advance(timedelta(hours=2, minutes=30))
    evening = screened()  # 18:30: half an hour today, 90 minutes from 07:00 tomorrow
    risky = screened(lines=[USED_CLOTHING_LINE])  # same clock, higher score

    items = queue(client, keys["officer"])
    assert [i["declaration_id"] for i in items] == [late, soon, risky, evening]
    by_id = {i["declaration_id"]: i for i in items}
    assert by_id[late]["overdue"] is True
    assert by_id[late]["time_left_seconds"] == -1.5 * HOUR
    assert by_id[soon]["time_left_seconds"] == -0.5 * HOUR
    assert by_id[evening]["time_left_seconds"] == 2 * HOUR  # not 14 wall-clock hours
    assert by_id[evening]["due_at"] == "2026-12-01T01:30:00Z"  # 08:30 at the gate
    assert by_id[risky]["score"] > by_id[evening]["score"]

    overdue = queue(client, keys["officer"], "?overdue=true")
    assert [i["declaration_id"] for i in overdue] == [late, soon]
    assert claim(client, keys["officer"])["item"]["declaration_id"] == late
    mine = queue(client, keys["officer"], "?mine=true")
    assert [i["declaration_id"] for i in mine] == [late]


def test_the_inspection_clock_starts_when_the_goods_are_presented(
    client: TestClient, keys: dict[str, str], clock: FrozenClock, screened: Callable[..., str]
) -> None:
    red = screened(lines=[USED_CLOTHING_LINE])
    claim(client, keys["officer"])
    decide(client, keys["officer"], red, decision="inspect")
    [waiting] = queue(client, keys["officer"], "?lane=inspection")
    assert (waiting["due_at"], waiting["time_left_seconds"]) == (None, None)
    clock.advance(timedelta(minutes=30))  # 15:30 at the gate: 3.5 h today, 4.5 h tomorrow
    arrive(client, keys["gate"], red)
    [presented] = queue(client, keys["officer"], "?lane=inspection")
    assert presented["time_left_seconds"] == 8 * HOUR
    assert presented["due_at"] == "2026-12-01T04:30:00Z"  # 11:30 tomorrow at the gate


def test_a_hold_stops_the_clock_and_the_answer_restarts_it(
    client: TestClient, keys: dict[str, str], clock: FrozenClock, screened: Callable[..., str]
) -> None:
    declaration_id = screened()
    claim(client, keys["officer"])
    held = decide(client, keys["officer"], declaration_id, decision="hold", query="Send the C/O")
    assert held.json()["state"] == "held"
    assert queue(client, keys["officer"], "?lane=held")[0]["due_at"] is None
    clock.advance(timedelta(hours=3))  # 18:00
    query_id = client.get(
        f"/v1/declarations/{declaration_id}", headers=auth(keys["trader"])
    ).json()["queries"][0]["id"]
    client.post(
        f"/v1/declarations/{declaration_id}/queries/{query_id}/answer",
        json={"answer": "attached"},
        headers=auth(keys["trader"]),
    )
    [back] = queue(client, keys["officer"])
    assert back["lane"] == "document_check"
    assert (back["overdue"], back["time_left_seconds"]) == (False, 2 * HOUR)


def test_renew_release_and_expiry_of_a_lease(
    client: TestClient, keys: dict[str, str], clock: FrozenClock, screened: Callable[..., str]
) -> None:
    declaration_id = screened()
    claimed = claim(client, keys["officer"])
    clock.advance(timedelta(minutes=10))
    renewed = lease(client, keys["officer"], declaration_id, "PUT")
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["expires_at"] > claimed["lease_expires_at"]
    assert datetime.fromisoformat(renewed.json()["expires_at"]) == clock.now() + timedelta(
        minutes=15
    )
    assert lease(client, keys["supervisor"], declaration_id, "PUT").json()["code"] == (
        "lease_required"
    )

    # Released by its holder, the item is free for anyone.
    assert lease(client, keys["officer"], declaration_id, "DELETE").status_code == 204
    assert lease(client, keys["officer"], declaration_id, "DELETE").status_code == 404
    assert claim(client, keys["supervisor"])["item"]["declaration_id"] == declaration_id

    # Left to expire, it goes to the next officer, and the first one can no longer decide.
    clock.advance(timedelta(minutes=16))
    assert lease(client, keys["supervisor"], declaration_id, "PUT").status_code == 409
    assert claim(client, keys["officer"])["item"]["declaration_id"] == declaration_id
    assert check_documents(client, keys["supervisor"], declaration_id).status_code == 409


def new_key(session: Session, clock: FrozenClock, role: Role) -> tuple[str, str]:
    """A key and the actor id leases name it by."""
    key, plain = create_key(
        session=session,
        clock=clock,
        secret_key=get_settings().secret_key,
        role=role,
        tax_code="0100000009" if role is Role.trader else None,
    )
    session.commit()
    return plain, f"{role.value}:{key.id}"


def test_only_a_supervisor_takes_a_lease_from_another_officer(
    client: TestClient,
    keys: dict[str, str],
    screened: Callable[..., str],
    session: Session,
    clock: FrozenClock,
) -> None:
    declaration_id = screened()
    holder = claim(client, keys["officer"])["item"]["leased_by"]
    colleague, _ = new_key(session, clock, Role.officer)
    refused = lease(client, colleague, declaration_id, "DELETE")
    assert (refused.status_code, refused.json()["code"]) == (409, "lease_required")
    assert holder in refused.json()["detail"]
    assert lease(client, keys["supervisor"], declaration_id, "DELETE").status_code == 204


def test_a_supervisor_reassigns_an_item_to_another_officer(
    client: TestClient,
    keys: dict[str, str],
    screened: Callable[..., str],
    session: Session,
    clock: FrozenClock,
) -> None:
    declaration_id = screened()
    claim(client, keys["officer"])
    colleague, colleague_id = new_key(session, clock, Role.officer)
    _, trader_id = new_key(session, clock, Role.trader)
    url = f"/v1/review/items/{declaration_id}/reassign"

    moved = client.post(url, json={"officer": colleague_id}, headers=auth(keys["supervisor"]))
    assert moved.status_code == 200, moved.text
    assert moved.json()["officer"] == colleague_id
    assert check_documents(client, keys["officer"], declaration_id).status_code == 409
    assert check_documents(client, colleague, declaration_id).status_code == 201

    posing = "officer:" + trader_id.split(":")[1]  # a trader's key is no officer
    for officer in ["officer:999999", posing, "officer", "officer:1:2"]:
        bad = client.post(url, json={"officer": officer}, headers=auth(keys["supervisor"]))
        assert bad.status_code == 422, (officer, bad.text)
        assert bad.json()["errors"][0]["field"].endswith("officer")
    by_officer = client.post(url, json={"officer": colleague_id}, headers=auth(colleague))
    assert by_officer.status_code == 403


def test_a_declaration_waiting_for_the_trader_is_not_reassigned(
    client: TestClient,
    keys: dict[str, str],
    screened: Callable[..., str],
    session: Session,
    clock: FrozenClock,
) -> None:
    declaration_id = screened()
    claim(client, keys["officer"])
    decide(client, keys["officer"], declaration_id, decision="hold", query="Send the C/O")
    _, officer_id = new_key(session, clock, Role.officer)
    response = client.post(
        f"/v1/review/items/{declaration_id}/reassign",
        json={"officer": officer_id},
        headers=auth(keys["supervisor"]),
    )
    assert (response.status_code, response.json()["code"]) == (409, "lease_required")
    assert "held" in response.json()["detail"]


def test_workload_counts_what_each_officer_holds_and_decided_today(
    client: TestClient, keys: dict[str, str], clock: FrozenClock, screened: Callable[..., str]
) -> None:
    screened(), screened()
    first = claim(client, keys["officer"])["item"]["declaration_id"]
    assert check_documents(client, keys["officer"], first).status_code == 201
    assert decide(client, keys["officer"], first, decision="release").status_code == 200
    clock.advance(timedelta(hours=2, minutes=5))  # the second is now overdue
    second = claim(client, keys["officer"])["item"]["declaration_id"]
    response = client.get("/v1/review/workload", headers=auth(keys["supervisor"]))
    assert response.status_code == 200, response.text
    [row] = response.json()
    assert (row["items_held"], row["overdue_held"], row["decisions_today"]) == (1, 1, 1)
    assert row["oldest_claim_at"] is not None
    assert [i["declaration_id"] for i in queue(client, keys["officer"], "?mine=true")] == [second]
    assert client.get("/v1/review/workload", headers=auth(keys["officer"])).status_code == 403


def claim_item(client: TestClient, key: str, declaration_id: str) -> Any:
    return client.post(f"/v1/review/items/{declaration_id}/claim", headers=auth(key))


def test_an_officer_claims_the_item_of_their_choice_not_the_most_urgent(
    client: TestClient, keys: dict[str, str], screened: Callable[..., str], clock: FrozenClock
) -> None:
    urgent = screened()
    clock.advance(timedelta(minutes=10))
    chosen = screened()

    claimed = claim_item(client, keys["officer"], chosen)

    assert claimed.status_code == 200, claimed.text
    item = claimed.json()["item"]
    assert (item["declaration_id"], item["state"]) == (chosen, "document_check")
    assert claimed.json()["lease_expires_at"] == item["lease_expires_at"]
    assert check_documents(client, keys["officer"], chosen).status_code == 201
    free = {i["declaration_id"]: i["leased_by"] for i in queue(client, keys["officer"])}
    assert free[urgent] is None


def test_a_held_item_is_refused_naming_its_holder_and_the_holder_may_claim_again(
    client: TestClient,
    keys: dict[str, str],
    screened: Callable[..., str],
    session: Session,
    clock: FrozenClock,
) -> None:
    declaration_id = screened()
    holder = claim_item(client, keys["officer"], declaration_id).json()["item"]["leased_by"]
    colleague, _ = new_key(session, clock, Role.officer)

    refused = claim_item(client, colleague, declaration_id)

    assert (refused.status_code, refused.json()["code"]) == (409, "lease_held")
    assert holder in refused.json()["detail"]
    assert claim_item(client, keys["officer"], declaration_id).status_code == 200
    clock.advance(timedelta(seconds=get_settings().lease_seconds + 1))
    assert claim_item(client, colleague, declaration_id).status_code == 200  # lapsed


def test_only_items_waiting_for_a_check_or_an_inspection_can_be_claimed(
    client: TestClient, keys: dict[str, str], screened: Callable[..., str]
) -> None:
    held = screened()
    claim_item(client, keys["officer"], held)
    decide(client, keys["officer"], held, decision="hold", query="Send the C/O")
    unscreened = lodge(client, keys["trader"], declaration())

    for declaration_id in (held, unscreened):
        refused = claim_item(client, keys["officer"], declaration_id)
        assert (refused.status_code, refused.json()["code"]) == (409, "not_claimable")
    missing = claim_item(client, keys["officer"], "00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


def test_lease_required_says_how_to_get_the_lease_and_that_way_works(
    client: TestClient, keys: dict[str, str], screened: Callable[..., str]
) -> None:
    declaration_id = screened()

    refused = check_documents(client, keys["officer"], declaration_id)
    assert (refused.status_code, refused.json()["code"]) == (409, "lease_required")
    method, path = refused.json()["detail"].split(": ", 1)[1].split(" ", 1)

    assert client.request(method, path, headers=auth(keys["officer"])).status_code == 200
    assert check_documents(client, keys["officer"], declaration_id).status_code == 201
