"""A worker's CPU and SQL statements per declaration when it screens sets, in one process.

    python -m loadtests.screening_cost --count 1000

Lodges `--count` demo declarations through the API in this process (papers uploaded for
`--papers` of them, the truck arrived for `--arrived` of them; one trader in two subscribed to
notifications), then screens them a set at a time as a worker does (`clearance.risk.sets`),
and prints the CPU time (its own and its PostgreSQL backends') of the screening alone, the
notification delivery jobs it queued, and with `--statements` its SQL statements (counted by
a listener on the engine, which puts the set's inserts on Core's path as tracing does: CPU is
measured without it). Creates and drops
a database `screening_cost_<hex>` on the local PostgreSQL (`--pg-admin-url`) and a
redis-server of its own.
"""

import argparse
import cProfile
import gc
import json
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import event

from clearance import db, hot, queues
from clearance.clock import get_clock
from clearance.embedded import train_demo_model
from clearance.main import create_app
from clearance.migrations import migrate
from clearance.risk import sets
from clearance.settings import get_settings
from loadtests.bench_services import DEFAULT_PG_ADMIN_URL, database_url
from loadtests.in_process import admin, backends_cpu, lodge_demo, service_settings
from workers import jobs


def _screen(database: str, *, count_statements: bool, profile: str | None) -> dict[str, Any]:
    statements: Counter[str] = Counter()

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        """By verb and table: the first after INSERT INTO, UPDATE or a SELECT's first FROM."""
        words = statement.split()
        verb = words[0].upper()
        after = "FROM" if verb in {"SELECT", "DELETE"} else "INTO" if verb == "INSERT" else verb
        table = words[words.index(after) + 1] if after in words else ""
        statements[f"{verb} {table}".strip()] += 1

    engine = db.get_engine()
    settings, clock = get_settings(), get_clock()
    # The first set is a warm-up (reference data, compiled statements): not counted.
    sets.screen_set(clock=clock, settings=settings, lifecycle=jobs.LIFECYCLE)
    # As a worker does after its first job (workers/worker.py): what is loaded by now stays
    # for the process's life, out of the collector's full passes.
    gc.freeze()
    screened, cpu, wall, channels = 0, 0.0, 0.0, Counter[str]()
    # A listener on the engine's statements sends the set's inserts through Core's path
    # (`db.insert_many`, as for tracing): statements are counted only when asked for.
    if count_statements:
        event.listen(engine, "before_cursor_execute", count)
    backends = backends_cpu(database)
    deliveries = queues.notifications_queue().count  # the warm-up set's: not counted
    profiler = cProfile.Profile(time.process_time) if profile else None
    try:
        if profiler is not None:
            profiler.enable()
        while True:
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            outcome = sets.screen_set(clock=clock, settings=settings, lifecycle=jobs.LIFECYCLE)
            cpu += time.process_time() - started_cpu
            wall += time.perf_counter() - started_wall
            screened += sum(outcome.channels.values())
            channels.update(outcome.channels)
            if outcome.claimed < settings.screening_batch_size:
                break
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile or "")
        if count_statements:
            event.remove(engine, "before_cursor_execute", count)
    database_cpu = sum(t - backends.get(pid, 0.0) for pid, t in backends_cpu(database).items())
    # Nothing runs them here: what the sets queued for the notifications' workers to run.
    deliveries = queues.notifications_queue().count - deliveries
    total = sum(statements.values())
    counted = {
        "statements_per_declaration": round(total / max(screened, 1), 2),
        "statements": dict(statements.most_common()),
    }
    return {
        "screened": screened,
        "channels": dict(channels),
        "cpu_ms_per_declaration": round(1000 * cpu / max(screened, 1), 3),
        "postgresql_cpu_ms_per_declaration": round(1000 * database_cpu / max(screened, 1), 3),
        "wall_ms_per_declaration": round(1000 * wall / max(screened, 1), 3),
        "delivery_jobs_per_declaration": round(deliveries / max(screened, 1), 3),
        **(counted if count_statements else {}),
    }


