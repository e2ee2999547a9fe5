"""Test fixtures: real PostgreSQL and Redis, isolated per test.

In-process tests run inside one transaction per test that is rolled back; every session the
code opens (the request's, the job's) joins it through savepoints. Tests that cross processes
get a database cloned from a migrated template. Redis is a redis-server each test process
starts for itself, flushed between tests.

Under pytest-xdist every worker is a process with its own RUN_ID, so its own template and unit
databases, its own redis-server, and its own tmp_path tree.
"""

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import Connection, Engine, text
from sqlmodel import Session

from clearance import db, hot, queues, wiring
from clearance.auth import keycache
from clearance.auth.models import Role
from clearance.auth.service import create_key
from clearance.clock import FrozenClock, SystemClock, set_clock
from clearance.declarations import lifecycle
from clearance.embedded import start_redis
from clearance.main import create_app
from clearance.migrations import migrate
from clearance.notifications import subscribers
from clearance.reference import nomenclature
from clearance.reference import service as reference_service
from clearance.risk import learning
from clearance.settings import get_settings

PG_ADMIN_URL = os.environ.get(
    "CLEARANCE_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SHARED_REDIS_URL = os.environ.get("CLEARANCE_TEST_REDIS_URL")
RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
TEMPLATE_DB = f"clearance_tpl_{RUN_ID}"
TRADER_TAX_CODE = "0100000001"
OTHER_TAX_CODE = "0100000002"
START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
REDIS_CLAIM_WAIT_SECONDS = 600


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The `long` modules first, then those that cross processes (`slow`), then the others,
    larger first.

    xdist's loadscope hands out modules in this order (pyproject.toml turns off its own, by
    number of tests alone): that put the long modules, which have few tests, last, and the run
    ended on one of them alone on one core while the other sat idle.
    """
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)

    def order(tests: list[pytest.Item]) -> tuple[int, int]:
        if any(test.get_closest_marker("long") for test in tests):
            return (0, 0)
        if any(test.get_closest_marker("slow") for test in tests):
            return (1, 0)
        return (2, -len(tests))

    items[:] = [item for tests in sorted(modules.values(), key=order) for item in tests]


def pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


def _admin(statement: str) -> None:
    engine = db.make_engine(PG_ADMIN_URL)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(statement))
    engine.dispose()


def migrate_and_seed(url: str) -> None:
    migrate(url)


def _claim_redis_db(base_url: str) -> int:
    """A database of a shared Redis that no concurrent test run holds.

    Each xdist worker claims one, so a few parallel runs can hold all 15: wait for one to free.
    """
    admin = Redis.from_url(f"{base_url}/0")
    deadline = time.monotonic() + REDIS_CLAIM_WAIT_SECONDS
    while True:
        for index in range(15, 0, -1):
            if admin.set(f"clearance-test-lock:{index}", RUN_ID, nx=True, ex=3600):
                return index
        if time.monotonic() > deadline:
            raise RuntimeError("every Redis test database is taken")
        time.sleep(1)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of this test process's own (the one `clearance run` uses), so that no
    other program on the machine shares its data or takes its jobs; with
    CLEARANCE_TEST_REDIS_URL set, a database of that server claimed for this process."""
    if SHARED_REDIS_URL:
        index = _claim_redis_db(SHARED_REDIS_URL)
        yield f"{SHARED_REDIS_URL}/{index}"
        Redis.from_url(f"{SHARED_REDIS_URL}/0").delete(f"clearance-test-lock:{index}")
        return
    process, url = start_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def template_db() -> Iterator[str]:
    """A migrated, seeded database that cross-process tests clone."""
    _admin(f'CREATE DATABASE "{TEMPLATE_DB}"')
    migrate_and_seed(pg_url(TEMPLATE_DB))
    yield TEMPLATE_DB
    _admin(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_engine(template_db: str) -> Iterator[Engine]:
    name = f"clearance_unit_{RUN_ID}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    engine = db.make_engine(pg_url(name))
    yield engine
    engine.dispose()
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database_from(template: str) -> Iterator[str]:
    """A database cloned from the template, dropped at the end; its URL."""
    name = f"clearance_x_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield pg_url(name)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def cloned_db(template_db: str) -> Iterator[str]:
    """A database of the test's own, for code in other processes."""
    with database_from(template_db) as url:
        yield url


@pytest.fixture
def empty_db() -> Iterator[str]:
    """A database with no schema at all, for migrations to build up and tear down."""
    name = f"clearance_e_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    yield pg_url(name)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def environment_variables(*, redis_url: str, documents_dir: Path) -> dict[str, str]:
    """The settings every test starts from, as `CLEARANCE_*` environment variables."""
    return {
        "CLEARANCE_ENVIRONMENT": "test",
        "CLEARANCE_DOCUMENTS_DIR": str(documents_dir),
        "CLEARANCE_REDIS_URL": redis_url,
        "CLEARANCE_RANDOM_RED_SHARE": "0",
        # Tests fire requests faster than any client should; tests of the limit set their own.
        "CLEARANCE_RATE_LIMIT_PER_SECOND": "0",
        "CLEARANCE_RATE_LIMIT_REFUSALS_PER_ADDRESS": "0",
        # A screening job lets its trigger go at its first look that finds no new work, rather
        # than wait a while for more: a drained queue ends sooner (tests of the wait set theirs).
        "CLEARANCE_SCREENING_IDLE_SECONDS": "0",
        # Likewise a lodgement set does not wait for others (tests lodge one at a time).
        "CLEARANCE_LODGING_LINGER_SECONDS": "0",
        "CLEARANCE_DATABASE_URL": "postgresql+psycopg://unused@127.0.0.1/none",
    }


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, redis_url: str, tmp_path: Path) -> Iterator[None]:
    """Settings come from the environment, as in production; caches are cleared per test."""
    for name, value in environment_variables(
        redis_url=redis_url, documents_dir=tmp_path / "documents"
    ).items():
        monkeypatch.setenv(name, value)
    _clear_caches()
    yield
    _clear_caches()
    set_clock(SystemClock())
    db.set_session_factory(None)


