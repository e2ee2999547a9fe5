"""The lodging writer's CPU per set and per lodgement, in one process, without HTTP.

    python -m loadtests.writer_cost --sets 2000 --set-size 1
    python -m loadtests.writer_cost --sets 300 --set-size 1 --profile writer.prof

Builds the demo traders' declarations as the benchmark does (keys, mandates, every lodgement
with an Idempotency-Key), then hands them to `lodging.write` a set at a time, on one thread as
the API's set writer does, with the screening trigger as the committed callback. It prints the
writer thread's CPU (`time.thread_time`) and its PostgreSQL backends' CPU, per set and per
lodgement, and the wall time per set. The first sets are a warm-up (not counted). Creates and
drops a database `writer_cost_<hex>` on the local PostgreSQL (`--pg-admin-url`) and runs a
redis-server of its own.
"""

import argparse
import cProfile
import itertools
import json
import os
import random
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from clearance import db, wiring
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


def _measure(args: argparse.Namespace, database: str) -> dict[str, Any]:
    items = _lodgements((WARM_UP_SETS + args.sets) * args.set_size, args.seed)
    sets = [items[i : i + args.set_size] for i in range(0, len(items), args.set_size)]
    with db.unit_of_work() as session:
        grant_demo_mandates(
            session=session, clock=get_clock(), brokers={code: "" for code, _ in DEMO_TRADERS}
        )
    writer = ThreadPoolExecutor(1, thread_name_prefix="writer-cost")
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
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.writer_cost")
    parser.add_argument("--sets", type=int, default=2000, help="sets measured")
    parser.add_argument("--set-size", type=int, default=1, help="lodgements per set")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--profile", help="write a cProfile (thread CPU) of the measured sets")
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL)
    args = parser.parse_args(argv)
    name = f"writer_cost_{uuid.uuid4().hex[:8]}"
    admin(args.pg_admin_url, "CREATE DATABASE {}", name)
    try:
        with service_settings(args.pg_admin_url, name):
            migrate(get_settings().database_url)
            print(json.dumps(_measure(args, name), indent=2))
    finally:
        admin(args.pg_admin_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


if __name__ == "__main__":
    main()
