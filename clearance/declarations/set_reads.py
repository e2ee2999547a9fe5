"""The set writer's reads before it writes, on its kept connection without Core's execution.

A set with a brokered lodgement reads the unrevoked mandates of its (broker, client) pairs.
Through Core (`mandates.service.unrevoked`) that query cost the writer's thread more CPU than
any of the set's inserts (its compilation cache, the expanding IN, the result's processing):
here it is one prepared statement with the pairs as two arrays, and each column's value goes
through the column type's own result processing, so the rows are what Core would have made.
Anywhere else (SQLite, sessions from a factory, tracing listening to the engine), Core's way.
"""

from typing import Any

import psycopg
import sqlalchemy as sa
from sqlmodel import Session

from clearance.mandates import service as mandates_service
from clearance.mandates.models import Mandate

_TABLE: sa.Table = Mandate.__table__  # type: ignore[attr-defined]
_COLUMNS = tuple(column.name for column in _TABLE.columns)
_UNREVOKED = (
    f"SELECT {', '.join(_COLUMNS)} FROM {_TABLE.name} "  # noqa: S608 - the model's own names
    "WHERE revoked_at IS NULL AND (broker_tax_code, client_tax_code) IN "
    "(SELECT * FROM unnest(%s::text[], %s::text[]))"
)
_processors: dict[sa.Dialect, tuple[Any, ...]] = {}


def unrevoked(
    session: Session, pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], list[Mandate]]:
    """The mandates not revoked of each (broker, client) pair, as `mandates.service.unrevoked`."""
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    connection = session.connection()
    raw = connection.connection.driver_connection
    if not isinstance(raw, psycopg.Connection) or connection.dispatch.before_cursor_execute:
        return mandates_service.unrevoked(session=session, pairs=wanted)
    processors = _result_processors(connection.dialect)
    params = ([b for b, _c in wanted], [c for _b, c in wanted])
    try:
        with raw.cursor() as cursor:
            cursor.execute(_UNREVOKED, params, prepare=True)
            rows = cursor.fetchall()
    except psycopg.Error as exc:  # as Core would raise it: OperationalError (a 503), ...
        error = connection.dialect.loaded_dbapi.Error
        raise sa.exc.DBAPIError.instance(_UNREVOKED, params, exc, error) from exc
    found: dict[tuple[str, str], list[Mandate]] = {}
    for row in rows:
        values = {
            name: value if process is None else process(value)
            for name, process, value in zip(_COLUMNS, processors, row, strict=True)
        }
        mandate = Mandate.model_construct(**values)
        found.setdefault((mandate.broker_tax_code, mandate.client_tax_code), []).append(mandate)
    return found


def _result_processors(dialect: sa.Dialect) -> tuple[Any, ...]:
    found = _processors.get(dialect)
    if found is None:
        found = tuple(
            column.type._cached_result_processor(dialect, None) for column in _TABLE.columns
        )
        _processors[dialect] = found
    return found
