"""A job that keeps failing is retried, then parked in the database for an operator to replay."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from clearance.clock import FrozenClock
from clearance.deadletters.models import DeadLetter
from clearance.declarations.models import Assessment
from clearance.risk.models import RiskModelVersion
from tests.conftest import auth
from tests.helpers import lodge, read
from tests.workers.conftest import activate_broken_model


@pytest.fixture
def parked(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    session: Session,
    clock: FrozenClock,
    configure: Callable[..., None],
) -> tuple[str, RiskModelVersion]:
    """A declaration lodged while a broken model is active: every try fails."""
    configure(job_retry_intervals=[0, 0])  # two retries, at once: no scheduler needed
    broken = activate_broken_model(session, clock)
    declaration_id = lodge(client, keys["trader"], documents=False)
    assert work() == 1
    return declaration_id, broken


def test_the_last_failure_is_parked_with_its_error(
    client: TestClient, keys: dict[str, str], session: Session, parked: tuple[str, Any]
) -> None:
    declaration_id, _ = parked
    [letter] = session.exec(select(DeadLetter)).all()
    assert (str(letter.declaration_id), letter.version, letter.job) == (declaration_id, 1, "screen")
    assert "Error" in letter.error.splitlines()[-1]  # the traceback's last line: the exception
    assert letter.job_id == f"screen-{declaration_id}-v1"
    assert read(client, keys["trader"], declaration_id)["state"] in {"lodged", "screening"}

    listed = client.get("/v1/dead-letters?replayed=false", headers=auth(keys["operator"]))
    assert listed.status_code == 200
    assert [item["declaration_id"] for item in listed.json()] == [declaration_id]
    assert client.get("/v1/dead-letters", headers=auth(keys["trader"])).status_code == 403


def test_an_operator_replays_it_once_the_cause_is_fixed(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    work: Callable[[], int],
    parked: tuple[str, RiskModelVersion],
) -> None:
    declaration_id, broken = parked
    broken.active = False  # the cause, fixed
    session.add(broken)
    session.commit()
    [letter] = session.exec(select(DeadLetter)).all()
    url = f"/v1/dead-letters/{letter.id}/replay"
    replayed = client.post(url, headers=auth(keys["operator"]))
    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["replayed_by"].startswith("operator:")
    assert work() == 1
    assert len(session.exec(select(Assessment)).all()) == 1
    assert read(client, keys["trader"], declaration_id)["state"] == "held"  # papers missing
    again = client.post(url, headers=auth(keys["operator"]))
    assert (again.status_code, again.json()["code"]) == (409, "already_replayed")
    assert (
        client.post("/v1/dead-letters/999999/replay", headers=auth(keys["operator"])).status_code
        == 404
    )


def test_a_declaration_that_moved_on_is_not_replayed(
    client: TestClient, keys: dict[str, str], session: Session, parked: tuple[str, Any]
) -> None:
    declaration_id, _ = parked
    cancel = f"/v1/declarations/{declaration_id}/cancel"
    cancelled = client.post(cancel, json={"reason": "cancelled"}, headers=auth(keys["trader"]))
    assert cancelled.status_code == 200, cancelled.text
    [letter] = session.exec(select(DeadLetter)).all()
    refused = client.post(f"/v1/dead-letters/{letter.id}/replay", headers=auth(keys["operator"]))
    assert refused.status_code == 409
    assert "moved on" in refused.json()["detail"]
