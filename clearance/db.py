"""Engine and session factory: one session per request or per job, committed in one place."""

import logging
import select
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg.pq import PipelineStatus
from sqlalchemy import Connection, Engine, event
from sqlmodel import Session, SQLModel, create_engine

from clearance.db_rows import as_core_error as as_core_error
from clearance.db_rows import insert_many as insert_many
from clearance.db_rows import insert_rows as insert_rows
from clearance.db_rows import update_rows as update_rows
from clearance.settings import get_settings

APPLICATION_NAME = "clearance"
# anyio's default thread pool, where FastAPI runs the routes and dependencies that are plain
# `def`, on SQLite: one file handle per thread, so no request waits for the pool.
API_THREADS = 40
# On PostgreSQL the pool is sized to the connections a process may open (`api_threads`), less
# the one the lodging set writer keeps: more threads than connections only wait, and a thread
# that has its connection then waits for the GIL behind them, its transaction idle (40 threads
# on 20 connections under load: 33 of 40 connections idle in transaction, p99 in seconds).
KEPT_CONNECTIONS = 1
# An execution option of the engine a reading session is bound to (`new_session(writes=False)`).
_READ_ONLY = "clearance_read_only"
_AFTER_COMMIT = "after_commit"
_AFTER_COMMIT_KEYS = "after_commit_keys"
_AFTER_COMMIT_ITEMS = "after_commit_items"

logger = logging.getLogger(__name__)

# Explicit, stable constraint names on every engine (STYLE §7), so migrations can name them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def api_threads(url: str) -> int:
    """The API process's thread pool for a database: see API_THREADS and KEPT_CONNECTIONS."""
    if url.startswith("sqlite"):
        return API_THREADS
    settings = get_settings()
    return max(1, settings.db_pool_size + settings.db_max_overflow - KEPT_CONNECTIONS)


def make_engine(url: str) -> Engine:
    settings = get_settings()
    if url.startswith("sqlite"):
        # A SQLite connection is a file handle: one for every thread that may run a request, so
        # no request waits for the pool; a wait beyond the timeout is a 503 (errors.py).
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=API_THREADS,
            max_overflow=0,
            pool_timeout=settings.db_pool_timeout_seconds,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Per process. An API process runs as many requests at once in its thread pool as the
    # pool has connections (`api_threads`), each holding one for its transaction;
    # PostgreSQL's default max_connections is 100: size both to the replicas (deploy/README.md).
    engine = create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        connect_args={"application_name": APPLICATION_NAME},
    )
    event.listen(engine, "checkout", _closed_while_idle)
    return engine


