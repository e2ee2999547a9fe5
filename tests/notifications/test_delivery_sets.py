"""A screening set's events go out in one delivery job per subscription, not one per
declaration: each declaration's events still arrive in order, at least once, signed."""

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlmodel import Session

from clearance.clock import FrozenClock
from clearance.notifications import delivery
from clearance.notifications.models import NotificationStatus
from clearance.queues import notifications_queue
from clearance.settings import get_settings
from tests.helpers import lodge
from tests.notifications.conftest import Receiver, outbox, push, subscribe


def test_a_screened_set_queues_one_delivery_job_per_subscription_for_all_its_declarations(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    redis: Redis,
    session: Session,
    work: Callable[[], int],
    deliver: Callable[[], int],
) -> None:
    subscribe(client, keys["trader"], receiver.url)
    declarations = [lodge(client, keys["trader"]) for _ in range(3)]
    deliver()  # the lodgements' events
    assert len(receiver.received) == 3

    work()  # one set: each declaration screened, assessed and decided
    queued = notifications_queue(redis).jobs
    assert [job.func_name for job in queued] == ["workers.jobs.deliver_notification_set"]
    assert sorted(queued[0].args[1]) == sorted(declarations)
    assert deliver() == 1

    later = [r.event for r in receiver.received[3:]]
    for declaration_id in declarations:
        theirs = [e for e in later if e["declaration"]["id"] == declaration_id]
        assert [(e["sequence"], e["declaration"]["to_state"]) for e in theirs] == [
            (2, "screening"),
            (3, "assessed"),
            (4, "decided"),
        ]
    assert all(row.status is NotificationStatus.delivered for row in outbox(session))


def test_a_set_job_defers_the_others_behind_a_failing_receiver_and_each_is_retried(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    redis: Redis,
    clock: FrozenClock,
    session: Session,
) -> None:
    subscription = subscribe(client, keys["trader"], receiver.url)
    first, second = lodge(client, keys["trader"]), lodge(client, keys["trader"])
    # Their lodgements' jobs: this test runs the set's job itself.
    notifications_queue(redis).empty()  # type: ignore[no-untyped-call]  # rq: untyped
    receiver.answer(500)
    outcome = delivery.deliver_set(
        clock=clock,
        settings=get_settings(),
        subscription_id=uuid.UUID(subscription["id"]),
        declaration_ids=[uuid.UUID(first), uuid.UUID(second)],
    )
    # The first push failed and paused the receiver: the other declaration's event is not
    # pushed at it, and both are due again at the same time, each with its retry scheduled.
    assert outcome == "pushed 0, retrying 1, deferred 1"
    assert len(receiver.received) == 1
    due = clock.now() + timedelta(seconds=10)
    assert [row.next_attempt_at for row in outbox(session)] == [due, due]
    assert len(notifications_queue(redis).scheduled_job_registry) == 2
    clock.advance(timedelta(seconds=10))
    assert push(subscription["id"], first) == "delivered 1"
    assert push(subscription["id"], second) == "delivered 1"
    assert all(row.status is NotificationStatus.delivered for row in outbox(session))


def test_a_set_job_past_its_pushes_hands_the_declarations_left_to_a_new_job(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    redis: Redis,
    clock: FrozenClock,
    session: Session,
    deliver: Callable[[], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subscription = subscribe(client, keys["trader"], receiver.url)
    declarations = [lodge(client, keys["trader"]) for _ in range(3)]
    notifications_queue(redis).empty()  # type: ignore[no-untyped-call]  # rq: untyped
    monkeypatch.setattr(delivery, "MAX_PER_RUN", 2)
    outcome = delivery.deliver_set(
        clock=clock,
        settings=get_settings(),
        subscription_id=uuid.UUID(subscription["id"]),
        declaration_ids=[uuid.UUID(d) for d in declarations],
    )
    # Its last push was the second declaration's: whether more of it is due, the next job sees.
    assert outcome == "pushed 2, handed over 2"
    (queued,) = notifications_queue(redis).jobs
    assert queued.args == (subscription["id"], declarations[1:])
    assert deliver() == 1
    assert [r.event["declaration"]["id"] for r in receiver.received] == declarations
    assert all(row.status is NotificationStatus.delivered for row in outbox(session))
