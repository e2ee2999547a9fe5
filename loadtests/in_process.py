"""What the in-process cost tools share: a private database made and dropped through the admin
URL, the service's settings pointed at it with a redis-server of the run's own, and the ASGI
scope of a request sent straight to the app."""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg import sql

from clearance import db, queues
from clearance.embedded import start_redis
from clearance.settings import get_settings
from loadtests.bench_services import database_url, sqlalchemy_url
from loadtests.cpu_usage import cpu_seconds, postgres_processes, postgres_role


def admin(pg_admin_url: str, statement: str, *names: str) -> None:
    """`statement` with `names` as identifiers ({}), on the admin connection."""
    with psycopg.connect(pg_admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL(statement).format(*map(sql.Identifier, names)))


@contextmanager
def service_settings(pg_admin_url: str, database: str, **environment: str) -> Iterator[None]:
    """A redis-server of this run's own, and `database`, as the settings of this process (with
    `environment`'s CLEARANCE_ variables besides)."""
    with tempfile.TemporaryDirectory() as workdir:
        (Path(workdir) / "redis").mkdir()
        redis, redis_url = start_redis(Path(workdir) / "redis")
        try:
            os.environ |= {
                "CLEARANCE_DATABASE_URL": sqlalchemy_url(database_url(pg_admin_url, database)),
                "CLEARANCE_REDIS_URL": redis_url,
                "CLEARANCE_DOCUMENTS_DIR": str(Path(workdir) / "documents"),
                **environment,
            }
            get_settings.cache_clear()
            db.get_engine.cache_clear()
            queues.get_redis.cache_clear()
            yield
            db.get_engine().dispose()
        finally:
            redis.terminate()
            redis.wait(timeout=10)


def backends_cpu(database: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend of `database` (this process's own)."""
    found = {}
    for process, cmdline in postgres_processes():
        if postgres_role(cmdline, database) == "ours":
            with contextlib.suppress(psutil.Error):
                found[process.pid] = cpu_seconds(process)
    return found


def http_scope(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    """The ASGI scope uvicorn would give the app for this request."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": method,
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "state": {},
    }
