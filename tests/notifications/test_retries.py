"""Retries: the backoff schedule, 24 hours then the pull queue, and a Redis wipe loses nothing."""

from collections.abc import Callable
from datetime import timedelta
from itertools import pairwise

from fastapi.testclient import TestClient
from redis import Redis
from sqlmodel import Session

from clearance.clock import FrozenClock
from clearance.notifications.models import NotificationStatus
from clearance.queues import notifications_queue
from tests.conftest import START, auth
from tests.helpers import lodge
from tests.notifications.conftest import Receiver, outbox, push, subscribe
from workers import jobs


def test_a_receiver_down_for_a_day_is_retried_with_doubling_waits_then_the_event_is_pullable(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    clock: FrozenClock,
    session: Session,
    deliver: Callable[[], int],
) -> None:
    subscription = subscribe(client, keys["trader"], receiver.url)
    receiver.answer(*[503] * 100)
    declaration_id = lodge(client, keys["trader"], documents=False)
    deliver()

    attempts_at = [START]
    while (row := outbox(session, declaration_id)[0]).status is NotificationStatus.pending:
        clock.advance(row.next_attempt_at - clock.now())
        push(subscription["id"], declaration_id)
        attempts_at.append(clock.now())

    waits = [(b - a).total_seconds() for a, b in pairwise(attempts_at)]
    assert waits[:5] == [10, 20, 40, 80, 160]
    assert max(waits) == 2 * 3600  # doubling stops at two hours
    assert waits == sorted(waits)
    assert attempts_at[-1] - START >= timedelta(hours=24)  # tried for a day at least
    assert attempts_at[-2] - START < timedelta(hours=24)
    assert len(receiver.received) == len(attempts_at) == row.attempts
    assert set(receiver.event_ids) == {str(row.event_id)}
    assert row.status is NotificationStatus.failed
    pulled = client.get("/v1/notifications", headers=auth(keys["trader"])).json()["items"]
    assert [(p["event"]["event_id"], p["status"], p["last_error"]) for p in pulled] == [
        (str(row.event_id), "failed", "HTTP 503")
    ]


def test_a_failed_event_holds_back_later_ones_until_it_is_acknowledged(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    clock: FrozenClock,
    session: Session,
    work: Callable[[], int],
    deliver: Callable[[], int],
) -> None:
    subscription = subscribe(client, keys["trader"], receiver.url)
    receiver.answer(500)
    declaration_id = lodge(client, keys["trader"])
    deliver()
    clock.advance(timedelta(hours=25))
    receiver.answer(500)
    push(subscription["id"], declaration_id)  # the last try, after a day: failed for good
    work()  # three more events of the same declaration
    deliver()
    assert len(receiver.received) == 2  # never pushed ahead of the failed one

    pulled = client.get("/v1/notifications", headers=auth(keys["trader"])).json()["items"]
    assert [(p["event"]["sequence"], p["status"]) for p in pulled] == [
        (1, "failed"),
        (2, "pending"),
        (3, "pending"),
        (4, "pending"),
    ]
    first = pulled[0]["event"]["event_id"]
    acked = client.post(f"/v1/notifications/{first}/ack", headers=auth(keys["trader"]))
    assert acked.status_code == 200, acked.text
    assert acked.json()["acknowledged_at"] is not None
    again = client.post(f"/v1/notifications/{first}/ack", headers=auth(keys["trader"]))
    assert again.json()["acknowledged_at"] == acked.json()["acknowledged_at"]  # idempotent

    deliver()  # the acknowledgement let the rest go
    assert [r.event["sequence"] for r in receiver.received[2:]] == [2, 3, 4]
    assert client.get("/v1/notifications", headers=auth(keys["trader"])).json()["items"] == []


def test_a_retry_lost_in_a_redis_wipe_is_enqueued_again_by_the_sweeper(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    clock: FrozenClock,
    session: Session,
    redis: Redis,
    deliver: Callable[[], int],
) -> None:
    subscribe(client, keys["trader"], receiver.url)
    receiver.answer(500)
    declaration_id = lodge(client, keys["trader"], documents=False)
    deliver()
    assert outbox(session)[0].status is NotificationStatus.pending  # its retry is in Redis
    redis.flushdb()  # ... and gone

    clock.advance(timedelta(seconds=10))
    assert jobs.sweep_notifications() == 0  # due, but its retry may yet come
    clock.advance(timedelta(minutes=2, seconds=1))
    assert jobs.sweep_notifications() == 1
    assert jobs.sweep_notifications() == 0  # its job is queued now
    assert notifications_queue(redis).count == 1
    deliver()

    assert receiver.event_ids == [str(outbox(session, declaration_id)[0].event_id)] * 2
    assert outbox(session)[0].status is NotificationStatus.delivered
    clock.advance(timedelta(hours=1))
    assert jobs.sweep_notifications() == 0


def test_a_dead_receiver_is_tried_once_per_step_not_once_per_declaration(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    clock: FrozenClock,
    session: Session,
    deliver: Callable[[], int],
) -> None:
    subscribe(client, keys["trader"], receiver.url)
    receiver.answer(500)
    for _ in range(3):
        lodge(client, keys["trader"], documents=False)
    deliver()

    assert len(receiver.received) == 1
    rows = outbox(session)
    assert {row.next_attempt_at for row in rows} == {START + timedelta(seconds=10)}
    assert [row.attempts for row in rows] == [1, 0, 0]
    clock.advance(timedelta(seconds=10))
    for row in rows:
        push(str(row.subscription_id), str(row.declaration_id))
    assert len(receiver.received) == 4
    assert all(row.status is NotificationStatus.delivered for row in outbox(session))


def test_a_redirect_is_a_failure_and_is_not_followed(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    session: Session,
    deliver: Callable[[], int],
) -> None:
    subscribe(client, keys["trader"], receiver.url)
    receiver.answer(307)
    lodge(client, keys["trader"], documents=False)
    deliver()

    assert [r.path for r in receiver.received] == ["/hooks/clearance"]
    assert outbox(session)[0].last_error == "HTTP 307"
