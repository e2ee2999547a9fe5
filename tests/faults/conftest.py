"""Fixtures for fault tests: a Redis of the test's own, and the service's processes on it."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.harness import PostgresProxy, RedisServer, Service

# Short enough for a test to see recovery in seconds, as production sees it in minutes.
FAST_RECOVERY = {
    "CLEARANCE_SWEEPER_INTERVAL_SECONDS": "0.5",
    "CLEARANCE_SWEEPER_STUCK_AFTER_SECONDS": "2",
    "CLEARANCE_JOB_TIMEOUT_SECONDS": "4",
    # Retries at once: a worker's RQ scheduler is not needed (test_failing_job.py uses it).
    "CLEARANCE_JOB_RETRY_INTERVALS": "[0, 0]",
}


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server on a free port: the shared one is never stopped or flushed."""
    data_dir = tmp_path / "redis"
    data_dir.mkdir()
    server = RedisServer(data_dir)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def pg_proxy() -> Iterator[PostgresProxy]:
    proxy = PostgresProxy()
    yield proxy
    proxy.close()


@pytest.fixture
def make_service(
    cloned_db: str, private_redis: RedisServer, tmp_path: Path
) -> Iterator[Callable[..., Service]]:
    """The service's processes on the test's database (or a proxy to it) and private Redis."""
    # Requesting `cloned_db` here stops the processes before the database is dropped.
    started: list[Service] = []

    def make(database_url: str = cloned_db, **settings: str) -> Service:
        (tmp_path / "metrics").mkdir(exist_ok=True)
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("CLEARANCE_", "PROMETHEUS_"))
        }
        env.update(
            CLEARANCE_ENVIRONMENT="test",
            CLEARANCE_DATABASE_URL=database_url,
            CLEARANCE_REDIS_URL=private_redis.url,
            CLEARANCE_DOCUMENTS_DIR=str(tmp_path / "documents"),
            CLEARANCE_NEW_TRADER_DECLARATIONS="0",
            CLEARANCE_RANDOM_RED_SHARE="0",
            CLEARANCE_RATE_LIMIT_PER_SECOND="0",
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
            **FAST_RECOVERY,
        )
        env.update({f"CLEARANCE_{name.upper()}": value for name, value in settings.items()})
        service = Service(env, tmp_path)
        started.append(service)
        return service

    yield make
    for service in started:
        service.stop()
