"""The papers re-checked by a worker, off the upload's request: once per burst, a failure
isolated to its declaration, the database the list of what is pending."""

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlmodel import Session, select

from clearance import queues, wiring
from clearance.clock import Clock, FrozenClock
from clearance.declarations.lifecycle import Lifecycle
from clearance.declarations.models import Declaration
from clearance.documents import recheck_sets, rechecks
from clearance.documents.models import DocumentRecheck
from clearance.notifications.models import Notification
from clearance.settings import get_settings
from tests.conftest import auth
from tests.documents.helpers import uploaded
from tests.factories import declaration
from tests.helpers import arrive, lodge, pay, read, required_documents
from workers import jobs


@pytest.fixture
def established(configure: Callable[..., None]) -> None:
    configure(new_trader_declarations=0)


def _held_at_the_gate(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> tuple[str, dict[str, object]]:
    """Green, paid, arrived: only the papers hold it."""
    body = declaration()
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    work()
    pay(client, keys["bank"], declaration_id)
    assert arrive(client, keys["gate"], declaration_id)["state"] == "held"
    return declaration_id, body


def _rechecks(session: Session) -> list[DocumentRecheck]:
    session.expire_all()
    return list(session.exec(select(DocumentRecheck)).all())


def test_a_burst_of_papers_is_rechecked_once_by_a_worker_which_releases(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    session: Session,
    redis: Redis,
    configure: Callable[..., None],
    established: None,
) -> None:
    configure(notification_allowlist='["127.0.0.1"]')
    subscribed = client.post(
        "/v1/subscriptions", json={"url": "http://127.0.0.1:9/hook"}, headers=auth(keys["trader"])
    )
    assert subscribed.status_code == 201, subscribed.text
    declaration_id, body = _held_at_the_gate(client, keys, work)
    for fields in required_documents(body):
        document = uploaded(client, keys["trader"], declaration_id, fields)
        assert document["findings"] is None  # the answer says nothing of the re-check
    # Answered before the re-check: the papers are stored, the declaration still held.
    assert read(client, keys["trader"], declaration_id)["state"] == "held"
    [asked] = _rechecks(session)
    assert asked.declaration_id == uuid.UUID(declaration_id)
    assert queues.screening_queue(redis).count == 1  # one trigger for the burst

    assert work() == 1
    released = read(client, keys["trader"], declaration_id)
    assert released["state"] == "released"
    assert released["events"][-1]["text"] == "released"
    assert _rechecks(session) == []
    # The trader hears of the release as before: the event is in the outbox.
    session.expire_all()
    states = [n.payload["to_state"] for n in session.exec(select(Notification)).all()]
    assert states[-1] == "released"


def test_a_paper_before_screening_asks_no_recheck(
    client: TestClient, keys: dict[str, str], session: Session, redis: Redis
) -> None:
    body = declaration()
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    uploaded(client, keys["trader"], declaration_id, required_documents(body)[0])
    assert _rechecks(session) == []  # screening, still to come, reads every paper
    assert queues.screening_queue(redis).count == 1  # the screening trigger alone


class _Failing:
    """An upload hook that fails for one declaration, before the service's own hooks."""

    def __init__(self, declaration_id: uuid.UUID) -> None:
        self.declaration_id = declaration_id

    def __call__(self, _session: Session, _clock: Clock, declaration: Declaration) -> None:
        if declaration.id == self.declaration_id:
            raise ValueError("a broken dossier")


def _failing_lifecycle(declaration_id: uuid.UUID) -> Lifecycle:
    wired = wiring.lifecycle()
    return Lifecycle(
        release_gates=wired.release_gates,
        event_hooks=wired.event_hooks,
        event_set_hooks=wired.event_set_hooks,
        assessed_set_hooks=wired.assessed_set_hooks,
        arrival_checks=wired.arrival_checks,
        upload_hooks=(_Failing(declaration_id), *wired.upload_hooks),
    )


def test_a_failing_declaration_is_left_out_and_parked_while_the_rest_go_on(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    session: Session,
    clock: FrozenClock,
    established: None,
) -> None:
    broken, broken_body = _held_at_the_gate(client, keys, work)
    fine, fine_body = _held_at_the_gate(client, keys, work)
    for declaration_id, body in ((broken, broken_body), (fine, fine_body)):
        for fields in required_documents(body):
            uploaded(client, keys["trader"], declaration_id, fields)
    failing = _failing_lifecycle(uuid.UUID(broken))

    outcome = recheck_sets.recheck_set(clock=clock, lifecycle=failing)

    assert (outcome.claimed, outcome.done, outcome.failed) == (2, 1, {uuid.UUID(broken)})
    assert read(client, keys["trader"], fine)["state"] == "released"
    assert read(client, keys["trader"], broken)["state"] == "held"  # rolled back alone
    [left] = _rechecks(session)
    assert (left.declaration_id, left.attempts, left.failed_at) == (uuid.UUID(broken), 1, None)
    assert "a broken dossier" in (left.error or "")

    for _ in range(recheck_sets.RECHECK_ATTEMPTS - 1):
        recheck_sets.recheck_set(clock=clock, lifecycle=failing)
    [parked] = _rechecks(session)
    assert parked.failed_at is not None
    assert recheck_sets.recheck_set(clock=clock, lifecycle=failing).claimed == 0

    # A new paper asks afresh; with the fault gone the declaration goes on.
    uploaded(client, keys["trader"], broken, required_documents(broken_body)[0])
    [asked] = _rechecks(session)
    assert (asked.attempts, asked.failed_at, asked.error) == (0, None, None)
    assert work() == 1
    assert _rechecks(session) == []
    # Re-checked: no longer held for its papers (a second invoice sends it to the officers).
    assert read(client, keys["trader"], broken)["state"] == "assessed"


def test_the_sweeper_triggers_a_recheck_whose_job_redis_lost(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    session: Session,
    redis: Redis,
    clock: FrozenClock,
    established: None,
) -> None:
    declaration_id, body = _held_at_the_gate(client, keys, work)
    for fields in required_documents(body):
        uploaded(client, keys["trader"], declaration_id, fields)
    redis.flushdb()  # the trigger and its job, lost

    assert jobs.sweep()["rechecks"] == 0  # not overdue yet
    clock.advance(timedelta(seconds=get_settings().sweeper_stuck_after_seconds + 1))
    assert jobs.sweep()["rechecks"] == 1
    assert jobs.sweep()["rechecks"] == 0  # its job is queued now
    assert work() == 1
    assert read(client, keys["trader"], declaration_id)["state"] == "released"
    assert _rechecks(session) == []


def test_a_claim_skips_a_declaration_parked_or_named(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    session: Session,
    clock: FrozenClock,
    established: None,
) -> None:
    declaration_id, body = _held_at_the_gate(client, keys, work)
    uploaded(client, keys["trader"], declaration_id, required_documents(body)[0])
    ours = uuid.UUID(declaration_id)
    assert rechecks.claim(session=session, limit=10, skip={ours}) == []
    assert [d.id for d in rechecks.claim(session=session, limit=10)] == [ours]
    assert rechecks.waiting(session=session) == 1
    assert rechecks.waiting(session=session, skip={ours}) == 0
