"""Lodgements written in sets: one transaction, one statement per table, for many requests.

`write` takes the lodgements that arrived together (`intake.GroupCommit` gathers them) and
stores them in one transaction: the declarations, their first versions and lines, their
`lodge` events, idempotency records, the parties' days and the audit records, all in one
statement on PostgreSQL (each table's rows as arrays), one multi-row statement per table
elsewhere.
Mandates are one query for the whole set. A key used before is found by its unique
constraint: the set's transaction fails, and each lodgement is tried again in a transaction
of its own that looks its key up first (a replay, or a 409), as sets do for a while after any
conflict; a UCR taken fails only its own lodgement the same way. A lodgement refused for
another reason (a mandate missing, an unknown code) is answered without failing the others.
On PostgreSQL the set's writes go out in one psycopg pipeline with its BEGIN and COMMIT.
"""

import math
import time
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, SQLModel, select

from clearance import db, db_rows
from clearance.audit.models import OK, AuditRecord
from clearance.clock import Clock
from clearance.declarations import activity, lodgement, set_reads
from clearance.declarations.errors import DuplicateUcr, IdempotencyConflict
from clearance.declarations.lifecycle import Lifecycle
from clearance.declarations.lodgement import Committed, Lodged, Lodgement, Outcome
from clearance.declarations.models import (
    Declaration,
    DeclarationEvent,
    DeclarationLine,
    DeclarationVersion,
    IdempotencyRecord,
    State,
)
from clearance.declarations.set_connection import SetConnection
from clearance.errors import Conflict, FieldError, Forbidden
from clearance.mandates import service as mandates_service
from clearance.messages import Message
from clearance.reference.calendar import local_date

# After a conflict, sets look their keys up before writing for this long: retries come in
# bursts, and a set that a reused key refuses is written again one lodgement at a time.
PESSIMISTIC_SECONDS = 10.0


class _Conflicts:
    """When a unique constraint last refused a write in this process (a retry, a taken UCR)."""

    def __init__(self) -> None:
        self._last = -math.inf

    def seen(self) -> None:
        self._last = time.monotonic()

    def recent(self) -> bool:
        return time.monotonic() - self._last < PESSIMISTIC_SECONDS


_conflicts = _Conflicts()
# The set writer's connection (one writer thread per process): see set_connection.py.
_connection = SetConnection()


def write(lodgements: list[Lodgement], *, clock: Clock, committed: Committed) -> list[Outcome]:
    """Store the set; each lodgement's outcome, in order (an exception is its answer)."""
    first, repeats = _split_repeats(lodgements)
    try:
        outcomes = _in_one_transaction(first, clock=clock, committed=committed)
    except IntegrityError:
        # A constraint refused one of them: each alone, so only that one fails.
        _conflicts.seen()
        outcomes = {item: _alone(item, clock=clock, committed=committed) for item in first}
    except (OperationalError, PoolTimeout) as exc:
        outcomes = dict.fromkeys(first, exc)
    for item in repeats:
        outcomes[item] = _alone(item, clock=clock, committed=committed)
    return [outcomes[item] for item in lodgements]


def _split_repeats(lodgements: list[Lodgement]) -> tuple[list[Lodgement], list[Lodgement]]:
    """Those whose key and UCR are first in the set; the others go after them, alone."""
    keys: set[tuple[str, str]] = set()
    ucrs: set[tuple[str, str]] = set()
    first, repeats = [], []
    for item in lodgements:
        key = (item.scope, item.idempotency_key or "")
        ucr = (item.declaration_in.declarant.tax_code, item.declaration_in.ucr)
        if ucr in ucrs or (item.idempotency_key is not None and key in keys):
            repeats.append(item)
            continue
        keys.add(key)
        ucrs.add(ucr)
        first.append(item)
    return first, repeats


def _alone(item: Lodgement, *, clock: Clock, committed: Committed) -> Outcome:
    try:
        return _in_one_transaction([item], clock=clock, committed=committed)[item]
    except IntegrityError:
        _conflicts.seen()
        return _after_conflict(item, clock=clock)
    except (OperationalError, PoolTimeout) as exc:
        return exc


def _in_one_transaction(
    items: list[Lodgement], *, clock: Clock, committed: Committed
) -> dict[Lodgement, Outcome]:
    with _connection.session() as session:
        outcomes = _decide(session, clock, items)
        created = [item for item in items if isinstance(outcomes[item], Lodged)]
        created = [item for item in created if outcomes[item].created]  # type: ignore[union-attr]
        with _connection.writes(session):
            declarations, events = _write_rows(session, clock.now(), items, outcomes, created)
            if created:
                db.after_commit(session, lambda: committed(created))
            _run_event_hooks(session, created, declarations, events)
    return outcomes


