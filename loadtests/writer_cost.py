"""The lodging writer's CPU per set and per lodgement, in one process, without HTTP.

    python -m loadtests.writer_cost --sets 2000 --set-size 1
    python -m loadtests.writer_cost --sets 300 --set-size 1 --profile writer.prof
    python -m loadtests.writer_cost --sets 2000 --set-size 4 --compare

Builds the demo traders' declarations as the benchmark does (keys, mandates, every lodgement
with an Idempotency-Key), then hands them to `lodging.write` a set at a time, on one thread as
the API's set writer does, with the screening trigger as the committed callback. It prints the
writer thread's CPU (`time.thread_time`) and its PostgreSQL backends' CPU, per set and per
lodgement, and the wall time per set. The first sets are a warm-up (not counted). Creates and
drops a database `<--database-prefix>_<hex>` on the local PostgreSQL (`--pg-admin-url`) and
runs a redis-server of its own.

`--compare` writes the measured sets in turn (25 at a time, ABBA) as PostgreSQL sets are
written (all tables in one statement, `db_rows.insert_in_one_statement`) and as they were
(one multi-row INSERT per table), and prints both: the machine's noise then weighs on each
alike.
"""

import argparse
import cProfile
import itertools
import json
import os
import random
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from clearance import db, db_rows, wiring
from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.clock import get_clock
from clearance.declarations import intake, lodging
from clearance.declarations.lodgement import Lodged, Lodgement, RequestFacts
from clearance.declarations.schemas import DeclarationIn
from clearance.declarations.service import stored_payload
from clearance.migrations import migrate
from clearance.settings import get_settings
from clearance.synthetic.declarations import DISHONEST_SHARE, make_declaration
from clearance.synthetic.mandates import grant_demo_mandates
from clearance.synthetic.parties import DEMO_TRADERS
from loadtests.bench_services import DEFAULT_PG_ADMIN_URL
from loadtests.in_process import admin, backends_cpu, service_settings

WARM_UP_SETS = 50
COMPARED_CHUNK = 25  # sets written in one way before the other's turn
ONE_STATEMENT, PER_TABLE = "one_statement", "per_table"


def _lodgements(count: int, seed: int) -> list[Lodgement]:
    """The demo traders' declarations in turn, each with a key, as the benchmark lodges them."""
    rng = random.Random(seed)
    lifecycle = wiring.lifecycle()
    found = []
    for n, (code, name) in zip(range(count), itertools.cycle(DEMO_TRADERS), strict=False):
        body = make_declaration(
            rng,
            declarant=(code, name),
            now=datetime.now(UTC),
            honest=rng.random() >= DISHONEST_SHARE,
        )
        body["ucr"] = f"{body['ucr']}-{n}"
        declaration_in = DeclarationIn.model_validate(body)
        payload, sha = stored_payload(declaration_in)
        found.append(
            Lodgement(
                caller=Caller(key_id=1, role=Role.trader, tax_code=code),
                declaration_in=declaration_in,
                payload=payload,
                body_sha256=sha,
                idempotency_key=str(uuid.uuid4()),
                facts=RequestFacts(client_address="127.0.0.1", request_id=uuid.uuid4().hex),
                lifecycle=lifecycle,
            )
        )
    return found


def _write_sets(sets: list[list[Lodgement]], profile: str | None) -> tuple[float, float, int]:
    """On the calling thread: thread CPU seconds, wall seconds, lodgements refused."""
    clock, refused = get_clock(), 0
    profiler = cProfile.Profile(time.thread_time) if profile else None
    cpu, wall = time.thread_time(), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    for items in sets:
        outcomes = lodging.write(items, clock=clock, committed=intake._schedule_screening)
        refused += sum(not isinstance(outcome, Lodged) for outcome in outcomes)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)  # type: ignore[arg-type]
    return time.thread_time() - cpu, time.perf_counter() - wall, refused


@contextmanager
def _written_as(way: str) -> Iterator[None]:
    """Sets written in one statement (as they are), or one INSERT per table (as they were)."""
    one_statement = db_rows.insert_in_one_statement
    if way == PER_TABLE:
        db_rows.insert_in_one_statement = _not_in_one_statement
    try:
        yield
    finally:
        db_rows.insert_in_one_statement = one_statement


