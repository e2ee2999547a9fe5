"""The connection the lodging set writer keeps: a set is one round trip on PostgreSQL.

A set used to check out a pooled connection (pinging it), begin, send its inserts in a
pipeline, commit and hand the connection back: four or five round trips, each about 0.3-0.4 ms
of the client's CPU. The writer (one thread per API process) now keeps one connection of the
pool, in autocommit mode, and sends `BEGIN`, the set's statements and `COMMIT` in one psycopg
pipeline: one round trip, plus one for the reads a set needs before it writes (the mandates
of a brokered lodgement, the keys while retries are about), which run on their own outside
the write transaction (at READ COMMITTED they saw the same rows inside it).

Before each set a look at the idle socket, without a round trip, finds a connection the server
closed (a terminated backend, a restart), and the set runs on a new one. A connection lost
during a set, or an instant before it (the server's goodbye not arrived yet, where a pre-ping
would have found it), fails that set only (OperationalError: a 503, and the clients retry
with their keys); the next set connects again.

Where sessions come from a factory (tests join their own transaction), or the database is not
PostgreSQL through psycopg, a set is a session of its own as before.
"""

import atexit
import os
import select
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from clearance import db

_KEPT = "clearance.set_connection"


@dataclass(frozen=True)
class _Kept:
    engine: Engine
    connection: Connection
    raw: psycopg.Connection[Any]
    pid: int


class SetConnection:
    """One writer's connection, kept between its sets (see the module's docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: _Kept | None = None
        atexit.register(self.close)  # said goodbye to, not dropped, when the process ends

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for one set's reads and writes; what it wrote is undone on an error."""
        engine = None if db.has_session_factory() else db.get_engine()
        if engine is None or engine.dialect.driver != "psycopg":
            with db.new_session() as session:
                try:
                    yield session
                except BaseException:
                    db.rollback(session)
                    raise
            return
        with self._lock:
            kept = self._connected(engine)
            with Session(bind=kept.connection, expire_on_commit=False) as session:
                session.info[_KEPT] = kept
                try:
                    yield session
                except BaseException:
                    lost = self._undo(kept)
                    db.rollback(session)
                    if lost:
                        self._drop(kept)
                    raise

    @contextmanager
    def writes(self, session: Session) -> Iterator[None]:
        """The set's writes, committed when the block ends, then its after-commit actions.

        On the kept connection: BEGIN, the block's statements and COMMIT in one pipeline.
        Elsewhere: the block's statements pipelined where the driver can, then the commit."""
        kept: _Kept | None = session.info.get(_KEPT)
        if kept is None:
            with db.pipelined(session):
                yield
            db.commit(session)
            return
        try:
            with kept.raw.pipeline(), kept.raw.cursor() as cursor:
                cursor.execute(b"BEGIN")
                yield
                cursor.execute(b"COMMIT")
        # Raised by the pipeline's sync, outside SQLAlchemy: as SQLAlchemy would have raised them.
        except psycopg.IntegrityError as exc:
            raise IntegrityError("the set's writes", None, exc) from exc
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.OperationalError) or _lost(kept):
                raise OperationalError("the set's writes", None, exc) from exc
            raise
        # Committed already: the session's commit sends nothing, and runs what waited for it.
        db.commit(session)

    def close(self) -> None:
        """Give the connection back (a test's database is about to go)."""
        with self._lock:
            if self._kept is not None:
                self._drop(self._kept)

    def _connected(self, engine: Engine) -> _Kept:
        kept = self._kept
        if kept is not None and kept.pid == os.getpid() and _closed_by_server(kept):
            kept.connection.invalidate()  # not back to the pool: closed, and a new one opened
        if kept is not None and (
            kept.engine is not engine or kept.pid != os.getpid() or kept.connection.invalidated
        ):
            self._drop(kept)
            kept = None
        if kept is None:
            # A pooled connection (its socket looked at on checkout); autocommit, so that the
            # set's own BEGIN can go in its pipeline (psycopg would begin with a round trip).
            db.reads_in_pipelines(engine)
            connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            raw = connection.connection.driver_connection
            assert isinstance(raw, psycopg.Connection)
            kept = _Kept(engine, connection, raw, os.getpid())
            self._kept = kept
        return kept

    def _undo(self, kept: _Kept) -> bool:
        """After a failed set: roll back what it began; whether the connection was lost (it is
        then invalidated: the pool will not hand it out again)."""
        if not _lost(kept):
            try:
                kept.raw.rollback()  # nothing is sent when no transaction is open
                return False
            except psycopg.Error:
                pass
        if not kept.connection.invalidated:
            kept.connection.invalidate()
        return True

    def _drop(self, kept: _Kept) -> None:
        if kept.pid == os.getpid():  # a forked child leaves its parent's connection alone
            try:
                kept.connection.close()
            except Exception:
                kept.connection.invalidate()
        if self._kept is kept:
            self._kept = None


def _lost(kept: _Kept) -> bool:
    return kept.connection.invalidated or kept.raw.closed or kept.raw.broken


def _closed_by_server(kept: _Kept) -> bool:
    """Whether the server said something while the connection was idle: with no LISTEN, that
    is its goodbye (a terminated backend, a shutdown) or the connection's end."""
    if _lost(kept):
        return True
    readable, _, _ = select.select([kept.raw.pgconn.socket], [], [], 0)
    return bool(readable)
