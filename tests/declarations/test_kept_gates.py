"""Kept gates: a status read (and the sweeper) answers what holds a declaration from what was
kept while nothing its gates read has changed, and asks them again as soon as something has;
the sweeper locks only what it releases."""

import dataclasses
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event
from sqlmodel import Session

from clearance import db, wiring
from clearance.clock import FrozenClock
from clearance.declarations import lifecycle, release
from clearance.declarations.lifecycle import Lifecycle
from clearance.declarations.models import Declaration
from clearance.duties.models import Payment
from clearance.main import create_app
from clearance.messages import Message
from clearance.settings import get_settings
from tests.documents.helpers import uploaded
from tests.factories import UREA_LINE, declaration, tea_export
from tests.helpers import arrive, lodge, pay, read, required_documents
from workers import sweeper

OWED = 21_397_680  # a truck of urea: see tests/duties/test_assessment


class Counted:
    """A gate's check, counting how often it is asked."""

    def __init__(self, check: lifecycle.ReleaseCheck) -> None:
        self.check, self.asked = check, 0

    def __call__(self, session: Session, declaration: Declaration) -> Message | None:
        self.asked += 1
        return self.check(session, declaration)


class Excise:
    """A gate with nothing to show what it reads: closed until told."""

    stamped = False

    def __call__(self, _session: Session, _declaration: Declaration) -> Message | None:
        return None if self.stamped else Message("bilingual", {"en": "stamps", "vi": "tem"})


@pytest.fixture
def documents_gate() -> Counted:
    kept = wiring.lifecycle().release_gates["documents"]
    assert isinstance(kept, release.KeptGate)
    return Counted(kept.check)


@pytest.fixture
def excise() -> Excise:
    return Excise()


def _lifecycle(documents_gate: Counted, **gates: lifecycle.ReleaseCheck) -> Lifecycle:
    full = wiring.lifecycle()
    kept = full.release_gates["documents"]
    assert isinstance(kept, release.KeptGate)
    counted = dataclasses.replace(kept, check=documents_gate)
    return dataclasses.replace(
        full, release_gates={**full.release_gates, "documents": counted, **gates}
    )


@pytest.fixture
def app(documents_gate: Counted) -> FastAPI:
    return create_app(lifecycle=_lifecycle(documents_gate))


@pytest.fixture(autouse=True)
def _nothing_kept() -> Iterator[None]:
    release.forget_kept()
    yield
    release.forget_kept()


@pytest.fixture
def established(configure: Callable[..., None]) -> None:
    configure(new_trader_declarations=0, random_red_share=0)


def _missing(client: TestClient, key: str, declaration_id: str) -> list[str]:
    found: list[str] = read(client, key, declaration_id)["missing"]
    return found


def test_a_status_read_asks_the_gates_again_only_when_what_they_read_changed(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    clock: FrozenClock,
    documents_gate: Counted,
    established: None,
) -> None:
    body = declaration()
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    work()
    invoice, *others = required_documents(body)
    asked = documents_gate.asked
    waiting = _missing(client, keys["trader"], declaration_id)
    assert "required documents: commercial invoice, packing list, contract" in waiting
    assert _missing(client, keys["trader"], declaration_id) == waiting
    assert documents_gate.asked == asked + 1  # the second read's answer was kept

    uploaded(client, keys["trader"], declaration_id, invoice)  # no worker yet: a new paper
    assert "required documents: packing list, contract" in _missing(
        client, keys["trader"], declaration_id
    )
    for fields in others:
        uploaded(client, keys["trader"], declaration_id, fields)
    work()
    assert _missing(client, keys["trader"], declaration_id) == [
        "arrival recorded at the gate",
        f"duty of {OWED:,} VND unpaid",
    ]
    assert arrive(client, keys["gate"], declaration_id)["state"] == "decided"
    assert _missing(client, keys["trader"], declaration_id) == [f"duty of {OWED:,} VND unpaid"]
    pay(client, keys["bank"], declaration_id, amount_vnd=OWED - 1)  # a payment's row
    assert _missing(client, keys["trader"], declaration_id) == ["duty of 1 VND unpaid"]
    asked = documents_gate.asked
    clock.advance(timedelta(days=1))  # papers may expire overnight
    _missing(client, keys["trader"], declaration_id)
    assert documents_gate.asked == asked + 1