def _decide(session: Session, clock: Clock, items: list[Lodgement]) -> dict[Lodgement, Outcome]:
    """Each lodgement's answer, checked in the order a single one always was."""
    refusals = _refusals(session, clock, items)
    # Keys are looked up first only while retries are about; else the unique constraint on
    # them finds a reused key (the set is then written one by one, with the lookup). A
    # lodgement refused for a code is looked up anyway: a replay answers before that refusal.
    asked = items if _conflicts.recent() else [i for i in items if i.reference_error is not None]
    replays = _replays(session, asked)
    outcomes: dict[Lodgement, Outcome] = {}
    for item in items:
        if (refused := refusals.get(item)) is not None:
            outcomes[item] = refused
        elif (replayed := replays.get(item)) is not None:
            outcomes[item] = replayed
        elif item.reference_error is not None:
            outcomes[item] = item.reference_error
        else:
            outcomes[item] = Lodged(item.declaration_id, 1, State.lodged, created=True)
    return outcomes


def _refusals(session: Session, clock: Clock, items: list[Lodgement]) -> dict[Lodgement, Forbidden]:
    """The caller declares for itself, or for a client whose live mandate it holds."""
    found: dict[Lodgement, Forbidden] = {}
    for item in items:
        if item.caller.tax_code != item.declaration_in.declarant.tax_code:
            name = "declarant.tax_code"
            found[item] = Forbidden(
                Message("error.declarant_not_caller", {"field": name}),
                errors=[FieldError(field=name, message=Message("field.not_callers_tax_code"))],
            )
    brokered = [
        item
        for item in items
        if item not in found
        and item.declaration_in.declarant.tax_code != item.declaration_in.trader.tax_code
    ]
    if not brokered:
        return found
    pairs = [
        (i.declaration_in.declarant.tax_code, i.declaration_in.trader.tax_code) for i in brokered
    ]
    held = set_reads.unrevoked(session, pairs)
    today = local_date(clock.now())  # mandates run by the date at the gate
    for item, pair in zip(brokered, pairs, strict=True):
        refused = mandates_service.refusal(
            held.get(pair, []),
            broker=pair[0],
            client=pair[1],
            kind=item.declaration_in.kind.value,
            field="trader.tax_code",
            today=today,
        )
        if refused is not None:
            found[item] = refused
    return found


def _replays(session: Session, items: list[Lodgement]) -> dict[Lodgement, Outcome]:
    """Lodgements whose key was used before: the declaration it made, or a 409."""
    keyed = {(i.scope, i.idempotency_key): i for i in items if i.idempotency_key is not None}
    if not keyed:
        return {}
    # The keys alone first (usually none was used): plain columns, no join to process.
    used = set_reads.used_keys(session, list(keyed))
    found: dict[Lodgement, Outcome] = {}
    replayed: dict[uuid.UUID, list[Lodgement]] = {}
    for scope, key, sha, declaration_id in used:
        item = keyed[(scope, key)]
        if sha == item.body_sha256:
            replayed.setdefault(declaration_id, []).append(item)
        else:
            found[item] = IdempotencyConflict(
                Message("error.idempotency_reused", {"header": "Idempotency-Key"})
            )
    if replayed:
        declaration = Declaration.__table__.c  # type: ignore[attr-defined]
        for declaration_id, version, state in session.connection().execute(
            sa.select(declaration.id, declaration.version, declaration.state).where(
                declaration.id.in_(list(replayed))
            )
        ):
            for item in replayed[declaration_id]:
                found[item] = Lodged(declaration_id, version, state, created=False)
    return found


def _after_conflict(item: Lodgement, *, clock: Clock) -> Outcome:
    """Alone, a constraint refused it: a concurrent request with its key, or its UCR taken."""
    try:
        with _connection.session() as session:
            if (replayed := _replays(session, [item]).get(item)) is not None:
                if isinstance(replayed, Lodged):
                    with _connection.writes(session):
                        rows = _audit_rows(clock.now(), [item], {item: replayed})
                        db.insert_many(session.connection(), _table(AuditRecord), rows)
                return replayed
            body = item.declaration_in
            taken = session.exec(
                select(Declaration.id).where(
                    Declaration.declarant_tax_code == body.declarant.tax_code,
                    Declaration.ucr == body.ucr,
                )
            ).first()
    except (OperationalError, PoolTimeout) as exc:
        return exc
    if taken is None:
        return Conflict(Message("error.request_conflict"))
    return DuplicateUcr(Message("error.duplicate_ucr", {"ucr": body.ucr, "taken": str(taken)}))


