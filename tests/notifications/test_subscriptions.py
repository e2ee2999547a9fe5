"""Registering callbacks and the pull queue: each trader sees and changes only its own."""

import time
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session, col, select

from clearance.audit.models import AuditRecord
from clearance.clock import FrozenClock
from clearance.notifications.models import NotificationStatus
from tests import factories
from tests.conftest import OTHER_TAX_CODE, TRADER_TAX_CODE, auth
from tests.helpers import grant_mandate, lodge
from tests.notifications.conftest import Receiver, outbox, push, subscribe


def test_the_secret_is_shown_once_and_generated_when_not_given(
    client: TestClient, keys: dict[str, str], receiver: Receiver, clock: FrozenClock
) -> None:
    created = subscribe(client, keys["trader"], receiver.url)
    assert len(created["secret"]) >= 32
    assert created["active"] is True
    mine = "m" * 32
    clock.advance(timedelta(seconds=1))
    assert subscribe(client, keys["trader"], receiver.url + "/2", secret=mine)["secret"] == mine

    listed = client.get("/v1/subscriptions", headers=auth(keys["trader"])).json()["items"]
    assert [s["url"] for s in listed] == [receiver.url, receiver.url + "/2"]
    assert all("secret" not in s for s in listed)
    assert created["secret"] not in str(listed)


