"""Deliveries to a real receiver: retried with backoff, in order, at least once, signed."""

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from clearance.clock import FrozenClock
from clearance.notifications.models import NotificationStatus, NotificationType
from tests.conftest import START
from tests.helpers import arrive, lodge, pay
from tests.metrics.test_clearance_time import Delta
from tests.notifications.conftest import TOO_SLOW, Receiver, outbox, push, subscribe


def test_a_failing_then_slow_receiver_gets_every_event_in_order_at_least_once(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    clock: FrozenClock,
    session: Session,
    work: Callable[[], int],
    deliver: Callable[[], int],
) -> None:
    subscription = subscribe(client, keys["trader"], receiver.url)
    receiver.answer(500, TOO_SLOW)
    declaration_id = lodge(client, keys["trader"])

    deliver()  # first push: 500
    work()  # screened green and decided: three more events wait behind the first
    deliver()
    assert len(receiver.received) == 1
    first = outbox(session, declaration_id)[0]
    assert first.attempts == 1
    assert first.last_error == "HTTP 500"
    assert first.next_attempt_at == START + timedelta(seconds=10)

    clock.advance(timedelta(seconds=9))
    push(subscription["id"], declaration_id)
    assert len(receiver.received) == 1  # not before its time
    clock.advance(timedelta(seconds=1))
    assert push(subscription["id"], declaration_id) == "retrying"  # second push: too slow
    assert outbox(session, declaration_id)[0].last_error == "timed out after 0.5 s"
    clock.advance(timedelta(seconds=20))  # the second wait is twice the first
    assert push(subscription["id"], declaration_id) == "delivered 4"

    events = [r.event for r in receiver.received]
    assert receiver.event_ids[:3] == [str(first.event_id)] * 3  # the same event, three times
    assert [e["sequence"] for e in events[2:]] == [1, 2, 3, 4]
    assert [(e["declaration"]["to_state"], e["declaration"]["channel"]) for e in events[2:]] == [
        ("lodged", None),
        ("screening", None),
        ("assessed", "green"),
        ("decided", "green"),
    ]
    assert all(row.status is NotificationStatus.delivered for row in outbox(session))

    pay(client, keys["bank"], declaration_id)  # a payment is no state change: nothing sent
    arrive(client, keys["gate"], declaration_id)  # arrival (no change of state), then release
    exited = client.post(
        f"/v1/declarations/{declaration_id}/exit",
        json={},
        headers={"Authorization": f"Bearer {keys['gate']}"},
    )
    assert exited.status_code == 200, exited.text
    deliver()
    later = [r.event for r in receiver.received[6:]]
    assert [(e["type"], e["sequence"], e["declaration"]["to_state"]) for e in later] == [
        (NotificationType.arrived.value, 5, "decided"),
        (NotificationType.state_changed.value, 6, "released"),
        (NotificationType.state_changed.value, 7, "exited"),
    ]


def test_every_delivery_is_signed_with_the_subscription_secret(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    clock: FrozenClock,
    deliver: Callable[[], int],
) -> None:
    secret = "s" * 40
    subscribe(client, keys["trader"], receiver.url, secret=secret)
    lodge(client, keys["trader"], documents=False)
    deliver()

    (request,) = receiver.received
    headers = dict(request.headers)
    assert headers["webhook-timestamp"] == str(int(clock.now().timestamp()))
    assert headers["Content-Type"] == "application/json"
    assert headers["webhook-id"] == request.event["event_id"]
    # What any Standard Webhooks receiver computes from the id, the timestamp and the bytes; the
    # library's own verify also checks freshness against the real clock, not the tests' frozen
    # one (tests/notifications/test_signing.py runs it).
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + request.body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()


def test_deliveries_are_counted_by_outcome_and_undelivered_events_are_scraped(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    clock: FrozenClock,
    deliver: Callable[[], int],
) -> None:
    subscription = subscribe(client, keys["trader"], receiver.url)
    counted = Delta(
        *(
            ("clearance_notification_deliveries_total", {"outcome": outcome})
            for outcome in ("delivered", "retrying", "failed", "deferred")
        ),
        ("clearance_notifications_total", {"type": "declaration.state_changed"}),
    )
    receiver.answer(500, 500)
    first = lodge(client, keys["trader"], documents=False)
    second = lodge(client, keys["trader"], documents=False)
    deliver()
    scraped = client.get("/metrics").text
    assert 'clearance_notifications_undelivered{status="pending"} 2.0' in scraped
    assert 'clearance_queue_depth{queue="clearance-notifications"} 0.0' in scraped

    clock.advance(timedelta(hours=24))
    assert push(subscription["id"], first) == "failed"
    assert push(subscription["id"], second) == "delivered 1"

    assert counted() == [1, 1, 1, 1, 2]  # a success, a retry, a failure, one deferred; 2 events
    scraped = client.get("/metrics").text
    assert 'clearance_notifications_undelivered{status="pending"} 0.0' in scraped
    assert 'clearance_notifications_undelivered{status="failed"} 1.0' in scraped