def _write_rows(
    session: Session,
    now: datetime,
    items: list[Lodgement],
    outcomes: dict[Lodgement, Outcome],
    created: list[Lodgement],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every row of the set (the new declarations' and each request's audit record): one
    statement on PostgreSQL, one multi-row INSERT per table elsewhere. The declarations' and
    events' rows, for the event hooks."""
    declarations = [lodgement.declaration_row(item, now) for item in created]
    events = [lodgement.event_row(item, now) for item in created]
    lines = [
        row
        for item in created
        for row in lodgement.line_rows(item.declaration_id, 1, item.declaration_in)
    ]
    keys = [_key_row(item, now) for item in created if item.idempotency_key is not None]
    days = activity.counts(activity.of_body(item.declaration_in, now) for item in created)
    connection = session.connection()
    parts: list[db_rows.Part] = [
        _with_defaults(Declaration, declarations),
        _with_defaults(DeclarationVersion, [_version_row(item, now) for item in created]),
        _with_defaults(DeclarationLine, lines),
        _with_defaults(DeclarationEvent, events),
        _with_defaults(IdempotencyRecord, keys),
        (activity.upsert(connection.dialect.name), activity.day_rows(days)),
        _with_defaults(AuditRecord, _audit_rows(now, items, outcomes)),
    ]
    if not db_rows.insert_in_one_statement(connection, parts):
        for table, rows in parts:
            db.insert_many(connection, table, rows)
    return declarations, events


def _table(model: type[SQLModel]) -> sa.Table:
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    return table


def _with_defaults(model: type[SQLModel], rows: list[dict[str, Any]]) -> db_rows.Part:
    """The model's table and its rows, each field a row leaves out at its default (as
    `db.insert_rows` writes them)."""
    return _table(model), db_rows.with_defaults(model, rows)


def _version_row(item: Lodgement, now: datetime) -> dict[str, Any]:
    return {
        "declaration_id": item.declaration_id,
        "version": 1,
        "payload": item.payload,
        "payload_sha256": item.body_sha256,
        "created_by": item.caller.actor,
        "created_at": now,
    }


def _key_row(item: Lodgement, now: datetime) -> dict[str, Any]:
    return {
        "scope": item.scope,
        "key": item.idempotency_key,
        "request_sha256": item.body_sha256,
        "declaration_id": item.declaration_id,
        "created_at": now,
    }


def _audit_rows(
    now: datetime, items: list[Lodgement], outcomes: dict[Lodgement, Outcome]
) -> list[dict[str, Any]]:
    """Each request's audit record: what it lodged (or replayed), or its refusal (403)."""
    rows = []
    for item in items:
        outcome = outcomes[item]
        if isinstance(outcome, Lodged):
            target = (
                ("declaration", str(outcome.declaration_id), outcome.version)
                if outcome.created
                else (None, None, None)  # a replay changed nothing (as the session audit said)
            )
            rows.append(lodgement.audit_row(item, now, OK, target))
        elif isinstance(outcome, Forbidden):
            rows.append(lodgement.audit_row(item, now, str(outcome.status), (None, None, None)))
    return rows


def _run_event_hooks(
    session: Session,
    created: list[Lodgement],
    declarations: list[dict[str, Any]],
    events: list[dict[str, Any]],
) -> None:
    """What other domains do with every event (the outbox), in the same transaction: the set
    hooks of the lifecycle each lodgement's request came with, once for the set's events."""
    by_lifecycle: dict[int, tuple[Lifecycle, list[tuple[Declaration, DeclarationEvent]]]] = {}
    for item, declaration, event in zip(created, declarations, events, strict=True):
        if not item.lifecycle.event_set_hooks:
            continue
        _same, written = by_lifecycle.setdefault(id(item.lifecycle), (item.lifecycle, []))
        # Unsaved stand-ins the hooks read (model_construct: the rows are already inserted).
        written.append(
            (Declaration.model_construct(**declaration), DeclarationEvent.model_construct(**event))
        )
    for lifecycle, written in by_lifecycle.values():
        for hook in lifecycle.event_set_hooks:
            hook(session, written)
