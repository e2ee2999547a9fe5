"""Screening in sets: the same outcome as one at a time, a poisoned version parked while the
rest go on, versions already assessed skipped, and concurrent claimers never sharing one."""

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import Connection, create_engine, func, text, update
from sqlmodel import Session, col, select

from clearance import db, hot, queues
from clearance.audit.models import AuditRecord
from clearance.auth.models import Role
from clearance.clock import FrozenClock, get_clock
from clearance.deadletters.models import DeadLetter
from clearance.declarations.models import (
    Assessment,
    Decision,
    Declaration,
    DeclarationEvent,
    DeclarationVersion,
    Query,
)
from clearance.duties.models import DutyAssessment
from clearance.embedded import create_keys
from clearance.main import create_app
from clearance.notifications.models import Notification, Subscription
from clearance.risk import sets
from clearance.settings import get_settings
from tests.conftest import START, TRADER_TAX_CODE
from tests.factories import TEA_LINE, USED_CLOTHING_LINE, declaration, tea_export
from tests.helpers import arrive, lodge, pay
from workers import jobs


def _mixed(client: TestClient, trader: str) -> list[str]:
    """Green, red by rule, held for missing papers, a second trader's, and a cheap tea."""
    bodies: list[tuple[dict[str, Any], bool]] = [
        (declaration(), True),
        (declaration(), True),
        (declaration(lines=[USED_CLOTHING_LINE]), False),
        (tea_export(phytosanitary=False), False),
        (tea_export(lines=[{**TEA_LINE, "customs_value": "5000.00"}]), True),
        (declaration(), False),
    ]
    return [lodge(client, trader, body, documents=papers) for body, papers in bodies]


def _outcome(session: Session, ids: list[str]) -> list[tuple[Any, ...]]:
    session.expire_all()
    found = []
    for declaration_id in map(uuid.UUID, ids):
        item = session.get(Declaration, declaration_id)
        assert item is not None
        assessment = session.exec(
            select(Assessment).where(Assessment.declaration_id == declaration_id)
        ).one()
        events = session.exec(
            select(DeclarationEvent.action, DeclarationEvent.to_state)
            .where(DeclarationEvent.declaration_id == declaration_id)
            .order_by(col(DeclarationEvent.id))
        ).all()
        found.append(
            (
                item.state,
                item.channel,
                item.due_at,
                item.held_from,
                item.released_at,
                assessment.score,
                assessment.model_score,
                assessment.channel_reason,
                assessment.reasons,
                [tuple(event) for event in events],
                *_what_followed(session, declaration_id),
            )
        )
    session.commit()  # its savepoint released, so the trial's can be rolled back under it
    return found


def _what_followed(session: Session, declaration_id: uuid.UUID) -> list[Any]:
    """What the lifecycle wrote after the assessment: duties, decisions, queries, audit
    records and outbox rows, in the order written."""

    def rows(model: Any, *columns: Any) -> list[tuple[Any, ...]]:
        found = session.exec(
            select(*columns).where(model.declaration_id == declaration_id).order_by(model.id)
        ).all()
        return [tuple(row) for row in found]

    audit = session.exec(
        select(AuditRecord.action, AuditRecord.actor)
        .where(AuditRecord.target_id == str(declaration_id))
        .order_by(col(AuditRecord.id))
    ).all()
    return [
        rows(
            DutyAssessment,
            DutyAssessment.line_no,
            DutyAssessment.total_vnd,
            DutyAssessment.note_code,
            DutyAssessment.preference_granted,
        ),
        rows(Decision, Decision.kind, Decision.actor, Decision.reason),
        rows(Query, Query.text_code, Query.text_params),
        [tuple(row) for row in audit],
        rows(Notification, Notification.sequence, Notification.type, Notification.payload),
    ]


def _subscribe(session: Session, tax_code: str) -> None:
    """The trader hears of every change (rows in the outbox; nothing is delivered here)."""
    session.add(
        Subscription(
            tax_code=tax_code,
            url="https://hooks.example.com/clearance",
            secret="s" * 32,
            created_by="test",
            created_at=START,
        )
    )
    session.commit()


def _set_and_one_by_one(
    connection: Connection, session: Session, ids: list[str]
) -> tuple[list[Any], list[Any]]:
    # Below the sessions' own savepoints: what the set wrote is undone before the second run.
    connection.exec_driver_sql("SAVEPOINT set_trial")
    outcome = sets.screen_set(clock=get_clock(), settings=get_settings(), lifecycle=jobs.LIFECYCLE)
    assert outcome.claimed == len(ids)
    in_a_set = _outcome(session, ids)
    connection.exec_driver_sql("ROLLBACK TO SAVEPOINT set_trial")
    hot.clear()
    for declaration_id in ids:
        jobs.screen_declaration(declaration_id, 1)
    return in_a_set, _outcome(session, ids)


def test_a_set_gives_each_version_what_screening_it_alone_gives(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    connection: Connection,
    clock: FrozenClock,
    configure: Callable[..., None],
) -> None:
    configure(new_trader_declarations=0)
    _subscribe(session, TRADER_TAX_CODE)
    ids = _mixed(client, keys["trader"])
    pay(client, keys["bank"], ids[0])  # released in the set: every gate open
    arrive(client, keys["gate"], ids[0])
    in_a_set, one_by_one = _set_and_one_by_one(connection, session, ids)
    assert in_a_set == one_by_one
    channels = {row[1] for row in in_a_set}
    assert {"green", "red"} <= channels  # the mix exercises more than one path
    assert {"held", "released", "decided"} <= {row[0] for row in in_a_set}
    assert all(row[-1] for row in in_a_set)  # the outbox heard of every one
    assert any(row[-5] for row in in_a_set)  # and duties were assessed