def _not_in_one_statement(connection: Connection, parts: list[db_rows.Part]) -> bool:
    """As where one statement is not taken: the writer inserts each table's rows apart."""
    return False


def _compared(
    writer: ThreadPoolExecutor, sets: list[list[Lodgement]], database: str
) -> dict[str, Any]:
    """Each way's writer CPU and PostgreSQL CPU per lodgement, the sets written in turn."""
    spent = {way: [0.0, 0.0, 0, 0] for way in (ONE_STATEMENT, PER_TABLE)}  # cpu, pg, n, refused
    chunks = [sets[i : i + COMPARED_CHUNK] for i in range(0, len(sets), COMPARED_CHUNK)]
    for n, chunk in enumerate(chunks):
        way = (ONE_STATEMENT, PER_TABLE, PER_TABLE, ONE_STATEMENT)[n % 4]
        backends = backends_cpu(database)
        with _written_as(way):
            cpu, _wall, refused = writer.submit(_write_sets, chunk, None).result()
        database_cpu = sum(t - backends.get(pid, 0.0) for pid, t in backends_cpu(database).items())
        totals = spent[way]
        totals[0] += cpu
        totals[1] += database_cpu
        totals[2] += sum(len(items) for items in chunk)
        totals[3] += refused
    return {
        way: {
            "lodgements": lodged,
            "refused": refused,
            "writer_cpu_ms_per_lodgement": round(1000 * cpu / lodged, 3),
            "postgresql_cpu_ms_per_lodgement": round(1000 * database_cpu / lodged, 3),
        }
        for way, (cpu, database_cpu, lodged, refused) in spent.items()
        if lodged
    }


def _measure(args: argparse.Namespace, database: str) -> dict[str, Any]:
    items = _lodgements((WARM_UP_SETS + args.sets) * args.set_size, args.seed)
    sets = [items[i : i + args.set_size] for i in range(0, len(items), args.set_size)]
    with db.unit_of_work() as session:
        grant_demo_mandates(
            session=session, clock=get_clock(), brokers={code: "" for code, _ in DEMO_TRADERS}
        )
    writer = ThreadPoolExecutor(1, thread_name_prefix="writer-cost")
    if args.compare:
        half = WARM_UP_SETS // 2
        writer.submit(_write_sets, sets[:half], None).result()
        with _written_as(PER_TABLE):  # the other way's statements warmed up too
            writer.submit(_write_sets, sets[half:WARM_UP_SETS], None).result()
        compared = _compared(writer, sets[WARM_UP_SETS:], database)
        writer.shutdown()
        return {"set_size": args.set_size, **compared, "load_average": _load()}
    writer.submit(_write_sets, sets[:WARM_UP_SETS], None).result()
    backends = backends_cpu(database)
    cpu, wall, refused = writer.submit(_write_sets, sets[WARM_UP_SETS:], args.profile).result()
    database_cpu = sum(t - backends.get(pid, 0.0) for pid, t in backends_cpu(database).items())
    writer.shutdown()
    lodged = args.sets * args.set_size
    return {
        "sets": args.sets,
        "set_size": args.set_size,
        "refused": refused,
        "writer_cpu_ms_per_set": round(1000 * cpu / args.sets, 3),
        "writer_cpu_ms_per_lodgement": round(1000 * cpu / lodged, 3),
        "postgresql_cpu_ms_per_lodgement": round(1000 * database_cpu / lodged, 3),
        "wall_ms_per_set": round(1000 * wall / args.sets, 3),
        "load_average": _load(),
    }


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.writer_cost")
    parser.add_argument("--sets", type=int, default=2000, help="sets measured")
    parser.add_argument("--set-size", type=int, default=1, help="lodgements per set")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--profile", help="write a cProfile (thread CPU) of the measured sets")
    parser.add_argument(
        "--compare", action="store_true", help="one statement per set against one per table"
    )
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL)
    parser.add_argument("--database-prefix", default="writer_cost", help="the database's name")
    args = parser.parse_args(argv)
    name = f"{args.database_prefix}_{uuid.uuid4().hex[:8]}"
    admin(args.pg_admin_url, "CREATE DATABASE {}", name)
    try:
        with service_settings(args.pg_admin_url, name):
            migrate(get_settings().database_url)
            print(json.dumps(_measure(args, name), indent=2))
    finally:
        admin(args.pg_admin_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


if __name__ == "__main__":
    main()
