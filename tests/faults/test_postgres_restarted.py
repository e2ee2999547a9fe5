"""PostgreSQL taken away under load: requests fail cleanly (503 with Retry-After, never a
500), the service recovers by itself, and no declaration is lost, doubled or half-written."""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, make_url, text

from clearance.auth.models import Role
from clearance.db import APPLICATION_NAME
from tests.conftest import PG_ADMIN_URL, TRADER_TAX_CODE
from tests.factories import declaration
from tests.faults.harness import PostgresProxy, Service, until
from tests.faults.ledger import Intake, assert_each_screened_once, census, issue_keys, screened

pytestmark = pytest.mark.slow
CLIENTS = 4
PER_CLIENT = 12
PACE_SECONDS = 0.25
REFUSED_DURING_THE_CUT = 6
CUT_SECONDS = 3.0  # a restart's few seconds: longer than the jobs' immediate retries last


def terminate_backends(database_url: str) -> int:
    """pg_terminate_backend on the service's connections to this test's database only."""
    # Other engineers' services share the server and the application name: never theirs.
    engine = create_engine(PG_ADMIN_URL)
    try:
        with engine.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :db AND application_name = :app"
                ),
                {"db": make_url(database_url).database, "app": APPLICATION_NAME},
            ).scalar_one()
            connection.commit()
        return int(killed)
    finally:
        engine.dispose()


def test_postgres_taken_away_under_load_is_503_then_recovers_without_a_restart(
    make_service: Callable[..., Service], cloned_db: str, pg_proxy: PostgresProxy
) -> None:
    proxied = make_url(cloned_db).set(port=pg_proxy.port).render_as_string(hide_password=False)
    service = make_service(proxied)
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
        # First, every connection the service holds is terminated at once.
        until(
            lambda: len(intake.accepted) >= 8,
            "lodgements before the first fault",
            abort=lambda: intake.failures,
        )
        terminated = terminate_backends(cloned_db)
        # Then PostgreSQL goes away for a while, as during a restart.
        until(
            lambda: len(intake.accepted) >= 16,
            "lodgements before the second fault",
            abort=lambda: intake.failures,
        )
        pg_proxy.cut()
        cut_at, refused_before = time.monotonic(), len(intake.refused)
        until(
            lambda: len(intake.refused) >= refused_before + REFUSED_DURING_THE_CUT,
            "requests refused while PostgreSQL is away",
            abort=lambda: intake.failures,
        )
        until(lambda: time.monotonic() - cut_at >= CUT_SECONDS, "the outage to last")
        pg_proxy.restore()
        restored_at = time.monotonic()
        first_accepted_after = until(
            lambda: intake.first_accepted_after(restored_at),
            "a lodgement accepted after PostgreSQL is back",
            abort=lambda: intake.failures,
        )
        for done in clients:
            done.result()

    accepted = set(intake.accepted.values())
    assert len(accepted) == CLIENTS * PER_CLIENT
    assert intake.refused, "the fault was never seen"
    for answer in intake.refused:
        assert (answer.status, answer.content_type) == (503, "application/problem+json")
        assert answer.retry_after is not None and int(answer.retry_after) > 0
    until(lambda: screened(cloned_db, accepted), "every accepted declaration screened", 90)
    screened_after = time.monotonic() - restored_at
    assert_each_screened_once(census(cloned_db), accepted)
    assert worker.poll() is None
    assert " 500 " not in service.log("api")
    print(
        f"\nPostgreSQL: {terminated} backends terminated, then cut for "
        f"{restored_at - cut_at:.1f} s; {len(accepted)} accepted, {len(intake.refused)} "
        f"refused with 503 + Retry-After, {intake.transport_errors} dropped; first 202 "
        f"{first_accepted_after - restored_at:.2f} s after the restore, all screened once "
        f"{screened_after:.1f} s after it"
    )