def test_with_a_model_the_set_is_scored_in_one_call_and_gives_the_same(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    connection: Connection,
    clock: FrozenClock,
    active_model: str,
    configure: Callable[..., None],
) -> None:
    configure(new_trader_declarations=0)
    ids = _mixed(client, keys["trader"])
    in_a_set, one_by_one = _set_and_one_by_one(connection, session, ids)
    assert in_a_set == one_by_one
    assert all(row[6] is not None for row in in_a_set)  # the model's expected value scored
    reasons = [r["rule_id"] for row in in_a_set if row[1] != "green" for r in row[8]]
    assert "MODEL" in reasons  # explained where an officer reads it


def test_a_poisoned_version_is_parked_and_the_rest_of_its_set_screened(
    client: TestClient, keys: dict[str, str], session: Session, clock: FrozenClock
) -> None:
    ids = [lodge(client, keys["trader"]) for _ in range(7)]
    poisoned = uuid.UUID(ids[4])
    session.exec(
        update(DeclarationVersion)
        .where(col(DeclarationVersion.declaration_id) == poisoned)
        .values(payload={"not": "a declaration"})
    )
    session.commit()

    outcome = sets.screen_set(clock=clock, settings=get_settings(), lifecycle=jobs.LIFECYCLE)
    assert outcome.claimed == 7
    assert outcome.parked == [(poisoned, 1)]
    assert sum(outcome.channels.values()) == 6
    [letter] = session.exec(select(DeadLetter)).all()
    assert (letter.declaration_id, letter.version, letter.job) == (poisoned, 1, "screen")
    assert letter.job_id == f"screen-{poisoned}-v1"
    assert "ValidationError" in letter.error
    assessed = session.exec(select(Assessment.declaration_id)).all()
    assert sorted(map(str, assessed)) == sorted(i for i in ids if i != str(poisoned))
    # Parked, it waits for an operator: the next set does not claim it again.
    assert (
        sets.screen_set(clock=clock, settings=get_settings(), lifecycle=jobs.LIFECYCLE).claimed == 0
    )


def test_a_version_assessed_meanwhile_is_skipped_not_screened_again(
    client: TestClient, keys: dict[str, str], session: Session, clock: FrozenClock
) -> None:
    declaration_id = lodge(client, keys["trader"])
    assert jobs.screen_declaration(declaration_id, 1) in {"green", "yellow", "red"}
    # As if the commit that moved it on were not seen yet: the stored assessment decides.
    session.exec(
        update(Declaration)
        .where(col(Declaration.id) == uuid.UUID(declaration_id))
        .values(state="screening")
    )
    session.commit()
    outcome = sets.screen_set(clock=clock, settings=get_settings(), lifecycle=jobs.LIFECYCLE)
    assert (outcome.claimed, outcome.skipped, outcome.parked) == (1, 1, [])
    assert len(session.exec(select(Assessment)).all()) == 1


@pytest.fixture
def committed_client(
    cloned_db: str, configure: Callable[..., None], redis: Redis
) -> Iterator[TestClient]:
    """Requests commit for real, so the claimers' connections see them."""
    configure(database_url=cloned_db, screening_batch_size=4)
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client
    db.get_engine().dispose()


def test_concurrent_claimers_never_screen_a_version_twice(committed_client: TestClient) -> None:
    trader = create_keys({Role.trader: TRADER_TAX_CODE}, "sets test")[Role.trader]
    lodged = {lodge(committed_client, trader) for _ in range(30)}
    claimers = 4
    start = threading.Barrier(claimers)
    totals: list[sets.Outcome] = []

    def claimer() -> None:
        start.wait()
        while (
            outcome := sets.screen_set(
                clock=get_clock(), settings=get_settings(), lifecycle=jobs.LIFECYCLE
            )
        ).claimed:
            totals.append(outcome)

    threads = [threading.Thread(target=claimer) for _ in range(claimers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(o.claimed for o in totals) == len(lodged)
    assert sum(o.skipped for o in totals) == 0
    with db.new_session(writes=False) as session:
        per_version = session.exec(
            select(Assessment.declaration_id, func.count()).group_by(col(Assessment.declaration_id))
        ).all()
        screens = session.exec(
            select(func.count()).where(DeclarationEvent.action == "assess")
        ).one()
    assert {str(d) for d, _n in per_version} == lodged
    assert {n for _d, n in per_version} == {1}
    assert screens == len(lodged)


def test_a_version_whose_row_a_request_holds_is_claimed_again_later(
    committed_client: TestClient, redis: Redis
) -> None:
    trader = create_keys({Role.trader: TRADER_TAX_CODE}, "sets test")[Role.trader]
    held, free = lodge(committed_client, trader), lodge(committed_client, trader)
    other = create_engine(get_settings().database_url)
    try:
        with other.connect() as connection:
            # A request on that declaration (a document upload) holds its row meanwhile.
            transaction = connection.begin()
            connection.execute(
                text("SELECT id FROM declaration WHERE id = :id FOR UPDATE"), {"id": held}
            )
            done = jobs.screen_pending()
            transaction.rollback()
    finally:
        other.dispose()
    assert done["claimed"] == 1
    scheduled = ScheduledJobRegistry(queue=queues.screening_queue(redis))  # type: ignore[no-untyped-call]
    later = scheduled.get_job_ids()
    assert len(later) == 1  # its holder's commit triggers nothing: a claim comes again
    assert Job.fetch(later[0], connection=redis).func_name == queues.SCREEN_BACKLOG_JOB
    assert jobs.screen_backlog()["claimed"] == 1  # as that job will: the held one, now free
    with db.new_session(writes=False) as session:
        assessed = session.exec(select(Assessment.declaration_id)).all()
    assert {str(d) for d in assessed} == {held, free}
