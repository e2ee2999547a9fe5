"""What follows a set's assessments is written for the whole set: one statement per table, and
a version whose hook or rows fail is isolated and parked while the rest of its set goes on."""

import dataclasses
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event
from sqlmodel import Session, col, select

from clearance.clock import Clock, FrozenClock
from clearance.deadletters.models import DeadLetter
from clearance.declarations.lifecycle import LifecycleIncomplete
from clearance.declarations.models import Decision, Declaration, State
from clearance.duties.models import DutyAssessment
from clearance.risk import sets
from clearance.settings import get_settings
from tests.factories import declaration
from tests.helpers import lodge
from workers import jobs


class RefusedVersion(RuntimeError):
    """What the test's hook raises for the one version it refuses."""


def _refusing(refused: uuid.UUID) -> Any:
    """A domain's assessed hook that fails whenever its set holds `refused`."""

    def hook(_session: Session, _clock: Clock, declarations: Sequence[Declaration]) -> None:
        if any(d.id == refused for d in declarations):
            raise RefusedVersion(f"{refused} refused")

    return hook


def _parked_alone(
    session: Session, outcome: sets.Outcome, poisoned: uuid.UUID, ids: list[str]
) -> None:
    assert outcome.parked == [(poisoned, 1)]
    assert sum(outcome.channels.values()) == len(ids) - 1
    session.expire_all()
    states = dict(session.exec(select(Declaration.id, Declaration.state)).all())
    assert states[poisoned] is State.lodged  # nothing of its set's work stayed
    assert all(states[uuid.UUID(i)] is not State.lodged for i in ids if i != str(poisoned))
    [letter] = session.exec(select(DeadLetter)).all()
    assert (letter.declaration_id, letter.version, letter.job) == (poisoned, 1, "screen")


def test_a_version_whose_assessed_hook_fails_is_parked_and_its_set_concluded(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    clock: FrozenClock,
    configure: Callable[..., None],
) -> None:
    configure(new_trader_declarations=0)
    ids = [lodge(client, keys["trader"]) for _ in range(6)]
    poisoned = uuid.UUID(ids[2])
    refusing = dataclasses.replace(
        jobs.LIFECYCLE,
        assessed_set_hooks=(*jobs.LIFECYCLE.assessed_set_hooks, _refusing(poisoned)),
    )

    outcome = sets.screen_set(clock=clock, settings=get_settings(), lifecycle=refusing)

    _parked_alone(session, outcome, poisoned, ids)
    [letter] = session.exec(select(DeadLetter)).all()
    assert "RefusedVersion" in letter.error
    duties = set(session.exec(select(DutyAssessment.declaration_id)).all())
    assert duties == {uuid.UUID(i) for i in ids} - {poisoned}
    decided = set(session.exec(select(Decision.declaration_id)).all())
    assert poisoned not in decided and decided  # the green ones of the rest were decided


def test_a_version_with_duties_stored_already_is_parked_not_assessed_twice(
    client: TestClient, keys: dict[str, str], session: Session, clock: FrozenClock
) -> None:
    """A set stores duties without deleting first (a pending version has none): should one
    have rows all the same, the unique constraint refuses a second assessment of its lines."""
    ids = [lodge(client, keys["trader"]) for _ in range(4)]
    poisoned = uuid.UUID(ids[1])
    session.add(
        DutyAssessment(
            declaration_id=poisoned,
            version=1,
            line_no=1,
            hs_code="85171300",
            customs_value=Decimal(1),
            currency="USD",
            assessed_on=clock.now().date(),
            computed_at=clock.now(),
        )
    )
    session.commit()

    outcome = sets.screen_set(clock=clock, settings=get_settings(), lifecycle=jobs.LIFECYCLE)

    _parked_alone(session, outcome, poisoned, ids)
    lines = session.exec(
        select(DutyAssessment.line_no).where(col(DutyAssessment.declaration_id) == poisoned)
    ).all()
    assert lines == [1]


def test_a_set_writes_each_table_in_one_statement(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    connection: Connection,
    clock: FrozenClock,
) -> None:
    for _ in range(5):
        lodge(client, keys["trader"])
    lodge(client, keys["trader"], declaration(), documents=False)  # held: a query
    statements: Counter[str] = Counter()

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        words = statement.split()
        if words[0] in {"INSERT", "UPDATE", "DELETE"}:
            statements[" ".join(words[:3])] += 1

    event.listen(connection, "before_cursor_execute", count)
    try:
        outcome = sets.screen_set(clock=clock, settings=get_settings(), lifecycle=jobs.LIFECYCLE)
    finally:
        event.remove(connection, "before_cursor_execute", count)

    assert outcome.claimed == 6 and not outcome.parked
    written = {
        "INSERT INTO assessment",
        "INSERT INTO duty_assessment",
        "INSERT INTO decision",
        "INSERT INTO declaration_query",
        "INSERT INTO declaration_event",
        "INSERT INTO audit_record",
        "UPDATE declaration SET",
    }
    assert written <= statements.keys()
    assert {statement: n for statement, n in statements.items() if n != 1} == {}


def test_a_set_moves_its_declarations_in_one_update_run_once_not_once_per_row(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    connection: Connection,
    clock: FrozenClock,
) -> None:
    ids = [lodge(client, keys["trader"]) for _ in range(4)]
    updates: list[tuple[bool, Any]] = []

    def note(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool
    ) -> None:
        if statement.startswith("UPDATE declaration SET"):
            updates.append((many, parameters))

    event.listen(connection, "before_cursor_execute", note)
    try:
        outcome = sets.screen_set(clock=clock, settings=get_settings(), lifecycle=jobs.LIFECYCLE)
    finally:
        event.remove(connection, "before_cursor_execute", note)

    assert outcome.claimed == 4 and not outcome.parked
    [(many, parameters)] = updates
    assert not many  # one statement for the rows, not the driver's statement per row
    assert sorted(map(str, parameters["v_id"])) == sorted(ids)
    session.expire_all()
    wanted = [uuid.UUID(i) for i in ids]
    moved = session.exec(select(Declaration).where(col(Declaration.id).in_(wanted))).all()
    assert len(moved) == 4
    assert all(d.state is not State.lodged and d.channel is not None for d in moved)


def test_a_lifecycle_whose_event_hook_has_no_set_form_is_refused() -> None:
    """A set's events would go without the outbox that a lone event's change writes."""
    with pytest.raises(LifecycleIncomplete, match="set form"):
        dataclasses.replace(jobs.LIFECYCLE, event_set_hooks=())
