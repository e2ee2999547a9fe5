"""Release gates: one mechanism, to which other domains add their own gate."""

import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from clearance.declarations import release
from clearance.declarations.models import Declaration
from clearance.messages import Message
from tests.conftest import auth
from tests.helpers import arrive, lodge, pay, read
from workers import jobs


@pytest.fixture
def excise_gate() -> Iterator[dict[str, bool]]:
    """A gate another domain could add (excise stamps, say): closed until it is told."""
    stamped = {"stamped": False}

    def check(_session: Session, _declaration: Declaration) -> Message | None:
        affixed = Message("bilingual", {"en": "excise stamps affixed", "vi": "đã dán tem"})
        return None if stamped["stamped"] else affixed

    release.register_gate("test-excise", check)
    yield stamped
    release.unregister_gate("test-excise")


def test_a_registered_gate_holds_release_until_it_opens(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    configure: Callable[..., None],
    excise_gate: dict[str, bool],
) -> None:
    configure(new_trader_declarations=0)
    declaration_id = lodge(client, keys["trader"])
    work()
    pay(client, keys["bank"], declaration_id)
    detail = arrive(client, keys["gate"], declaration_id)
    assert detail["state"] == "decided"
    assert detail["missing"] == ["excise stamps affixed"]
    assert jobs.sweep()["released"] == 0

    excise_gate["stamped"] = True
    assert jobs.sweep()["released"] == 1
    released = read(client, keys["trader"], declaration_id)
    assert released["state"] == "released"
    assert released["missing"] == []
    assert released["events"][-1]["text"] == "released"
    assert read(client, keys["officer"], declaration_id)["events"][-1]["reason"] == (
        "all release gates open"
    )


def test_a_process_that_forgot_the_duty_gate_releases_nothing(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    configure: Callable[..., None],
    session: Session,
) -> None:
    """Fail closed: an entry point that did not install the lifecycle refuses to release,
    rather than releasing goods whose duty was never checked."""
    configure(new_trader_declarations=0)
    declaration_id = lodge(client, keys["trader"])
    work()
    duty = release._gates["duty"]
    release.unregister_gate("duty")
    try:
        refused = client.post(
            f"/v1/declarations/{declaration_id}/arrival",
            json={"weighbridge_kg": "20400"},
            headers=auth(keys["gate"]),
        )
        assert refused.status_code == 500
        with pytest.raises(release.LifecycleIncomplete, match="duty"):
            release.closed_gates(
                session=session, declaration=session.get_one(Declaration, uuid.UUID(declaration_id))
            )
    finally:
        release.register_gate("duty", duty)
    assert read(client, keys["officer"], declaration_id)["state"] == "decided"  # not released
