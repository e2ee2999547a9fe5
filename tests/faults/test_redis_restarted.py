"""Redis restarted empty while traders lodge: intake keeps answering, and every accepted
declaration is screened once Redis is back (the sweeper re-enqueues the lost jobs)."""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from clearance.auth.models import Role
from tests.conftest import TRADER_TAX_CODE
from tests.factories import declaration
from tests.faults.harness import RedisServer, Service, until
from tests.faults.ledger import Intake, assert_each_screened_once, census, issue_keys, screened

pytestmark = pytest.mark.slow
CLIENTS = 4
PER_CLIENT = 10
PACE_SECONDS = 0.3
LODGED_BEFORE_THE_FAULT = 10
LODGED_DURING_THE_FAULT = 10
DOWN_SECONDS = 3.0  # a restart's few seconds, longer than the worker's one-second restart


def test_redis_restarted_empty_while_lodging_loses_no_declaration(
    make_service: Callable[..., Service], cloned_db: str, private_redis: RedisServer
) -> None:
    # The rate limiter counts in Redis too: on, so a dead Redis meets it on every request.
    service = make_service(rate_limit_per_second="1000")
    service.start_api()
    worker = service.start_worker("worker")
    service.wait_healthy()
    keys = issue_keys(cloned_db, {Role.trader: TRADER_TAX_CODE})
    intake = Intake(service.url, keys[Role.trader])

    def client() -> None:
        for body in (declaration() for _ in range(PER_CLIENT)):
            intake.lodge(body)
            time.sleep(PACE_SECONDS)

    with ThreadPoolExecutor(CLIENTS) as pool:
        clients = [pool.submit(client) for _ in range(CLIENTS)]
        until(
            lambda: len(intake.accepted) >= LODGED_BEFORE_THE_FAULT,
            "lodgements before",
            abort=lambda: intake.failures,
        )
        private_redis.kill()
        down_at, accepted_before = time.monotonic(), len(intake.accepted)
        until(
            lambda: len(intake.accepted) >= accepted_before + LODGED_DURING_THE_FAULT,
            "lodgements while Redis is down",
            abort=lambda: intake.failures,
        )
        until(lambda: time.monotonic() - down_at >= DOWN_SECONDS, "the outage to last")
        private_redis.start()  # the same port, nothing in it
        back_at, accepted_during = time.monotonic(), len(intake.accepted) - accepted_before
        for done in clients:
            done.result()

    accepted = set(intake.accepted.values())
    assert len(accepted) == CLIENTS * PER_CLIENT
    until(lambda: screened(cloned_db, accepted), "every accepted declaration screened", 90)
    recovered_after = time.monotonic() - back_at
    assert_each_screened_once(census(cloned_db), accepted)
    assert all(a.status == 503 and a.retry_after for a in intake.refused), intake.refused
    assert worker.poll() is None, "the worker died with Redis"
    # What was lodged while Redis was down waits in the database's pending list: the first
    # trigger after the restart (a lodgement's, or the sweeper's) screens it with the rest.
    print(
        f"\nRedis restart: {len(accepted)} accepted ({accepted_during} while Redis was down for "
        f"{back_at - down_at:.1f} s), {len(intake.refused)} refused with 503, "
        f"{intake.transport_errors} dropped; all screened once "
        f"{recovered_after:.1f} s after Redis came back"
    )