def test_a_gate_that_shows_nothing_it_reads_is_asked_on_every_read(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    documents_gate: Counted,
    excise: Excise,
    established: None,
) -> None:
    with TestClient(create_app(lifecycle=_lifecycle(documents_gate, excise=excise))) as excised:
        declaration_id = lodge(excised, keys["trader"])
        work()
        assert _missing(excised, keys["trader"], declaration_id)[-1] == "stamps"
        excise.stamped = True
        assert "stamps" not in _missing(excised, keys["trader"], declaration_id)


def test_a_duty_that_could_not_be_assessed_is_assessed_again_on_every_read(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    documents_gate: Counted,
    established: None,
) -> None:
    line = {**UREA_LINE, "customs_value": "7200.00", "currency": "GBP"}  # no GBP rate
    declaration_id = lodge(client, keys["trader"], declaration(lines=[line]))
    work()
    asked = documents_gate.asked
    for _ in range(2):
        assert any(
            m.startswith("duty not assessed")
            for m in _missing(client, keys["trader"], declaration_id)
        )
    assert documents_gate.asked == asked + 2


def test_an_export_owes_nothing_by_its_row_alone_and_its_answer_is_kept(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    documents_gate: Counted,
    established: None,
) -> None:
    declaration_id = lodge(client, keys["trader"], tea_export(), documents=False)
    work()
    asked = documents_gate.asked
    first = _missing(client, keys["trader"], declaration_id)
    assert _missing(client, keys["trader"], declaration_id) == first
    assert documents_gate.asked == asked + 1
    assert not any("duty" in missing for missing in first)


def _arrived_unpaid(client: TestClient, keys: dict[str, str], work: Callable[[], int]) -> str:
    declaration_id = lodge(client, keys["trader"])
    work()
    assert arrive(client, keys["gate"], declaration_id)["state"] == "decided"
    return declaration_id


def _ids(values: Any) -> set[uuid.UUID]:
    found = set()
    for value in values:
        try:
            found.add(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except ValueError:
            continue  # a state, a time
    return found


def _locked_while_sweeping(
    connection: Connection, clock: FrozenClock
) -> tuple[int, set[uuid.UUID]]:
    """One sweep, as the worker's job runs it; what it released and every parameter of the
    statements that locked rows."""
    locked: set[uuid.UUID] = set()

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if "FOR UPDATE" in statement and isinstance(parameters, dict):
            locked.update(_ids(parameters.values()))

    event.listen(connection, "before_cursor_execute", note)
    try:
        with db.unit_of_work() as session:
            lifecycle.attach(session, wiring.lifecycle())
            swept = sweeper.sweep(session=session, clock=clock, settings=get_settings())
    finally:
        event.remove(connection, "before_cursor_execute", note)
    return swept["released"], locked


def test_the_sweeper_locks_only_the_declarations_it_releases(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    clock: FrozenClock,
    connection: Connection,
    session: Session,
    established: None,
) -> None:
    unpaid = _arrived_unpaid(client, keys, work)
    paid = _arrived_unpaid(client, keys, work)
    assert _locked_while_sweeping(connection, clock) == (0, set())

    # Paid without the notice's request (which would release it): only the sweeper sees it.
    session.add(
        Payment(
            bank_reference="VCB-KEPT-1",
            declaration_id=uuid.UUID(paid),
            amount_vnd=OWED,
            paid_at=clock.now(),
            bank_actor="bank",
            request_sha256="0" * 64,
            received_at=clock.now(),
        )
    )
    session.commit()
    released, locked = _locked_while_sweeping(connection, clock)
    assert released == 1
    assert uuid.UUID(paid) in locked
    assert uuid.UUID(unpaid) not in locked
    assert read(client, keys["trader"], paid)["state"] == "released"
    assert read(client, keys["trader"], unpaid)["state"] == "decided"
