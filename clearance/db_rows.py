"""Rows written many at a time, beside the unit of work: one COPY or INSERT for many rows
straight through the driver, one statement for many tables' rows, one UPDATE for many changed
rows (screening and lodging sets)."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import pq
from psycopg.types.array import ListBinaryDumper
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel


@lru_cache(maxsize=64)
def _defaults(model: type[SQLModel]) -> tuple[tuple[str, Callable[[], Any] | None, Any], ...]:
    """Each non-key field of the model with a default: its factory, or None and the value."""
    return tuple(
        (name, field.default_factory, field.default)  # type: ignore[misc]
        for name, field in model.model_fields.items()
        if name != "id" and (field.default_factory is not None or not field.is_required())
    )


def insert_rows(
    session: Session | Connection, model: type[SQLModel], rows: list[dict[str, Any]]
) -> None:
    """One multi-row INSERT of `rows` into the model's table on the session's connection (no
    unit of work: nothing to track); a field a row leaves out takes the model's default."""
    if not rows:
        return
    with_defaults(model, rows)
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    connection = session if isinstance(session, Connection) else session.connection()
    insert_many(connection, table, rows)


def with_defaults(model: type[SQLModel], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows, each field one leaves out set to the model's default (in place)."""
    defaults = _defaults(model)
    if defaults:
        for row in rows:
            for name, factory, default in defaults:
                if name not in row:
                    row[name] = factory() if factory is not None else default
    return rows


def as_core_error(
    connection: Connection, statement: str, params: Any, exc: psycopg.Error
) -> sa.exc.StatementError:
    """A driver's error on a statement sent straight through psycopg, as Core would have raised
    it (IntegrityError, OperationalError: a 503...)."""
    error = connection.dialect.loaded_dbapi.Error
    return sa.exc.DBAPIError.instance(statement, params, exc, error)


def update_rows(session: Session, instances: list[SQLModel]) -> None:
    """Write what changed on the session's `instances` (all of one table) as one UPDATE for
    every changed row at once (each gets every column any of them changed, at its own value),
    and mark them unchanged: the unit of work would send one UPDATE per row.

    On PostgreSQL one statement whose rows come from arrays unnested in step (the driver would
    otherwise send, and the server run, one UPDATE per row); elsewhere an executemany."""
    changed = [(instance, sa.inspect(instance).committed_state) for instance in instances]
    members = [instance for instance, names in changed if names]
    if not members:
        return
    names = tuple(sorted({name for _instance, found in changed for name in found}))
    table: sa.Table = type(members[0]).__table__  # type: ignore[attr-defined]
    [key] = table.primary_key.columns
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        values = {f"v_{name}": [getattr(m, name) for m in members] for name in (key.name, *names)}
        connection.execute(_unnested_update(table, names), values)
    else:
        statement = (
            sa.update(table)
            .where(key == sa.bindparam("_key"))
            .values({name: sa.bindparam(name) for name in names})
        )
        rows = [
            {"_key": getattr(m, key.name), **{name: getattr(m, name) for name in names}}
            for m in members
        ]
        connection.execute(statement, rows)
    for member in members:
        for name in names:
            set_committed_value(member, name, getattr(member, name))


@lru_cache(maxsize=16)
def _unnested_update(table: sa.Table, names: tuple[str, ...]) -> sa.Update:
    """`UPDATE t SET a = v.a ... FROM (SELECT unnest(:v_id::UUID[]) AS id, ...) AS v
    WHERE t.id = v.id`, each array bound as its column binds a value."""
    [key] = table.primary_key.columns

    def unnested(name: str) -> sa.ColumnElement[Any]:
        array = postgresql.ARRAY(table.c[name].type)
        # psycopg's binds carry their type (`::VARCHAR(32)[]`): arrays of NULLs need it.
        return sa.func.unnest(sa.bindparam(f"v_{name}", type_=array)).label(name)

    rows = sa.select(*(unnested(name) for name in (key.name, *names))).subquery("v")
    return (
        sa.update(table)
        .where(key == rows.c[key.name])
        .values({name: rows.c[name] for name in names})
    )


@lru_cache(maxsize=64)
def _plain_insert(table: sa.Table) -> sa.Insert:
    return sa.insert(table)


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# PostgreSQL takes at most 65,535 parameters in one statement.
_MAX_PARAMETERS = 65_535


@dataclass(frozen=True)
class _DriverInsert:
    """An INSERT as the driver takes it: for many rows in one statement, the text before its
    VALUES and its one row's group of placeholders (positional, with their casts), and each
    column's bind processing in the group's order; the COPY of the same columns; for
    `executemany`, the statement itself."""

    statement: str
    head: str
    group: str
    tail: str
    copy: str
    columns: tuple[tuple[str, Callable[[Any], Any] | None], ...]


def _values_group(text: str) -> tuple[str, str, str] | None:
    """The statement cut around its one VALUES group: before it, the group, after it."""
    start = text.find(" VALUES (")
    if start < 0:
        return None
    opened = start + len(" VALUES ")
    depth = 0
    for at in range(opened, len(text)):
        depth += {"(": 1, ")": -1}.get(text[at], 0)
        if depth == 0:
            return text[:opened], text[opened : at + 1], text[at + 1 :]
    return None


@lru_cache(maxsize=64)
def _driver_insert(
    statement: sa.Insert, keys: tuple[str, ...], dialect: sa.Dialect
) -> _DriverInsert | None:
    """The INSERT of these columns as the driver takes it, with each column's bind processing;
    None when SQLAlchemy would fill a column in Python (a default not given)."""
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    if compiled.insert_prefetch or set(compiled.binds) != set(keys):
        return None
    # What Core applies to each value (the enums' values, the UTC check, JSON), per column.
    processors = {key: compiled.binds[key].type._cached_bind_processor(dialect) for key in keys}
    text = str(compiled)
    cut = _values_group(text)
    head, group, tail = cut if cut is not None else (text, "", "")
    names = _PLACEHOLDER.findall(group)
    if sorted(names) != sorted(keys):  # not one placeholder per column: executemany only
        head, group, tail, names = text, "", "", list(keys)
    # The key the table returns to Core: nobody reads it here.
    tail = tail.split(" RETURNING ", 1)[0]
    quote = dialect.identifier_preparer
    table = statement.table
    copied = ", ".join(quote.quote(table.c[name].name) for name in names)
    return _DriverInsert(
        statement=text,
        head=head,
        group=_PLACEHOLDER.sub("%s", group),
        tail=tail,
        copy=f"COPY {quote.format_table(table)} ({copied}) FROM STDIN",
        columns=tuple((name, processors[name]) for name in names),
    )


@lru_cache(maxsize=128)
def _numbered(group: str, width: int, count: int) -> str:
    """`count` copies of a row's group of placeholders, numbered as the driver's raw query
    takes them ($1, $2...): the driver then splits no query text in Python."""
    parts = group.split("%s")
    groups = []
    for row in range(count):
        numbered = [parts[0]]
        for n, part in enumerate(parts[1:], start=row * width + 1):
            numbered.append(f"${n}{part}")
        groups.append("".join(numbered))
    return ", ".join(groups)


def _one_statement(
    raw: psycopg.Connection[Any], insert: _DriverInsert, rows: list[dict[str, Any]]
) -> None:
    """The rows as one multi-row INSERT (or a few, under PostgreSQL's parameter limit): the
    driver's per-row work of `executemany` costs more than the rows' values."""
    columns = insert.columns
    width = max(len(columns), 1)
    per_statement = max(_MAX_PARAMETERS // width, 1)
    with psycopg.RawCursor(raw) as cursor:
        for first in range(0, len(rows), per_statement):
            chunk = rows[first : first + per_statement]
            values = [
                row[key] if process is None else process(row[key])
                for row in chunk
                for key, process in columns
            ]
            groups = _numbered(insert.group, width, len(chunk))
            cursor.execute(f"{insert.head}{groups}{insert.tail}", values, prepare=False)


def _copied(
    raw: psycopg.Connection[Any], insert: _DriverInsert, rows: list[dict[str, Any]]
) -> None:
    """The rows by COPY: PostgreSQL parses and plans no statement of many rows (a multi-row
    INSERT costs it about three times as much a row) and the driver writes the rows in C."""
    columns = insert.columns
    with raw.cursor() as cursor, cursor.copy(insert.copy) as copy:
        for row in rows:
            copy.write_row(
                [row[key] if process is None else process(row[key]) for key, process in columns]
            )


def insert_many(
    connection: Connection, table: sa.Table | sa.Insert, rows: list[dict[str, Any]]
) -> None:
    """One INSERT of many rows in the connection's transaction (into a table, or a statement
    built once, such as an upsert).

    On psycopg the rows of a table go by COPY (in a pipeline, as one multi-row INSERT), an
    upsert's to the driver's `executemany` (a row at a time, so that two rows of one key each
    take their turn), with the values bound as Core binds them; elsewhere, or while something
    listens to the engine's statements (OpenTelemetry's SQLAlchemy instrumentation), a Core
    executemany.
    Core's own execution costs more than the insert itself for the few rows a set has.
    """
    if not rows:
        return
    raw = connection.connection.driver_connection
    keys = tuple(rows[0])
    insert = _plain_insert(table) if isinstance(table, sa.Table) else table
    plain = _driver_insert(insert, keys, connection.dialect)
    # Whoever listens to the engine's statements (tracing) sees these too: Core's path then.
    listened = bool(connection.dispatch.before_cursor_execute)
    alike = all(row.keys() == rows[0].keys() for row in rows)
    if plain is None or listened or not alike or not isinstance(raw, psycopg.Connection):
        connection.execute(insert.inline(), rows)
        return
    try:
        if isinstance(table, sa.Table) and plain.group:
            if raw.pgconn.pipeline_status == pq.PipelineStatus.OFF:
                _copied(raw, plain, rows)
            else:  # COPY has no place in a pipeline
                _one_statement(raw, plain, rows)
            return
        values = [
            {
                key: row[key] if process is None else process(row[key])
                for key, process in plain.columns
            }
            for row in rows
        ]
        with raw.cursor() as cursor:
            cursor.executemany(plain.statement, values)
    except psycopg.Error as exc:
        raise as_core_error(connection, plain.statement, None, exc) from exc


# A table's rows, or a statement's built once (an upsert), to insert with the others.
Part = tuple[sa.Table | sa.Insert, list[dict[str, Any]]]
_LENGTH = re.compile(r"\([^)]*\)")
# Values one equal to another is written the same as: a column of a set holding one of these
# goes as one value, not an array (a Decimal's scale, a JSON's text may differ).
_EXACT = frozenset({str, int, uuid.UUID, datetime, date, type(None)})
# Each column: one value for every row (True) or an array of one per row.
Shape = tuple[sa.Insert, tuple[str, ...], tuple[bool, ...]]
Columns = tuple[tuple[str, Callable[[Any], Any] | None], ...]


@lru_cache(maxsize=256)
def _one_statement_for(parts: tuple[Shape, ...], dialect: sa.Dialect) -> str:
    """Many tables' INSERTs as one statement: each a data-modifying CTE but the last, its rows
    `unnest`'s of its columns' arrays, beside the columns that hold one value for them all
    (`INSERT ... SELECT u.id, $2::INTEGER FROM unnest($1::UUID[]) AS u(id)`)."""
    inserts, number = [], 0
    for insert, keys, constant in parts:
        plain = _driver_insert(insert, keys, dialect)
        assert plain is not None
        table, quote = insert.table, dialect.identifier_preparer.quote
        selected, arrays, names = [], [], []
        for (name, _process), one in zip(plain.columns, constant, strict=True):
            number += 1
            # The column's type without its length: a cast to VARCHAR(8) would cut a longer
            # value where the column's own assignment refuses it, as a VALUES row's does.
            kind = _LENGTH.sub("", table.c[name].type.compile(dialect=dialect)).strip()
            if one:
                selected.append(f"${number}::{kind}")
            else:
                arrays.append(f"${number}::{kind}[]")
                names.append(quote(name))
                selected.append(f"u.{quote(name)}")
        rows = f" FROM unnest({', '.join(arrays)}) AS u({', '.join(names)})" if arrays else ""
        select = f" SELECT {', '.join(selected)}{rows}"
        inserts.append(f"{plain.head.removesuffix(' VALUES ')}{select}{plain.tail}")
    ctes = [f"w{n} AS ({insert})" for n, insert in enumerate(inserts[:-1])]
    return (f"WITH {', '.join(ctes)} " if ctes else "") + inserts[-1]


def _values(rows: list[dict[str, Any]], columns: Columns) -> tuple[list[Any], tuple[bool, ...]]:
    """Each column's values as Core binds them: one for every row where they are all the same
    (the set's time, its version, a column left empty), else an array."""
    found, constant = [], []
    for name, process in columns:
        values = (
            [row[name] for row in rows] if process is None else [process(row[name]) for row in rows]
        )
        first = values[0]
        kind = type(first)
        one = kind in _EXACT and values.count(first) == len(values)
        one = one and (len(values) == 1 or set(map(type, values)) == {kind})
        found.append(first if one else values)
        constant.append(one)
    if len(rows) > 1 and all(constant):  # rows alike in every column: each one all the same
        found[0], constant[0] = [found[0]] * len(rows), False
    return found, tuple(constant)


def insert_in_one_statement(connection: Connection, parts: list[Part]) -> bool:
    """Every part's rows in one statement, in the connection's transaction, on PostgreSQL
    through psycopg: the driver's work per statement and per value of a multi-row INSERT for
    each table is most of a lodging set's writing. False, with nothing sent, where it does not
    (another engine, something listening to the engine's statements, rows of a part without
    the same columns): `insert_many` each part then.

    The foreign keys hold: PostgreSQL checks them once the whole statement has run, so a line
    may reference the declaration inserted beside it."""
    given = [(table, rows) for table, rows in parts if rows]
    raw = connection.connection.driver_connection
    if not given or connection.dispatch.before_cursor_execute:
        return not given
    if not isinstance(raw, psycopg.Connection):
        return False
    shapes: list[Shape] = []
    params: list[Any] = []
    for table, rows in given:
        keys = rows[0].keys()
        if any(row.keys() != keys for row in rows):
            return False
        insert = _plain_insert(table) if isinstance(table, sa.Table) else table
        plain = _driver_insert(insert, tuple(keys), connection.dialect)
        if plain is None or not plain.group:
            return False
        values, constant = _values(rows, plain.columns)
        params += values
        shapes.append((insert, tuple(keys), constant))
    statement = _one_statement_for(tuple(shapes), connection.dialect)
    try:
        with psycopg.RawCursor(raw) as cursor:
            # Arrays in binary: the text form escapes each quote of a JSON value in Python.
            cursor.adapters.register_dumper(list, ListBinaryDumper)
            cursor.execute(statement, params)
    except psycopg.Error as exc:
        raise as_core_error(connection, statement, None, exc) from exc
    return True
