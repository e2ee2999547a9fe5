"""The set writer's reads before it writes, on its kept connection without Core's execution.

A set with a brokered lodgement reads the unrevoked mandates of its (broker, client) pairs,
and while retries are about (`lodging.PESSIMISTIC_SECONDS`) a set looks its idempotency keys
up first. Through Core each read cost the writer's thread more CPU than any of the set's
inserts (its compilation cache, the expanding tuple IN, the result's processing): here each is
one prepared statement with the pairs as two arrays, and each column's value goes through the
column type's own result processing, so the rows are what Core would have made. Anywhere
else (SQLite, tracing listening to the engine), Core's way.
"""

import uuid
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlmodel import Session

from clearance import db
from clearance.declarations.models import IdempotencyRecord
from clearance.mandates import service as mandates_service
from clearance.mandates.models import Mandate

_MANDATE: sa.Table = Mandate.__table__  # type: ignore[attr-defined]
_RECORD: sa.Table = IdempotencyRecord.__table__  # type: ignore[attr-defined]
_MANDATE_COLUMNS = tuple(column.name for column in _MANDATE.columns)
_KEY_COLUMNS = ("scope", "key", "request_sha256", "declaration_id")
_IN_PAIRS = "(SELECT * FROM unnest(%s::text[], %s::text[]))"
_UNREVOKED = (
    f"SELECT {', '.join(_MANDATE_COLUMNS)} FROM {_MANDATE.name} "  # noqa: S608 - model names
    f"WHERE revoked_at IS NULL AND (broker_tax_code, client_tax_code) IN {_IN_PAIRS}"
)
_USED_KEYS = (
    f"SELECT {', '.join(_KEY_COLUMNS)} FROM {_RECORD.name} "  # noqa: S608 - model names
    f"WHERE (scope, key) IN {_IN_PAIRS}"
)
UsedKey = tuple[str, str, str, uuid.UUID]  # scope, key, request digest, declaration
_processors: dict[tuple[sa.Dialect, str], tuple[Any, ...]] = {}


def unrevoked(
    session: Session, pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], list[Mandate]]:
    """The mandates not revoked of each (broker, client) pair, as `mandates.service.unrevoked`."""
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    rows = _read(session, _UNREVOKED, _MANDATE, _MANDATE_COLUMNS, wanted)
    if rows is None:
        return mandates_service.unrevoked(session=session, pairs=wanted)
    found: dict[tuple[str, str], list[Mandate]] = {}
    for row in rows:
        mandate = Mandate.model_construct(**dict(zip(_MANDATE_COLUMNS, row, strict=True)))
        found.setdefault((mandate.broker_tax_code, mandate.client_tax_code), []).append(mandate)
    return found


def used_keys(session: Session, keys: list[tuple[str, str]]) -> list[UsedKey]:
    """The idempotency records of these (scope, key) pairs: scope, key, digest, declaration."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    rows = _read(session, _USED_KEYS, _RECORD, _KEY_COLUMNS, wanted)
    if rows is None:
        record = _RECORD.c
        statement = sa.select(*(record[name] for name in _KEY_COLUMNS)).where(
            sa.tuple_(record.scope, record.key).in_(wanted)
        )
        rows = [tuple(row) for row in session.connection().execute(statement)]
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def _read(
    session: Session,
    statement: str,
    table: sa.Table,
    columns: Sequence[str],
    pairs: list[tuple[str, str]],
) -> list[tuple[Any, ...]] | None:
    """The rows of `statement` for the pairs, each value as Core's result processing makes
    it; None where the read is Core's to make."""
    connection = session.connection()
    raw = connection.connection.driver_connection
    if not isinstance(raw, psycopg.Connection) or connection.dispatch.before_cursor_execute:
        return None
    processors = _result_processors(connection.dialect, table, columns)
    params = ([first for first, _second in pairs], [second for _first, second in pairs])
    try:
        with raw.cursor() as cursor:
            cursor.execute(statement, params, prepare=True)
            rows = cursor.fetchall()
    except psycopg.Error as exc:
        raise db.as_core_error(connection, statement, params, exc) from exc
    return [
        tuple(
            value if process is None else process(value)
            for process, value in zip(processors, row, strict=True)
        )
        for row in rows
    ]


def _result_processors(
    dialect: sa.Dialect, table: sa.Table, columns: Sequence[str]
) -> tuple[Callable[[Any], Any] | None, ...]:
    found = _processors.get((dialect, table.name))
    if found is None:
        types = [table.c[name].type for name in columns]
        found = tuple(kind._cached_result_processor(dialect, None) for kind in types)
        _processors[(dialect, table.name)] = found
    return found
