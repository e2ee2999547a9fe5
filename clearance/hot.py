"""Rarely changed tables kept hot in each process: read once, then shared by every screening.

Rules, the channel policy, the watchlist, document requirements, tariff rates and gate calendars
change a few times a year, and every screening reads them. Each process keeps what it read for
`hot_cache_seconds` (a setting; 0 reads the database every time). A commit in this process that
wrote one of the tables a value was read from forgets that value at once; other processes see
the change within the setting's seconds.
"""

import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import ORMExecuteState, Session
from sqlmodel import SQLModel

from clearance.settings import get_settings

T = TypeVar("T")
R = TypeVar("R", bound=SQLModel)
_WRITTEN = "hot_written_tables"
MAX_VALUES = 256

_lock = threading.Lock()
# (name, key) -> (expires at, value); table -> the names read from it.
_values: dict[tuple[str, Hashable], tuple[float, Any]] = {}
_readers: dict[str, set[str]] = {}


def cached(name: str, key: Hashable, tables: Iterable[str], load: Callable[[], T]) -> T:
    """`load()`'s value for (name, key), read again once it is older than the setting allows."""
    ttl = get_settings().hot_cache_seconds
    if ttl <= 0:
        return load()
    now = time.monotonic()
    found = _values.get((name, key))
    if found is not None and found[0] > now:
        return found[1]  # type: ignore[no-any-return]
    value = load()
    with _lock:
        if len(_values) >= MAX_VALUES:  # keys by day would otherwise pile up over the years
            for stale in [entry for entry, (expires, _) in _values.items() if expires <= now]:
                del _values[stale]
        _values[(name, key)] = (now + ttl, value)
        for table in tables:
            _readers.setdefault(table, set()).add(name)
    return value


def copied(row: R) -> R:
    """A copy of an ORM row that belongs to no session, to be kept and shared.

    The row itself stays in the session that read it: a rollback there expires it, and the
    next process-wide reader of the shared row would fail to refresh it.
    """
    columns = sa_inspect(row).mapper.column_attrs
    return type(row)(**{column.key: getattr(row, column.key) for column in columns})


def forget(tables: Iterable[str]) -> None:
    """Drop every value read from these tables."""
    with _lock:
        names = set().union(*(_readers.get(table, set()) for table in tables))
        for entry in [entry for entry in _values if entry[0] in names]:
            del _values[entry]


def clear() -> None:
    with _lock:
        _values.clear()


def _written(session: Session) -> set[str]:
    written: set[str] = session.info.setdefault(_WRITTEN, set())
    return written


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    rows = (*session.new, *session.dirty, *session.deleted)
    tables = (getattr(row, "__table__", None) for row in rows)
    _written(session).update(table.name for table in tables if table is not None)


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and state.bind_mapper is not None:
        _written(state.session).update(t.name for t in state.bind_mapper.tables)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if written := session.info.pop(_WRITTEN, None):
        forget(written)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
