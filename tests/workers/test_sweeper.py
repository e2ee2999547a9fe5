"""The sweeper finds work Redis lost, and never causes a version to be screened twice."""

import uuid
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from redis import Redis
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry
from sqlmodel import Session, select

from clearance.clock import FrozenClock
from clearance.deadletters import service as deadletters
from clearance.declarations.models import Assessment
from clearance.queues import screening_job_id, screening_queue, screening_released
from tests.conftest import auth
from tests.helpers import arrive, lodge, read
from workers import jobs


def test_a_job_lost_from_redis_is_enqueued_again_and_screened_once(
    client: TestClient,
    keys: dict[str, str],
    redis: Redis,
    clock: FrozenClock,
    work: Callable[[], int],
    session: Session,
) -> None:
    declaration_id = lodge(client, keys["trader"])
    redis.flushdb()  # Redis restarted empty: the job is gone, the declaration is not

    nothing = {"reenqueued": 0, "cancelled": 0, "released": 0, "rechecks": 0}
    assert jobs.sweep() == nothing  # not overdue yet
    clock.advance(timedelta(minutes=3))
    assert jobs.sweep() == {**nothing, "reenqueued": 1}
    assert jobs.sweep() == nothing  # its job is queued now
    assert screening_queue(redis).count == 1

    assert work() == 1
    assert read(client, keys["trader"], declaration_id)["state"] == "assessed"
    assert len(session.exec(select(Assessment)).all()) == 1
    clock.advance(timedelta(minutes=3))
    assert jobs.sweep()["reenqueued"] == 0


def test_a_queued_job_is_left_alone(
    client: TestClient, keys: dict[str, str], redis: Redis, clock: FrozenClock
) -> None:
    lodge(client, keys["trader"])
    clock.advance(timedelta(hours=1))
    assert jobs.sweep()["reenqueued"] == 0
    assert screening_queue(redis).count == 1


def test_running_a_screening_job_twice_leaves_one_assessment(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    declaration_id = lodge(client, keys["trader"])
    assert jobs.screen_declaration(declaration_id, 1) == "yellow"
    assert jobs.screen_declaration(declaration_id, 1) == "skipped"
    assert jobs.screen_declaration(declaration_id, 2) == "skipped"  # no such version
    assert len(session.exec(select(Assessment)).all()) == 1


def test_declarations_without_arrival_are_cancelled_after_fifteen_days(
    client: TestClient,
    keys: dict[str, str],
    clock: FrozenClock,
    work: Callable[[], int],
) -> None:
    waiting = lodge(client, keys["trader"])
    arrived = lodge(client, keys["trader"])
    work()
    arrive(client, keys["gate"], arrived)

    clock.advance(timedelta(days=14, hours=23))
    assert jobs.sweep()["cancelled"] == 0
    clock.advance(timedelta(hours=2))
    assert jobs.sweep()["cancelled"] == 1

    detail = read(client, keys["trader"], waiting)
    assert detail["state"] == "cancelled"
    assert detail["events"][-1]["actor"] == "sweeper"
    assert detail["events"][-1]["text"] == "declaration cancelled"
    assert "15 days" in read(client, keys["officer"], waiting)["events"][-1]["reason"]
    assert read(client, keys["trader"], arrived)["state"] == "assessed"
    assert (
        client.get(f"/v1/declarations/{waiting}", headers=auth(keys["trader"])).status_code == 200
    )


def _fail_without_parking(redis: Redis) -> None:
    """What a trigger leaves when its last try failed and could not park (the database was
    down), or when RQ gives up on an abandoned one: FAILED, nothing waiting, nothing parked."""
    queue = screening_queue(redis)
    [job_id] = queue.get_job_ids()
    job = Job.fetch(job_id, connection=redis)
    queue.remove(job)
    screening_released(redis)  # the failing job let go of the marker
    job.set_status(JobStatus.FAILED)
    FailedJobRegistry(queue=queue).add(job, ttl=3600, exc_string="OperationalError")


def test_a_failed_job_nobody_parked_is_enqueued_again_and_screened_once(
    client: TestClient,
    keys: dict[str, str],
    redis: Redis,
    clock: FrozenClock,
    work: Callable[[], int],
    session: Session,
) -> None:
    declaration_id = lodge(client, keys["trader"])
    _fail_without_parking(redis)
    clock.advance(timedelta(minutes=3))
    assert jobs.sweep()["reenqueued"] == 1
    assert work() == 1
    assert read(client, keys["trader"], declaration_id)["state"] == "assessed"
    assert len(session.exec(select(Assessment)).all()) == 1


def test_a_failed_job_parked_as_a_dead_letter_is_left_to_the_operator(
    client: TestClient,
    keys: dict[str, str],
    redis: Redis,
    clock: FrozenClock,
    session: Session,
) -> None:
    declaration_id = lodge(client, keys["trader"])
    _fail_without_parking(redis)
    letter = deadletters.park(
        session=session,
        clock=clock,
        job="screen",
        job_id=screening_job_id(uuid.UUID(declaration_id), 1),
        declaration_id=uuid.UUID(declaration_id),
        version=1,
        error="OperationalError",
    )
    session.commit()
    clock.advance(timedelta(minutes=3))
    assert jobs.sweep()["reenqueued"] == 0
    letter.replayed_at = clock.now()  # replayed, but the replay's enqueue was lost
    session.add(letter)
    session.commit()
    assert jobs.sweep()["reenqueued"] == 1
