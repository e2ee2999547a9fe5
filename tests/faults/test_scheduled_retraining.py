"""A worker process with RQ's scheduler runs the periodic retraining on its own: the round is
scheduled at start-up, moved to the training queue when due, puts a candidate on trial, and
schedules the next round."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis
from rq import Queue
from sqlmodel import Session, select

from clearance import db
from clearance.clock import SystemClock
from clearance.queues import TRAINING_QUEUE
from clearance.reference import service as reference_service
from clearance.risk import learning
from clearance.risk.models import RiskModelVersion
from clearance.synthetic.history import simulate
from tests.faults.harness import RedisServer, Service, until

pytestmark = pytest.mark.slow
EVERY_SECONDS = 2


def _import_history(database_url: str) -> None:
    now = datetime.now(UTC)
    records = simulate(seed=5, count=300, start=now - timedelta(days=60), days=50)
    engine = db.make_engine(database_url)
    try:
        with Session(engine) as session:
            learning.import_history(
                session=session,
                clock=SystemClock(),
                reference=reference_service.snapshot(session=session, today=now.date()),
                records=records,
                source="simulated",
            )
            session.commit()
    finally:
        engine.dispose()


def _models(database_url: str) -> list[RiskModelVersion]:
    engine = db.make_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(RiskModelVersion)).all())
    finally:
        engine.dispose()


def test_a_worker_with_the_scheduler_retrains_on_schedule(
    make_service: Callable[..., Service], cloned_db: str, private_redis: RedisServer
) -> None:
    _import_history(cloned_db)
    service = make_service(retrain_hours=str(EVERY_SECONDS / 3600))
    service.start_worker("worker")

    [candidate] = until(lambda: _models(cloned_db), "a candidate trained by the worker", 90)
    assert (candidate.status, candidate.active, candidate.created_by) == (
        "shadow",
        False,
        "scheduler",
    )
    assert candidate.trained_on == 300
    redis = Redis.from_url(private_redis.url)
    scheduled = Queue(TRAINING_QUEUE, connection=redis).scheduled_job_registry
    until(lambda: scheduled.get_job_ids(), "the next round scheduled")
    # Rounds go on while the candidate waits for inspections; none trains another.
    until(lambda: service.log("worker").count("Job OK (retrain-") >= 3, "two more rounds", 30)
    assert len(_models(cloned_db)) == 1