def _clear_caches() -> None:
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    queues.get_redis.cache_clear()
    reference_service.invalidate()
    nomenclature.forget_newer_than_first_load()
    hot.clear()
    learning.forget_model()
    subscribers.forget()
    keycache.forget()


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Change settings for this test, as environment variables would."""

    def apply(**values: Any) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"CLEARANCE_{name.upper()}", str(value))
        get_settings.cache_clear()

    return apply


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    connection = Redis.from_url(redis_url)
    connection.flushdb()
    yield connection
    connection.flushdb()


def _shares_app(request: pytest.FixtureRequest) -> bool:
    """Whether the test's module uses the `shared_app` fixture (the role matrices, the fuzz)."""
    return "shared_app" in request.fixturenames


@pytest.fixture
def connection(request: pytest.FixtureRequest, pg_engine: Engine) -> Iterator[Connection]:
    """The test's transaction, rolled back at its end (a savepoint, with `shared_app`)."""
    if _shares_app(request):
        yield request.getfixturevalue("savepoint_connection")
        return
    with pg_engine.connect() as conn:
        transaction = conn.begin()
        yield conn
        transaction.rollback()


def sessions_on(connection: Connection) -> Callable[[], Session]:
    """Sessions that join the connection's transaction through savepoints."""

    def factory() -> Session:
        return Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

    return factory


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """The test's session, with the lifecycle the app and the worker build; the code under test
    gets sessions on the same transaction (without one: its entry point attaches its own)."""
    factory = sessions_on(connection)
    db.set_session_factory(factory)
    with factory() as test_session:
        yield lifecycle.attach(test_session, wiring.lifecycle())


@pytest.fixture
def clock() -> FrozenClock:
    frozen = FrozenClock(START)
    set_clock(frozen)
    return frozen


@pytest.fixture
def make_key(session: Session, clock: FrozenClock) -> Callable[..., str]:
    def make(role: Role, tax_code: str | None = None) -> str:
        _key, plain = create_key(
            session=session,
            clock=clock,
            secret_key=get_settings().secret_key,
            role=role,
            tax_code=tax_code if role is Role.trader else None,
        )
        session.commit()
        return plain

    return make


