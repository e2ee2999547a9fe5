"""A worker SIGKILLed in the middle of screening a set: each declaration is still screened and
released exactly once, by another worker, because the database still lists the abandoned
versions as pending (a waiting trigger or the sweeper sends a worker to them)."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

import httpx
import pytest
from redis import Redis
from rq.registry import StartedJobRegistry
from sqlalchemy import create_engine, text

from clearance.auth.models import Role
from clearance.queues import SCREENING_QUEUE
from tests.conftest import TRADER_TAX_CODE
from tests.factories import declaration
from tests.faults.harness import RedisServer, Service, until
from tests.faults.ledger import Intake, assert_each_screened_once, census, issue_keys
from tests.test_processes import _pay

pytestmark = pytest.mark.slow
DECLARATIONS = 10
WORKERS_KILLED = 2
SET_SIZE = 5  # each worker killed holds a set of its own: the second claims what the first did not

# A worker whose assessment insert waits on the test's table lock: it has moved the
# declaration to `screening`, scored it and chosen the channel, all uncommitted.
BLOCKED_WRITING_ASSESSMENTS = text("""
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND application_name = 'clearance'
  AND wait_event_type = 'Lock'
  AND (query LIKE 'COPY assessment %' OR query LIKE 'INSERT INTO assessment %')
""")


@contextmanager
def assessments_blocked(database_url: str) -> Iterator[Callable[[], int]]:
    """Hold a lock that lets workers read assessments but not write one, until released."""
    engine = create_engine(database_url)
    # The observer commits every read: pg_stat_activity is a snapshot per transaction.
    observing = engine.execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection, observing.connect() as observer:
            transaction = connection.begin()
            connection.execute(text("LOCK TABLE assessment IN EXCLUSIVE MODE"))
            try:
                yield lambda: int(observer.execute(BLOCKED_WRITING_ASSESSMENTS).scalar_one())
            finally:
                transaction.rollback()
    finally:
        engine.dispose()


def _equals(count: Callable[[], int], expected: int) -> bool:
    return count() == expected


def _arrive(service: Service, gate_key: str, declaration_id: str) -> None:
    arrived = httpx.post(
        f"{service.url}/v1/declarations/{declaration_id}/arrival",
        json={"weighbridge_kg": "20400"},
        headers={"Authorization": f"Bearer {gate_key}"},
        timeout=10,
    )
    assert arrived.status_code == 200, arrived.text


def test_a_worker_killed_mid_screening_leaves_each_declaration_screened_and_released_once(
    make_service: Callable[..., Service], cloned_db: str, private_redis: RedisServer
) -> None:
    service = make_service(screening_batch_size=str(SET_SIZE))
    service.start_api()
    service.wait_healthy()
    keys = issue_keys(cloned_db, {Role.trader: TRADER_TAX_CODE, Role.gate: None, Role.bank: None})
    intake = Intake(service.url, keys[Role.trader])
    # Papers complete, duty paid, the truck at the gate: a green screening releases at once.
    for body in (declaration() for _ in range(DECLARATIONS)):
        declaration_id = intake.lodge(body)
        intake.upload_documents(declaration_id, body)
        with httpx.Client(base_url=service.url, timeout=10) as http:
            _pay(http, keys[Role.bank], declaration_id)
        _arrive(service, keys[Role.gate], declaration_id)
    accepted = set(intake.accepted.values())

    with assessments_blocked(cloned_db) as blocked:
        # One at a time, each killed the moment it waits: well inside its job timeout. A
        # killed worker's backend waits on for the lock, holding its set's rows, then finds its
        # client gone; the next worker skips those rows and claims the other set.
        for killed in range(WORKERS_KILLED):
            worker = service.start_worker(f"worker-{killed}")
            until(partial(_equals, blocked, killed + 1), "a worker mid-screening", timeout=90)
            service.kill(worker)
        killed_at = time.monotonic()

    # PostgreSQL rolled the killed transactions back; RQ still believes the jobs run.
    started = StartedJobRegistry(SCREENING_QUEUE, connection=Redis.from_url(private_redis.url))
    assert len(started.get_job_ids()) == WORKERS_KILLED
    states = [row.state for row in census(cloned_db).values()]
    assert states.count("lodged") == DECLARATIONS  # nothing half-screened was committed

    service.start_worker("worker-replacement")
    until(
        lambda: all(r.state == "released" for r in census(cloned_db).values()),
        "every declaration released",
        timeout=90,
    )
    recovered_after = time.monotonic() - killed_at
    rows = census(cloned_db)
    assert_each_screened_once(rows, accepted)
    assert all(row.releases == 1 for row in rows.values())
    print(
        f"\nworker SIGKILL: {DECLARATIONS} in, {len(rows)} released once each; "
        f"all released {recovered_after:.1f} s after the kill"
    )
