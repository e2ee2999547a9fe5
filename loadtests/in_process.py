"""What the in-process cost tools share: a private database made and dropped through the admin
URL, the service's settings pointed at it with a redis-server of the run's own, the demo's
declarations lodged through the app, and the ASGI scope of a request sent straight to it."""

import contextlib
import json
import os
import random
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psutil
import psycopg
from fastapi.testclient import TestClient
from psycopg import sql

from clearance import db, queues
from clearance.auth.models import Role
from clearance.clock import get_clock
from clearance.embedded import create_keys, start_redis
from clearance.notifications.models import Subscription
from clearance.settings import get_settings
from clearance.synthetic.declarations import DISHONEST_SHARE, make_declaration
from clearance.synthetic.mandates import grant_demo_mandates
from clearance.synthetic.parties import DEMO_TRADERS
from clearance.synthetic.uploads import document_uploads
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


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def lodge_demo(
    client: TestClient, *, count: int, seed: int, papers: float, arrived: float, subscribe: bool
) -> list[tuple[str, str]]:
    """Keys and mandates for the demo's traders (and, with `subscribe`, a subscription for
    every second one), then `count` demo declarations lodged, a share `papers` of them with
    their papers and `arrived` with their truck weighed: each lodged one's trader key and id.
    The same seed lodges the same declarations."""
    keys = {code: create_keys({Role.trader: code}, "cost")[Role.trader] for code, _ in DEMO_TRADERS}
    gate = create_keys({Role.gate: None}, "cost gate")[Role.gate]
    with db.unit_of_work() as session:
        grant_demo_mandates(session=session, clock=get_clock(), brokers=keys)
        for code in list(keys)[::2] if subscribe else []:
            session.add(
                Subscription(
                    tax_code=code,
                    url=f"https://hooks.example.com/{code}",
                    secret="s" * 32,
                    created_by="cost",
                    created_at=get_clock().now(),
                )
            )
    rng, codes, lodged = random.Random(seed), list(keys), []
    for n in range(count):
        code = codes[n % len(codes)]
        body = make_declaration(
            rng,
            declarant=(code, dict(DEMO_TRADERS)[code]),
            now=datetime.now(UTC),
            honest=rng.random() >= DISHONEST_SHARE,
        )
        headers = {**bearer(keys[code]), "Idempotency-Key": str(uuid.uuid4())}
        response = client.post("/v1/declarations", json=body, headers=headers)
        if response.status_code != 202:
            continue
        declaration_id = response.json()["id"]
        if rng.random() < papers:
            for fields, data in document_uploads(body, random.Random(body["ucr"])):
                client.post(
                    f"/v1/declarations/{declaration_id}/documents",
                    files={"file": ("scan.pdf", data, "application/pdf")},
                    data={"fields": json.dumps(fields)},
                    headers=bearer(keys[code]),
                )
        if rng.random() < arrived:
            gross = sum((Decimal(line["gross_kg"]) for line in body["lines"]), Decimal(0))
            client.post(
                f"/v1/declarations/{declaration_id}/arrival",
                json={"weighbridge_kg": max(1, round(gross))},
                headers=bearer(gate),
            )
        lodged.append((keys[code], declaration_id))
    return lodged
