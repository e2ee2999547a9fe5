"""Lodgements written together: one transaction for the set, each refusal its own."""

import asyncio
import threading
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from clearance import wiring
from clearance.audit.models import AuditRecord
from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.clock import FrozenClock
from clearance.declarations import intake, lodging
from clearance.declarations.errors import DuplicateUcr, IdempotencyConflict
from clearance.declarations.lodgement import Lodged, Lodgement, RequestFacts
from clearance.declarations.models import Declaration, DeclarationEvent, IdempotencyRecord
from clearance.declarations.schemas import DeclarationIn
from clearance.declarations.service import stored_payload
from clearance.errors import Forbidden
from clearance.mandates.service import MandateRequired
from tests.conftest import TRADER_TAX_CODE, auth
from tests.factories import declaration

TRADER = Caller(key_id=1, role=Role.trader, tax_code=TRADER_TAX_CODE)


def _lodgement(body: dict[str, Any], key: str | None = None, caller: Caller = TRADER) -> Lodgement:
    declaration_in = DeclarationIn.model_validate(body)
    payload, sha = stored_payload(declaration_in)
    return Lodgement(
        caller=caller,
        declaration_in=declaration_in,
        payload=payload,
        body_sha256=sha,
        idempotency_key=key,
        facts=RequestFacts(client_address="10.0.0.9", request_id="r-1"),
        lifecycle=wiring.lifecycle(),
    )


def _written(items: list[Lodgement], clock: FrozenClock) -> tuple[list[Any], list[Lodgement]]:
    created: list[Lodgement] = []
    outcomes = lodging.write(items, clock=clock, committed=created.extend)
    return outcomes, created


def _count(session: Session, model: type[Any]) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_a_set_is_stored_whole_with_its_events_keys_and_audit_records(
    session: Session, clock: FrozenClock
) -> None:
    items = [_lodgement(declaration(), key=f"set-key-{i:04d}") for i in range(3)]

    outcomes, created = _written(items, clock)

    assert [o.created for o in outcomes] == [True, True, True]
    assert created == items  # the screening enqueue hears of all three, after the commit
    assert _count(session, Declaration) == _count(session, DeclarationEvent) == 3
    assert _count(session, IdempotencyRecord) == 3
    records = session.exec(select(AuditRecord).order_by(col(AuditRecord.id))).all()
    assert [r.target_id for r in records] == [str(i.declaration_id) for i in items]
    assert {(r.action, r.outcome, r.client_address, r.request_id) for r in records} == {
        ("POST /v1/declarations", "ok", "10.0.0.9", "r-1")
    }


def test_a_taken_ucr_fails_only_its_own_lodgement(session: Session, clock: FrozenClock) -> None:
    taken = declaration()
    _written([_lodgement(taken)], clock)
    fresh, again, other = declaration(), dict(taken), declaration()

    outcomes, created = _written([_lodgement(fresh), _lodgement(again), _lodgement(other)], clock)

    assert isinstance(outcomes[0], Lodged) and isinstance(outcomes[2], Lodged)
    assert isinstance(outcomes[1], DuplicateUcr)
    assert len(created) == 2
    assert _count(session, Declaration) == 3


def test_one_key_twice_in_a_set_is_one_declaration_and_a_replay(
    session: Session, clock: FrozenClock
) -> None:
    body = declaration()
    first, retry = _lodgement(body, key="same-key-0001"), _lodgement(body, key="same-key-0001")
    reused = _lodgement(declaration(), key="same-key-0001")

    outcomes, _created = _written([first, retry, reused], clock)

    assert isinstance(outcomes[0], Lodged) and outcomes[0].created
    assert isinstance(outcomes[1], Lodged) and not outcomes[1].created
    assert outcomes[1].declaration_id == outcomes[0].declaration_id
    assert isinstance(outcomes[2], IdempotencyConflict)
    assert _count(session, Declaration) == 1


def test_refusals_are_answered_and_audited_without_failing_the_set(
    session: Session, clock: FrozenClock
) -> None:
    someone_else = Caller(key_id=2, role=Role.trader, tax_code="0100000002")
    brokered = declaration()
    brokered["trader"] = {"tax_code": "0109999999", "name": "A client without a mandate"}
    items = [
        _lodgement(declaration()),
        _lodgement(declaration(), caller=someone_else),
        _lodgement(brokered),
    ]

    outcomes, created = _written(items, clock)

    assert isinstance(outcomes[0], Lodged)
    assert isinstance(outcomes[1], Forbidden) and outcomes[1].errors[0].field == (
        "declarant.tax_code"
    )
    assert isinstance(outcomes[2], MandateRequired)
    assert created == items[:1]
    outcomes_audited = session.exec(select(AuditRecord.outcome)).all()
    assert sorted(outcomes_audited) == ["403", "403", "ok"]


def test_what_arrives_while_a_set_is_written_is_written_together_next() -> None:
    sets: list[list[int]] = []
    writing, release = threading.Event(), threading.Event()

    def write(items: list[int]) -> list[int]:
        sets.append(items)
        writing.set()
        release.wait(10)
        return [item * 10 for item in items]

    group: intake.GroupCommit[int, int] = intake.GroupCommit(write)

    async def scenario() -> list[int]:
        first = asyncio.ensure_future(group.submit(1))
        await asyncio.get_running_loop().run_in_executor(None, writing.wait, 10)
        later = [asyncio.ensure_future(group.submit(n)) for n in (2, 3, 4)]
        await asyncio.sleep(0)
        release.set()
        return [await first, *[await f for f in later]]

    assert asyncio.run(scenario()) == [10, 20, 30, 40]
    assert sets == [[1], [2, 3, 4]]


def test_a_set_lingers_for_those_close_behind_its_first() -> None:
    def scenario(linger: float) -> list[list[int]]:
        sets: list[list[int]] = []

        def write(items: list[int]) -> list[int]:
            sets.append(items)
            return items

        group: intake.GroupCommit[int, int] = intake.GroupCommit(write, linger=lambda: linger)

        async def submit_two() -> None:
            first = asyncio.ensure_future(group.submit(1))
            for _ in range(3):  # the set is under way: its drain has run
                await asyncio.sleep(0)
            await asyncio.gather(first, group.submit(2))

        asyncio.run(submit_two())
        return sets

    assert scenario(linger=0.0) == [[1], [2]]
    assert scenario(linger=0.5) == [[1, 2]]


def test_lodging_over_http_replays_with_the_stored_version(
    client: TestClient, keys: dict[str, str]
) -> None:
    headers = {**auth(keys["trader"]), "Idempotency-Key": "http-replay-0001"}
    body = declaration()
    first = client.post("/v1/declarations", json=body, headers=headers)
    again = client.post("/v1/declarations", json=body, headers=headers)

    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
