"""What each of screening's reads about a set costs, on a migrated database as it is:

    .venv/bin/python -m loadtests.bench_reads --database-url postgresql+psycopg://.../db \
        [--set 200] [--repeat 5] [--explain]

It writes a set of declarations just lodged by the demo's traders (as `loadtests.prefill`
leaves them, with their activity counts; `--busy N`: after N others of theirs), reads what
screening reads about them (`clearance.risk.set_reads`, `live_reads`) `--repeat` times,
prints the median milliseconds of each read and, with `--explain`, PostgreSQL's plan of each
of its statements. What it wrote is deleted after.
"""

import argparse
import json
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from clearance.clock import SystemClock
from clearance.db import make_engine
from clearance.declarations import activity
from clearance.declarations import service as declarations_service
from clearance.declarations.models import Declaration
from clearance.declarations.schemas import DeclarationIn
from clearance.reference import service as reference_service
from clearance.risk import config, learning, live_reads, set_reads
from clearance.risk.rules import RuleConfig
from clearance.settings import get_settings
from loadtests.prefill import pending

PREFIX = "RD"
Read = Callable[[Session], object]


def _reads(
    declarations: Sequence[Declaration],
    bodies: dict[uuid.UUID, DeclarationIn],
    configs: dict[str, RuleConfig],
    since: Any,
) -> dict[str, Read]:
    clock = SystemClock()
    traders = sorted({d.trader_tax_code for d in declarations})
    below = int(configs["R-NEW-TRADER"].params["below"])
    return {
        "assessments": lambda s: set_reads._assessments(s, declarations, set_reads.SetReads()),
        "priors": lambda s: set_reads._priors(s, [d.id for d in declarations], below),
        "history": lambda s: set_reads.history(s, clock, traders, configs["R-FRAUD-HISTORY"]),
        "aeo": lambda s: set_reads.aeo(s, traders),
        "split_windows": lambda s: _split_windows(s, clock, declarations, bodies, configs),
        "live_activities": lambda s: live_reads.live_activities(s, declarations, bodies, since),
    }


def _split_windows(
    session: Session,
    clock: SystemClock,
    declarations: Sequence[Declaration],
    bodies: dict[uuid.UUID, DeclarationIn],
    configs: dict[str, RuleConfig],
) -> list[object]:
    """The split-shipment read and each declaration's windows from it, as screening makes them."""
    reads = set_reads.SetReads()
    reference = reference_service.snapshot(session=session, today=clock.now().date())
    pairs = {(d.trader_tax_code, ln.hs_code[:4]) for d in declarations for ln in bodies[d.id].lines}
    rule = configs["R-SPLIT-SHIPMENT"]
    reads.split_totals = set_reads._split_totals(session, clock, pairs, reference, rule)
    return [reads.split_windows(d, bodies[d.id]) for d in declarations]


@contextmanager
def _statements(connection: Connection) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cursor: Any, statement: str, parameters: Any, *_a: Any) -> None:
        seen.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def measure(url: str, size: int, repeat: int, explain: bool, busy: int) -> dict[str, Any]:
    prefix = f"{PREFIX}{uuid.uuid4().hex[:6].upper()}"
    busy_prefix = f"{PREFIX}B{uuid.uuid4().hex[:6].upper()}"
    engine = make_engine(url)
    if busy:
        pending(url, busy, prefix=busy_prefix, seed=29)
    pending(url, size, prefix=prefix)
    try:
        with Session(engine) as session:
            declarations = list(
                session.exec(select(Declaration).where(col(Declaration.ucr).startswith(prefix)))
            )
            declarations_service.load_versions(session=session, declarations=declarations)
            bodies = {
                d.id: declarations_service.body(session=session, declaration=d)
                for d in declarations
            }
            configs = config.rule_configs(session=session, settings=get_settings())
            model = learning.active_model(session=session)
            since = model.history_until if model is not None else None
            since = since or SystemClock().now() - timedelta(days=5)
            reads = _reads(declarations, bodies, configs, since)
            timings: dict[str, list[float]] = {name: [] for name in reads}
            for _ in range(repeat):
                for name, call in reads.items():
                    started = time.perf_counter()
                    call(session)
                    timings[name].append((time.perf_counter() - started) * 1000)
            result: dict[str, Any] = {
                "set": len(declarations),
                "declarations": session.execute(text("SELECT count(*) FROM declaration")).scalar(),
                "live_since": since.isoformat(),
                "ms": {name: round(statistics.median(t), 2) for name, t in timings.items()},
            }
            if explain:
                result["plans"] = _plans(session, reads)
    finally:
        _delete(engine, prefix)
        if busy:
            _delete(engine, busy_prefix)
        engine.dispose()
    return result


def _plans(session: Session, reads: dict[str, Read]) -> dict[str, list[str]]:
    plans: dict[str, list[str]] = {}
    connection = session.connection()
    for name, call in reads.items():
        with _statements(connection) as seen:
            call(session)
        plans[name] = []
        for statement, parameters in seen:
            raw = connection.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plans[name].append("\n".join(row[0][:160] for row in cursor.fetchall()))
    return plans


def _delete(engine: Any, prefix: str) -> None:
    """The benchmark's declarations deleted, and taken off their parties' days (if counted)."""
    with engine.begin() as connection:
        found: dict[Any, tuple[str, str, Any, set[str]]] = {}
        for declaration_id, trader, declarant, at, hs_code in connection.execute(
            text(
                "SELECT d.id, d.trader_tax_code, d.declarant_tax_code, d.lodged_at, l.hs_code "
                "FROM declaration d JOIN declaration_line l ON l.declaration_id = d.id "
                "WHERE d.ucr LIKE :p"
            ),
            {"p": f"{prefix}%"},
        ):
            found.setdefault(declaration_id, (trader, declarant, at, set()))[3].add(hs_code[:6])
        if inspect(connection).has_table("activity_day"):
            counted = [activity.Counted(t, d, at, frozenset(h)) for t, d, at, h in found.values()]
            taken = Counter({key: -n for key, n in activity.counts(counted).items()})
            activity.add(connection, taken)
        connection.execute(text("DELETE FROM declaration WHERE ucr LIKE :p"), {"p": f"{prefix}%"})


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--set", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--busy",
        type=int,
        default=0,
        help="declarations the same traders lodged just before the set (as in a load test)",
    )
    args = parser.parse_args(argv)
    result = measure(args.database_url, args.set, args.repeat, args.explain, args.busy)
    plans = result.pop("plans", {})
    print(json.dumps(result))
    for name, texts in plans.items():
        for plan in texts:
            print(f"\n== {name}\n{plan}")


if __name__ == "__main__":
    main()