def _closed_while_idle(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A connection the server closed while it was idle in the pool (a terminated backend, a
    restart) is found at checkout, and the pool hands out a new one. A pre-ping would ask the
    server (a round trip, ~0.5 ms of the client's CPU, at every checkout: every screening set,
    every request); this looks at the idle socket: with no LISTEN, anything the server sent is
    its goodbye. A connection lost an instant before (the goodbye not arrived yet) fails its
    first statement, as one lost during the transaction does: a 503, a job tried again."""
    if not isinstance(dbapi_connection, psycopg.Connection):
        return
    if dbapi_connection.closed or dbapi_connection.broken:
        raise sa.exc.DisconnectionError("the connection was closed")
    try:
        readable, _, _ = select.select([dbapi_connection.pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.OperationalError) as exc:
        raise sa.exc.DisconnectionError("the connection's socket is gone") from exc
    if readable:
        raise sa.exc.DisconnectionError("the server closed the connection while it was idle")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers outside a transaction go on while one writes; foreign keys are off by
    # default in SQLite. The driver's own transaction handling is switched off: see below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # SQLite has no SELECT ... FOR UPDATE: a transaction that takes the write lock when it
    # begins is how the gate's arrival and the worker's screening of the same declaration
    # see each other's writes (on PostgreSQL the row lock does it). A reader must not: SQLite
    # has one write lock, and a read that took it would queue behind every write, and every
    # other read behind it. Begun deferred, it reads a snapshot beside the writer (WAL). Should
    # it write after all, SQLite upgrades it, or refuses with "database is locked" (a 503)
    # when a writer came in between: never a lost update.
    read_only = connection.get_execution_options().get(_READ_ONLY, False)
    connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@lru_cache(maxsize=4)
def _reading(engine: Engine) -> Engine:
    """The engine with its pool, for transactions that only read."""
    return engine.execution_options(**{_READ_ONLY: True})


_session_factory: Callable[[], Session] | None = None


def new_session(*, writes: bool = True) -> Session:
    """A session; `writes=False` for a request that reads (SQLite: no write lock at BEGIN)."""
    if _session_factory is not None:
        return _session_factory()
    engine = get_engine()
    return Session(engine if writes else _reading(engine), expire_on_commit=False)


def begin_writing(session: Session) -> None:
    """From the session's next transaction on, begin as a writer (after a commit ended a read)."""
    if session.bind is not None and session.bind.get_execution_options().get(_READ_ONLY):
        session.bind = get_engine()


def set_session_factory(factory: Callable[[], Session] | None) -> None:
    """Tests bind every session, the API's and the jobs', to their own transaction."""
    global _session_factory
    _session_factory = factory


def has_session_factory() -> bool:
    """Whether sessions come from a factory (tests): nothing may open a connection of its own."""
    return _session_factory is not None


def reads_in_pipelines(engine: Engine) -> None:
    """Let SQLAlchemy read inside a psycopg pipeline on this engine (once per engine)."""
    if not event.contains(engine, "do_execute", _read_in_pipeline):
        event.listen(engine, "do_execute", _read_in_pipeline)


def _read_in_pipeline(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    """A statement run inside a pipeline that answers rows (an event hook's read): its answer
    is waited for, since SQLAlchemy reads a result's columns at once. Writes stay queued."""
    raw = cursor.connection
    if raw.pgconn.pipeline_status == PipelineStatus.OFF:
        return False
    if context.is_crud and not getattr(context.compiled, "effective_returning", None):
        return False
    with raw.pipeline():  # a nested block: it syncs when it ends
        cursor.execute(statement, parameters)
    return True


@contextmanager
def pipelined(session: Session) -> Iterator[None]:
    """On PostgreSQL (psycopg), the block's writes go out without waiting for each answer: one
    round trip for them all instead of one each. A refusal surfaces when the block ends."""
    connection = session.connection()
    raw = connection.connection.driver_connection
    if connection.dialect.name != "postgresql" or not isinstance(raw, psycopg.Connection):
        yield
        return
    reads_in_pipelines(connection.engine)
    try:
        with raw.pipeline():
            yield
    # Raised by the pipeline's sync, outside SQLAlchemy: as SQLAlchemy would have raised them.
    except psycopg.IntegrityError as exc:
        raise sa.exc.IntegrityError("the pipelined writes", None, exc) from exc
    except psycopg.OperationalError as exc:
        raise sa.exc.OperationalError("the pipelined writes", None, exc) from exc


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


def after_commit_each(
    session: Session, key: Hashable, item: Hashable, action: Callable[[list[Any]], None]
) -> None:
    """Run `action` once the session's work is committed, with every distinct item given under
    `key` until then (one Redis round trip for many jobs); dropped if it rolls back."""
    batches: dict[Hashable, dict[Hashable, None]] = session.info.setdefault(_AFTER_COMMIT_ITEMS, {})
    if key not in batches:
        items: dict[Hashable, None] = {}
        batches[key] = items
        after_commit(session, lambda: action(list(items)))
    batches[key][item] = None


def commit(session: Session) -> None:
    """Commit, then run what waited for the commit (enqueues): commit first, enqueue second."""
    session.commit()
    session.info.pop(_AFTER_COMMIT_KEYS, None)
    session.info.pop(_AFTER_COMMIT_ITEMS, None)
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
    session.info.pop(_AFTER_COMMIT_ITEMS, None)
    session.rollback()


def release(session: Session) -> None:
    """End a session's reads so that its connection goes back to the pool before the request
    awaits something (its body, a thread): requests holding connections while they wait for
    threads, and threads waiting for connections, would otherwise starve each other. The
    session takes a connection again at its next statement. Nothing unwritten may be pending."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("release() would drop changes not yet written")
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