def _dump(database_url: str, path: str) -> None:
    """Every assessment, event and notification of the run, to compare two versions of the code
    on the same declarations (times and serial keys left out)."""
    with psycopg.connect(database_url) as connection:
        found = {
            "assessments": connection.execute(
                "SELECT declaration_id::text, version, score, channel, hard_hit, random_selected,"
                " reasons::text, channel_reason, model_version, model_score, policy_version,"
                " thresholds::text, rule_versions::text FROM assessment"
                " ORDER BY declaration_id, version"
            ).fetchall(),
            "events": connection.execute(
                "SELECT declaration_id::text, version, action, from_state, to_state, actor,"
                " reason, reason_code, reason_params::text FROM declaration_event"
                " ORDER BY declaration_id, version, id"
            ).fetchall(),
            "notifications": connection.execute(
                "SELECT declaration_id::text, version, sequence, type,"
                " (payload::jsonb - 'at')::text, status"
                " FROM notification ORDER BY declaration_id, version, sequence"
            ).fetchall(),
            "audit": connection.execute(
                "SELECT actor, role, tax_code, action, target_kind, target_id, version, outcome"
                " FROM audit_record ORDER BY target_id, version, action, id"
            ).fetchall(),
        }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(found, handle, indent=1, default=str)


def _exists(args: argparse.Namespace, name: str) -> bool:
    with psycopg.connect(args.pg_admin_url, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return found.fetchone() is not None


def _disconnect(args: argparse.Namespace, name: str) -> None:
    """End what this process left connected to the database `name` (its own, made above): a
    template cannot be copied while anyone is connected to it."""
    with psycopg.connect(args.pg_admin_url, autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )


def _environment(args: argparse.Namespace) -> dict[str, str]:
    return {
        "CLEARANCE_RATE_LIMIT_PER_SECOND": "0",
        "CLEARANCE_SCREENING_BATCH_SIZE": str(args.batch),
    }


def _prepare(args: argparse.Namespace, name: str) -> None:
    """A migrated database with every declaration lodged and waiting for screening."""
    admin(args.pg_admin_url, "CREATE DATABASE {}", name)
    try:
        with service_settings(args.pg_admin_url, name, **_environment(args)):
            migrate(get_settings().database_url)
            if args.model:
                train_demo_model()
            # No worker runs: the lodgements wait in the database for the sets screened here.
            with TestClient(create_app()) as client:
                lodge_demo(
                    client,
                    count=args.count,
                    seed=args.seed,
                    papers=args.papers,
                    arrived=args.arrived,
                    subscribe=True,
                )
    except BaseException:
        admin(args.pg_admin_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)
        raise


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.screening_cost")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--papers", type=float, default=0.8, help="share with papers uploaded")
    parser.add_argument("--arrived", type=float, default=0.5, help="share arrived before")
    parser.add_argument("--model", action="store_true", help="screen with the demo's model")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--statements",
        action="store_true",
        help="count the SQL statements too (their listener puts the inserts on Core's path)",
    )
    parser.add_argument(
        "--template",
        help="keep the lodged database under this name and start from it when it exists "
        "(to compare two versions of the code on the same declarations)",
    )
    parser.add_argument(
        "--profile", help="write a cProfile of the screening (not the warm-up) to this file"
    )
    parser.add_argument(
        "--dump",
        help="write the run's assessments, events, notifications and audit to this file (to "
        "compare two runs, give both CLEARANCE_HOT_CACHE_SECONDS=3600: the channels' thresholds "
        "are refitted by the clock, so a slower run may screen part of its sets on new ones)",
    )
    parser.add_argument(
        "--prefix", default="screening_cost", help="the name of the database made, before a hex"
    )
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL)
    args = parser.parse_args(argv)
    name = f"{args.prefix}_{uuid.uuid4().hex[:8]}"
    if args.template is None:
        _prepare(args, name)
    else:
        if not _exists(args, args.template):
            _prepare(args, args.template)
            _disconnect(args, args.template)
        admin(args.pg_admin_url, "CREATE DATABASE {} TEMPLATE {}", name, args.template)
    try:
        with service_settings(args.pg_admin_url, name, **_environment(args)):
            hot.clear()
            outcome = _screen(name, count_statements=args.statements, profile=args.profile)
            print(json.dumps(outcome, indent=2))
        if args.dump:
            _dump(database_url(args.pg_admin_url, name), args.dump)
    finally:
        admin(args.pg_admin_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


if __name__ == "__main__":
    main()
