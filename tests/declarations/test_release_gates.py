"""Release gates: one mechanism, to which other domains add their own gate."""

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from clearance.declarations import release
from clearance.declarations.models import Declaration
from tests.helpers import arrive, lodge, read
from workers import jobs


@pytest.fixture
def duty_gate() -> Iterator[dict[str, bool]]:
    """A gate like the payments issue will add: closed until the duty is paid."""
    paid = {"paid": False}

    def check(_session: Session, _declaration: Declaration) -> str | None:
        return None if paid["paid"] else "duty paid or guaranteed"

    release.register_gate("test-duty", check)
    yield paid
    release.unregister_gate("test-duty")


def test_a_registered_gate_holds_release_until_it_opens(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    configure: Callable[..., None],
    duty_gate: dict[str, bool],
) -> None:
    configure(new_trader_declarations=0)
    declaration_id = lodge(client, keys["trader"])
    work()
    detail = arrive(client, keys["gate"], declaration_id)
    assert detail["state"] == "decided"
    assert detail["missing"] == ["duty paid or guaranteed"]
    assert jobs.sweep()["released"] == 0

    duty_gate["paid"] = True
    assert jobs.sweep()["released"] == 1
    released = read(client, keys["trader"], declaration_id)
    assert released["state"] == "released"
    assert released["missing"] == []
    assert released["events"][-1]["reason"] == "all release gates open"