@pytest.fixture
def keys(request: pytest.FixtureRequest) -> dict[str, str]:
    """A key per role; `trader` and `other_trader` are two different companies."""
    if _shares_app(request):
        shared: dict[str, str] = request.getfixturevalue("module_keys")
        return shared
    make_key: Callable[..., str] = request.getfixturevalue("make_key")
    made = {role.value: make_key(role, TRADER_TAX_CODE) for role in Role}
    made["other_trader"] = make_key(Role.trader, OTHER_TAX_CODE)
    return made


@pytest.fixture
def app(request: pytest.FixtureRequest) -> FastAPI:
    if _shares_app(request):
        shared: FastAPI = request.getfixturevalue("module_app")
        return shared
    return create_app()


@pytest.fixture
def client(
    app: FastAPI, session: Session, redis: Redis, clock: FrozenClock
) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


# The role matrices send hundreds of requests that each leave nothing behind. Their modules
# build the app and the keys once, and run each test in a savepoint of one module-wide
# transaction that is rolled back at the test's end, so no test sees another's writes.


@pytest.fixture(scope="module")
def module_environment(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The tests' settings while a module builds what its tests share."""
    documents_dir = tmp_path_factory.mktemp("documents")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment_variables(
            redis_url=redis_url, documents_dir=documents_dir
        ).items():
            patch.setenv(name, value)
        _clear_caches()
        yield
    _clear_caches()


@pytest.fixture(scope="module")
def module_app(module_environment: None) -> FastAPI:
    return create_app()


@pytest.fixture(scope="module")
def module_connection(pg_engine: Engine) -> Iterator[Connection]:
    with pg_engine.connect() as conn:
        transaction = conn.begin()
        yield conn
        transaction.rollback()


@pytest.fixture
def savepoint_connection(module_connection: Connection) -> Iterator[Connection]:
    """The module's connection; what the test writes is rolled back at its end."""
    savepoint = module_connection.begin_nested()
    yield module_connection
    savepoint.rollback()


@pytest.fixture(scope="module")
def module_keys(module_environment: None, module_connection: Connection) -> dict[str, str]:
    """The `keys` of every test in the module, committed to the module's transaction."""
    with sessions_on(module_connection)() as session:
        made = {}
        for name, role, tax_code in [
            *((role.value, role, TRADER_TAX_CODE) for role in Role),
            ("other_trader", Role.trader, OTHER_TAX_CODE),
        ]:
            _key, made[name] = create_key(
                session=session,
                clock=FrozenClock(START),
                secret_key=get_settings().secret_key,
                role=role,
                tax_code=tax_code if role is Role.trader else None,
            )
        session.commit()
    return made


@pytest.fixture(scope="module")
def shared_app(module_app: FastAPI, module_keys: dict[str, str]) -> tuple[FastAPI, dict[str, str]]:
    """For a module that sets `pytestmark = pytest.mark.usefixtures("shared_app")`: its tests'
    `app`, `keys` and `connection` are the module's app and keys, made once before any test,
    and a savepoint of the module's transaction."""
    return module_app, module_keys


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class DrainWorker(SimpleWorker):
    """The RQ worker tests drain a queue with in their own process: a SimpleWorker without the
    thread that listens for commands (stop a job, shut down), which nothing sends to a burst
    run; starting and joining that thread made each drain wait about 0.1 s."""

    def subscribe(self) -> None:
        return None


@pytest.fixture
def work(redis: Redis) -> Callable[[], int]:
    """Drain the screening queue with a real RQ worker in this process; returns jobs run."""

    def drain() -> int:
        queue = queues.screening_queue(redis)
        before = queue.count
        DrainWorker([queue], connection=redis).work(burst=True, logging_level="WARNING")
        return before

    return drain


@pytest.fixture
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file, the embedded default."""
    path: Path = tmp_path_factory.mktemp("sqlite") / "clearance.db"
    url = f"sqlite:///{path}"
    migrate_and_seed(url)
    return url
