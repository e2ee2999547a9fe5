"""RQ's scheduler runs in one worker for all of them; killed with it, it moves to another worker
once its lock lapses, and what was scheduled (retries, claims put off) still runs."""

from collections.abc import Callable

import pytest
from redis import Redis
from rq.scheduler import RQScheduler

from clearance import queues
from tests.faults.harness import RedisServer, Service, until

pytestmark = pytest.mark.slow
# RQ's scheduler lock outlives its holder by 61 s (its interval + 60); then the next worker
# maintenance (every second here, `worker_maintenance_seconds`) takes it. The test makes the
# dead holder's lock lapse in a second instead of waiting out the minute.
LOCK_LAPSES_SECONDS = 1
MAINTENANCE_SECONDS = 1


def _holds_scheduler(service: Service, name: str) -> bool:
    return "Acquired scheduler lock" in service.log(name)


def test_the_scheduler_moves_to_a_live_worker_when_its_worker_is_killed(
    make_service: Callable[..., Service], private_redis: RedisServer
) -> None:
    service = make_service(worker_maintenance_seconds=str(MAINTENANCE_SECONDS))
    first = service.start_worker("first")
    until(lambda: _holds_scheduler(service, "first"), "the first worker's scheduler", 90)
    service.start_worker("second")
    until(lambda: "Listening on" in service.log("second"), "the second worker", 90)
    assert not _holds_scheduler(service, "second")  # one scheduler for both

    service.kill(first)  # with its scheduler process: the lock stays until it lapses
    redis = Redis.from_url(private_redis.url)
    assert queues.trigger_screening_later(1, connection=redis)  # a claim put off, scheduled
    locks = redis.keys(RQScheduler.get_locking_key("*"))
    assert locks  # the dead worker's, still held
    for lock in locks:
        redis.expire(lock, LOCK_LAPSES_SECONDS)

    until(
        lambda: _holds_scheduler(service, "second"),
        "the second worker to take the scheduler over",
        LOCK_LAPSES_SECONDS + 30,
    )
    until(
        lambda: "Job OK (screen-backlog-" in service.log("second"),
        "the scheduled claim to run on the second worker",
        30,
    )
