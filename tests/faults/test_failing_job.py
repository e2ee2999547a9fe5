"""A job that keeps failing, across real worker processes: retried with backoff by the
worker's RQ scheduler, parked as a dead letter, seen by an operator and replayed through the
API once the cause is fixed; each declaration is then screened exactly once."""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from clearance.auth.models import Role
from clearance.risk.models import RiskModelVersion
from tests.conftest import TRADER_TAX_CODE
from tests.factories import declaration
from tests.faults.harness import Service, until
from tests.faults.ledger import Intake, assert_each_screened_once, census, issue_keys, screened

pytestmark = pytest.mark.slow
DECLARATIONS = 5
RETRY_INTERVALS = [2, 3]
HOT_CACHE_SECONDS = 1


def activate_broken_model(database_url: str) -> None:
    """A model whose artefact cannot load: every screening fails until it is deactivated."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        session.add(
            RiskModelVersion(
                version="broken",
                active=True,
                trained_on=0,
                metrics={},
                artefact="not a model",
                created_by="fault test",
                created_at=datetime.now(UTC),
            )
        )
        session.commit()
    engine.dispose()


def deactivate_models(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE risk_model SET active = false"))
    engine.dispose()


def test_a_job_that_keeps_failing_is_retried_parked_and_replayed_once(
    make_service: Callable[..., Service], cloned_db: str
) -> None:
    activate_broken_model(cloned_db)
    service = make_service(
        job_retry_intervals=str(RETRY_INTERVALS), hot_cache_seconds=str(HOT_CACHE_SECONDS)
    )
    service.start_api()
    service.start_worker("worker")
    service.wait_healthy()
    keys = issue_keys(cloned_db, {Role.trader: TRADER_TAX_CODE, Role.operator: None})
    intake = Intake(service.url, keys[Role.trader])
    operator = {"Authorization": f"Bearer {keys[Role.operator]}"}
    lodged_at = time.monotonic()
    for _ in range(DECLARATIONS):
        intake.lodge(declaration())
    accepted = set(intake.accepted.values())

    with httpx.Client(base_url=service.url, headers=operator, timeout=10) as http:

        def waiting() -> list[dict[str, Any]]:
            listed = http.get("/v1/dead-letters", params={"replayed": "false"})
            assert listed.status_code == 200, listed.text
            letters: list[dict[str, Any]] = listed.json()
            return letters

        def all_parked() -> list[dict[str, Any]] | None:
            letters = waiting()
            return letters if len(letters) == DECLARATIONS else None

        letters = until(all_parked, "every declaration's job parked", 90)
        parked_after = time.monotonic() - lodged_at
        assert {letter["declaration_id"] for letter in letters} == accepted
        # The operator reads the cause first: the broken artefact's own exception.
        assert all("JSONDecodeError" in letter["error"] for letter in letters)
        # The sweeper leaves parked jobs to the operator: a few of its rounds change nothing.
        until(lambda: time.monotonic() - lodged_at > parked_after + 2, "sweeper rounds")
        assert len(waiting()) == DECLARATIONS
        assert {row.state for row in census(cloned_db).values()} <= {"lodged", "screening"}

        deactivate_models(cloned_db)  # the cause, fixed
        fixed_at = time.monotonic()  # workers see it once their cached active model expires
        until(lambda: time.monotonic() - fixed_at > HOT_CACHE_SECONDS, "workers see the fix")
        replayed_at = time.monotonic()
        for letter in letters:
            replayed = http.post(f"/v1/dead-letters/{letter['id']}/replay")
            assert replayed.status_code == 202, replayed.text
        until(lambda: screened(cloned_db, accepted), "replayed declarations screened", 90)
        screened_after = time.monotonic() - replayed_at
        again = http.post(f"/v1/dead-letters/{letters[0]['id']}/replay")
        assert (again.status_code, again.json()["code"]) == (409, "already_replayed")
        assert waiting() == []
        assert len(http.get("/v1/dead-letters").json()) == DECLARATIONS  # none parked twice

    assert_each_screened_once(census(cloned_db), accepted)
    log = service.log("worker")
    retries = log.count("scheduled for retry")
    # Screening jobs are triggers for what is pending: each that ran into the broken model
    # was tried again with backoff, and the last try parked what it would have screened.
    assert retries >= len(RETRY_INTERVALS)
    # Backoff: the last try comes the sum of the intervals after the first, less up to a
    # second a retry: RQ's scheduler keeps a retry's time in whole seconds (rounded down).
    assert parked_after >= sum(RETRY_INTERVALS) - len(RETRY_INTERVALS)
    print(
        f"\nfailing job: {DECLARATIONS} in, {retries} retries with backoff {RETRY_INTERVALS} s, "
        f"{DECLARATIONS} parked {parked_after:.1f} s after lodging, replayed and screened "
        f"once each {screened_after:.1f} s after the replay"
    )