def test_a_short_secret_is_refused_naming_the_field(
    client: TestClient, keys: dict[str, str], receiver: Receiver
) -> None:
    response = client.post(
        "/v1/subscriptions",
        json={"url": receiver.url, "secret": "too short"},
        headers=auth(keys["trader"]),
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["secret"]


def test_the_same_url_twice_is_a_conflict_until_it_is_disabled(
    client: TestClient, keys: dict[str, str], receiver: Receiver, clock: FrozenClock
) -> None:
    first = subscribe(client, keys["trader"], receiver.url)
    again = client.post(
        "/v1/subscriptions", json={"url": receiver.url}, headers=auth(keys["trader"])
    )
    assert again.status_code == 409
    assert first["id"] in again.json()["detail"]

    disabled = client.delete(f"/v1/subscriptions/{first['id']}", headers=auth(keys["trader"]))
    assert disabled.status_code == 200
    assert disabled.json()["active"] is False
    assert (
        client.delete(f"/v1/subscriptions/{first['id']}", headers=auth(keys["trader"])).json()
        == disabled.json()
    )  # disabling twice changes nothing
    clock.advance(timedelta(seconds=1))
    assert subscribe(client, keys["trader"], receiver.url)["id"] != first["id"]
    listed = client.get("/v1/subscriptions", headers=auth(keys["trader"])).json()["items"]
    assert [s["active"] for s in listed] == [False, True]  # the row is kept


def test_a_trader_never_sees_or_touches_another_traders_subscriptions_or_events(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    deliver: Callable[[], int],
) -> None:
    mine = subscribe(client, keys["trader"], receiver.url)
    receiver.answer(500)
    lodge(client, keys["trader"], documents=False)
    deliver()
    (event,) = client.get("/v1/notifications", headers=auth(keys["trader"])).json()["items"]
    other = auth(keys["other_trader"])

    assert client.get("/v1/subscriptions", headers=other).json()["items"] == []
    assert client.get("/v1/notifications", headers=other).json()["items"] == []
    event_id = event["event"]["event_id"]
    assert client.post(f"/v1/notifications/{event_id}/ack", headers=other).status_code == 404
    assert client.delete(f"/v1/subscriptions/{mine['id']}", headers=other).status_code == 404
    assert client.get("/v1/subscriptions", headers=auth(keys["trader"])).json()["items"][0][
        "active"
    ]


def test_a_broker_and_the_importer_it_lodges_for_both_hear_of_it(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    session: Session,
    deliver: Callable[[], int],
) -> None:
    broker = subscribe(client, keys["trader"], receiver.url + "/broker")
    importer = subscribe(client, keys["other_trader"], receiver.url + "/importer")
    grant_mandate(client, keys["other_trader"], TRADER_TAX_CODE)
    body = factories.declaration(trader_tax_code=OTHER_TAX_CODE)
    lodge(client, keys["trader"], body, documents=False)
    deliver()

    rows = outbox(session)
    assert {str(row.subscription_id) for row in rows} == {broker["id"], importer["id"]}
    assert {row.sequence for row in rows} == {1}
    assert len({row.event_id for row in rows}) == 2
    assert sorted(r.path for r in receiver.received) == [
        "/hooks/clearance/broker",
        "/hooks/clearance/importer",
    ]
    for key in ("trader", "other_trader"):
        assert client.get("/v1/notifications", headers=auth(keys[key])).json()["items"] == []


def test_events_carry_what_the_trader_may_see_and_never_why_it_was_selected(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    work: Callable[[], int],
    deliver: Callable[[], int],
) -> None:
    subscribe(client, keys["trader"], receiver.url)
    body = factories.declaration(lines=[factories.USED_CLOTHING_LINE])  # prohibited: red, by rule
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    work()
    deliver()

    risk = client.get(f"/v1/declarations/{declaration_id}", headers=auth(keys["officer"])).json()
    assert risk["channel"] == "red" and risk["risk"]["reasons"]
    assert [r.event["declaration"]["to_state"] for r in receiver.received][-1] in {
        "assessed",
        "held",
    }
    for request in receiver.received:
        assert set(request.event) == {"event_id", "type", "sequence", "declaration"}
        assert set(request.event["declaration"]) == {
            "id",
            "ucr",
            "version",
            "from_state",
            "to_state",
            "channel",
            "at",
        }
        text = request.body.decode().lower()
        for secret in ("score", "reason", "rule", "prohibited", "hard_hit", "random"):
            assert secret not in text


def test_lodging_with_nobody_subscribed_writes_no_outbox_row_and_asks_no_question(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    configure: Callable[..., None],
    work: Callable[[], int],
    deliver: Callable[[], int],
) -> None:
    configure(notification_cache_seconds=30)
    lodge(client, keys["trader"], documents=False)  # the first event loads the cache
    statements: list[str] = []
    connection = session.connection()
    listener = lambda *args: statements.append(str(args[2]))  # noqa: E731
    event.listen(connection, "before_cursor_execute", listener)
    try:
        lodge(client, keys["trader"], documents=False)
        work()
    finally:
        event.remove(connection, "before_cursor_execute", listener)

    assert statements  # the listener saw the lodgements and screenings
    assert not [s for s in statements if "subscription" in s or "notification" in s]
    assert outbox(session) == []
    assert deliver() == 0


def test_a_registration_answers_once_every_process_has_had_time_to_notice_it(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    session: Session,
    configure: Callable[..., None],
    deliver: Callable[[], int],
) -> None:
    configure(notification_cache_seconds=0.3)
    lodge(client, keys["trader"], documents=False)  # the cache holds: nobody subscribed

    started = time.monotonic()
    subscribe(client, keys["trader"], receiver.url)
    assert time.monotonic() - started >= 0.3
    lodge(client, keys["trader"], documents=False)
    deliver()

    assert len(outbox(session)) == 1
    assert outbox(session)[0].status is NotificationStatus.delivered


def test_a_disabled_subscription_gets_no_new_events_and_keeps_its_undelivered_ones(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    session: Session,
    deliver: Callable[[], int],
) -> None:
    subscription = subscribe(client, keys["trader"], receiver.url)
    receiver.answer(500)
    declaration_id = lodge(client, keys["trader"], documents=False)
    deliver()
    client.delete(f"/v1/subscriptions/{subscription['id']}", headers=auth(keys["trader"]))
    lodge(client, keys["trader"], documents=False)

    assert push(subscription["id"], declaration_id) == "delivered 0"
    assert len(outbox(session)) == 1
    assert len(receiver.received) == 1
    pulled = client.get("/v1/notifications", headers=auth(keys["trader"])).json()["items"]
    assert [p["status"] for p in pulled] == ["pending"]


def test_registering_disabling_and_acknowledging_are_audited_without_the_secret(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    session: Session,
    deliver: Callable[[], int],
) -> None:
    created = subscribe(client, keys["trader"], receiver.url)
    receiver.answer(500)
    lodge(client, keys["trader"], documents=False)
    deliver()
    (row,) = outbox(session)
    client.post(f"/v1/notifications/{row.event_id}/ack", headers=auth(keys["trader"]))
    client.delete(f"/v1/subscriptions/{created['id']}", headers=auth(keys["trader"]))

    records = session.exec(
        select(AuditRecord).where(col(AuditRecord.action).contains("/v1/"))
    ).all()
    found = {(r.action, r.target_kind, r.target_id) for r in records}
    assert ("POST /v1/subscriptions", None, None) in found
    assert ("POST /v1/notifications/{event_id}/ack", "notification", str(row.event_id)) in found
    assert (
        "DELETE /v1/subscriptions/{subscription_id}",
        "subscription",
        created["id"],
    ) in found
    assert all(created["secret"] not in str(r.model_dump()) for r in records)
