"""Sync Core on a thread of its own, or SQLAlchemy's asyncio on psycopg async: CPU and wall
time per small write transaction (three rows and one row inserted, one SELECT), from asyncio.

    python -m loadtests.async_db_cost

What lodging's writer (`clearance/declarations/intake.py`) was chosen by. Creates and drops a
database `async_cost_<hex>` on the local PostgreSQL (`--pg-admin-url`).
"""

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import psycopg
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.ext.asyncio import create_async_engine

from loadtests.bench_services import DEFAULT_PG_ADMIN_URL, database_url, sqlalchemy_url

METADATA = sa.MetaData()
WIDE = sa.Table(
    "wide",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("a", sa.String(40)),
    sa.Column("b", sa.JSON),
)
NARROW = sa.Table(
    "narrow", METADATA, sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.String(40))
)
ROWS = [{"a": "x" * 30, "b": {"k": list(range(20))}} for _ in range(3)]


async def compare(url: str, transactions: int) -> None:
    engine = sa.create_engine(url, pool_pre_ping=True)
    METADATA.create_all(engine)
    async_engine = create_async_engine(url, pool_pre_ping=True)

    def sync_write() -> None:
        with engine.begin() as connection:
            connection.execute(WIDE.insert().inline(), ROWS)
            connection.execute(NARROW.insert().inline(), [{"a": "y"}])
            connection.execute(sa.select(NARROW.c.id).where(NARROW.c.a == "z")).all()

    async def async_write() -> None:
        async with async_engine.begin() as connection:
            await connection.execute(WIDE.insert().inline(), ROWS)
            await connection.execute(NARROW.insert().inline(), [{"a": "y"}])
            (await connection.execute(sa.select(NARROW.c.id).where(NARROW.c.a == "z"))).all()

    loop, thread = asyncio.get_running_loop(), ThreadPoolExecutor(1)
    ways: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("sync Core on a thread of its own", lambda: loop.run_in_executor(thread, sync_write)),
        ("SQLAlchemy asyncio, psycopg async", async_write),
    ]
    for _label, write in ways:  # warm both: connections, compiled statements
        for _ in range(50):
            await write()
    for label, write in ways:
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(transactions):
            await write()
        cpu_ms = 1000 * (time.process_time() - cpu) / transactions
        wall_ms = 1000 * (time.perf_counter() - wall) / transactions
        print(f"{label:<40}{cpu_ms:>8.3f} ms CPU{wall_ms:>10.3f} ms wall per transaction")
    await async_engine.dispose()
    engine.dispose()
    thread.shutdown()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.async_db_cost")
    parser.add_argument("--transactions", type=int, default=400)
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL)
    args = parser.parse_args(argv)
    name = f"async_cost_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg_admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        asyncio.run(
            compare(sqlalchemy_url(database_url(args.pg_admin_url, name)), args.transactions)
        )
    finally:
        with psycopg.connect(args.pg_admin_url, autocommit=True) as admin:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            admin.execute(drop.format(sql.Identifier(name)))


if __name__ == "__main__":
    main()
