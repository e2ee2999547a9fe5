"""Engine and session factory: one session per request or per job, committed in one place."""

import logging
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, event
from sqlmodel import Session, SQLModel, create_engine

from clearance.settings import get_settings

APPLICATION_NAME = "clearance"
_AFTER_COMMIT = "after_commit"
_AFTER_COMMIT_KEYS = "after_commit_keys"

logger = logging.getLogger(__name__)

# Explicit, stable constraint names on every engine (STYLE §7), so migrations can name them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    settings = get_settings()
    # Per process. An API process runs up to 40 requests at once in its thread pool, each
    # holding a connection for its transaction; PostgreSQL's default max_connections is 100:
    # size both to the replicas (deploy/README.md).
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        connect_args={"application_name": APPLICATION_NAME},
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers outside a transaction go on while one writes; foreign keys are off by
    # default in SQLite. The driver's own transaction handling is switched off: see below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin_immediate(connection: Connection) -> None:
    # SQLite has no SELECT ... FOR UPDATE: a transaction that takes the write lock when it
    # begins is how the gate's arrival and the worker's screening of the same declaration
    # see each other's writes (on PostgreSQL the row lock does it).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


def _default_session() -> Session:
    return Session(get_engine(), expire_on_commit=False)


_session_factory: Callable[[], Session] = _default_session


def new_session() -> Session:
    return _session_factory()


def set_session_factory(factory: Callable[[], Session] | None) -> None:
    """Tests bind every session, the API's and the jobs', to their own transaction."""
    global _session_factory
    _session_factory = factory or _default_session


def after_commit(
    session: Session, action: Callable[[], None], *, key: Hashable | None = None
) -> None:
    """Run `action` once the session's work is committed; dropped if it rolls back."""
    if key is not None:
        # One action per key and commit: ten events of one declaration enqueue one job.
        keys: set[Hashable] = session.info.setdefault(_AFTER_COMMIT_KEYS, set())
        if key in keys:
            return
        keys.add(key)
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


def commit(session: Session) -> None:
    """Commit, then run what waited for the commit (enqueues): commit first, enqueue second."""
    session.commit()
    session.info.pop(_AFTER_COMMIT_KEYS, None)
    actions: list[Callable[[], None]] = session.info.pop(_AFTER_COMMIT, [])
    for action in actions:
        try:
            action()
        except Exception:
            # The work is safe in the database; the sweeper enqueues what was not enqueued.
            logger.exception("after-commit action failed")


def rollback(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
    session.info.pop(_AFTER_COMMIT_KEYS, None)
    session.rollback()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A session for a job or a command: commits once at the end, rolls back on error."""
    with new_session() as session:
        try:
            yield session
            commit(session)
        except BaseException:
            rollback(session)
            raise


def enum_type(enum: type[StrEnum]) -> sa.Enum:
    """Store a string enum as its values in a VARCHAR: new states need no type migration."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes on every engine: SQLite would hand back naive ones."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("refusing a naive datetime: all times are UTC-aware")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def timestamp_field(*, nullable: bool = False, index: bool = False) -> Any:
    """A UTC timestamp column for a SQLModel table (names end in `_at`)."""
    from sqlmodel import Field

    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))
