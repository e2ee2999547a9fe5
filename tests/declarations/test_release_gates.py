"""Release gates: one mechanism, to which other domains add their own gate through the
lifecycle each entry point builds; without it, or with a required gate missing, nothing is
released."""

import dataclasses
import uuid
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from clearance import db, wiring
from clearance.clock import FrozenClock
from clearance.declarations import lifecycle, release, states, sweeper
from clearance.declarations.lifecycle import Lifecycle, LifecycleIncomplete
from clearance.declarations.models import Declaration, State
from clearance.main import create_app
from clearance.messages import Message
from clearance.settings import get_settings
from tests.conftest import auth
from tests.helpers import arrive, lodge, pay, read
from workers import jobs


def _with_gates(**changes: lifecycle.ReleaseCheck | None) -> Lifecycle:
    """The full lifecycle with gates added (a check) or taken away (None)."""
    full = wiring.lifecycle()
    gates = {**full.release_gates, **changes}
    return dataclasses.replace(
        full, release_gates={name: check for name, check in gates.items() if check is not None}
    )


def _sweep(with_lifecycle: Lifecycle, clock: FrozenClock) -> dict[str, int]:
    """What the worker's sweep job does, in a process whose lifecycle is `with_lifecycle`."""
    with db.unit_of_work() as session:
        lifecycle.attach(session, with_lifecycle)
        return sweeper.sweep(session=session, clock=clock, settings=get_settings())


def _state(session: Session, declaration_id: str) -> State:
    return State(
        session.exec(
            select(Declaration.state).where(Declaration.id == uuid.UUID(declaration_id))
        ).one()
    )


class ExciseGate:
    """A gate another domain could add (excise stamps, say): closed until it is told."""

    stamped = False

    def __call__(self, _session: Session, _declaration: Declaration) -> Message | None:
        affixed = Message("bilingual", {"en": "excise stamps affixed", "vi": "đã dán tem"})
        return None if self.stamped else affixed


@pytest.fixture
def excise_gate() -> ExciseGate:
    return ExciseGate()


@pytest.fixture
def app(excise_gate: ExciseGate) -> FastAPI:
    """The app of this module's tests, with the excise gate in its lifecycle."""
    return create_app(lifecycle=_with_gates(excise=excise_gate))


def test_a_gate_in_the_lifecycle_holds_release_until_it_opens(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    configure: Callable[..., None],
    clock: FrozenClock,
    excise_gate: ExciseGate,
) -> None:
    configure(new_trader_declarations=0)
    with_excise = _with_gates(excise=excise_gate)
    declaration_id = lodge(client, keys["trader"])
    work()
    pay(client, keys["bank"], declaration_id)
    detail = arrive(client, keys["gate"], declaration_id)
    assert detail["state"] == "decided"
    assert detail["missing"] == ["excise stamps affixed"]
    assert _sweep(with_excise, clock)["released"] == 0

    excise_gate.stamped = True
    assert _sweep(with_excise, clock)["released"] == 1
    released = read(client, keys["trader"], declaration_id)
    assert released["state"] == "released"
    assert released["missing"] == []
    assert released["events"][-1]["text"] == "released"
    assert read(client, keys["officer"], declaration_id)["events"][-1]["reason"] == (
        "all release gates open"
    )


@pytest.mark.parametrize("gate", ["documents", "duty"])
def test_an_app_whose_lifecycle_lacks_a_required_gate_releases_nothing(
    gate: str,
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    configure: Callable[..., None],
    session: Session,
) -> None:
    """Fail closed: rather than release goods whose documents or duty were never checked,
    the app refuses the arrival, and the check refuses to answer."""
    configure(new_trader_declarations=0)
    declaration_id = lodge(client, keys["trader"])
    work()
    pay(client, keys["bank"], declaration_id)
    without = _with_gates(**{gate: None})
    with TestClient(create_app(lifecycle=without), raise_server_exceptions=False) as partial:
        refused = partial.post(
            f"/v1/declarations/{declaration_id}/arrival",
            json={"weighbridge_kg": "20400"},
            headers=auth(keys["gate"]),
        )
    assert refused.status_code == 500
    with db.new_session() as other:
        declaration = other.get_one(Declaration, uuid.UUID(declaration_id))
        with pytest.raises(LifecycleIncomplete, match=f"missing from the lifecycle: {gate}"):
            release.closed_gates(session=lifecycle.attach(other, without), declaration=declaration)
    assert _state(session, declaration_id) is State.decided  # not released, not even arrived
    assert read(client, keys["officer"], declaration_id)["arrived_at"] is None


def test_a_session_without_a_lifecycle_refuses_to_release_or_record(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    configure: Callable[..., None],
    clock: FrozenClock,
    session: Session,
) -> None:
    """An entry point that opened its session without attaching the lifecycle is refused."""
    configure(new_trader_declarations=0)
    declaration_id = lodge(client, keys["trader"])
    work()
    pay(client, keys["bank"], declaration_id)
    with db.new_session() as bare:
        declaration = bare.get_one(Declaration, uuid.UUID(declaration_id))
        declaration.arrived_at = clock.now()
        with pytest.raises(LifecycleIncomplete, match="carries no lifecycle"):
            release.release_if_ready(session=bare, clock=clock, declaration=declaration)
        with pytest.raises(LifecycleIncomplete, match="carries no lifecycle"):
            states.note(
                session=bare,
                clock=clock,
                declaration=declaration,
                actor=states.SYSTEM,
                action="note",
                reason="a note no hook would see",
            )
        db.rollback(bare)
    assert _state(session, declaration_id) is State.decided


def test_an_app_without_a_lifecycle_refuses_requests(keys: dict[str, str]) -> None:
    app = create_app()
    del app.state.lifecycle
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/v1/declarations", headers=auth(keys["officer"]))
    assert response.status_code == 500


def test_the_api_and_the_worker_run_the_full_lifecycle(
    keys: dict[str, str],
    work: Callable[[], int],
    configure: Callable[..., None],
    clock: FrozenClock,
) -> None:
    """The factory's app and the worker's jobs build the lifecycle themselves: the worker's
    screening assesses the duty, the API's arrival holds the goods for it, the payment
    releases them."""
    assert jobs.LIFECYCLE.release_gates.keys() >= release.REQUIRED_GATES
    configure(new_trader_declarations=0)
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        declaration_id = lodge(client, keys["trader"])
        assert work() == 1
        detail = arrive(client, keys["gate"], declaration_id)
        assert detail["state"] == "decided"
        assert len(detail["missing"]) == 1  # the duty the worker assessed, nothing else
        assert jobs.sweep()["released"] == 0
        pay(client, keys["bank"], declaration_id)
        assert read(client, keys["trader"], declaration_id)["state"] == "released"
