"""Fill a migrated PostgreSQL database with years of cleared declarations, to benchmark on.

The screening and the intake read a trader's history (activity counts, the split-shipment
window, earlier findings); their cost must stay flat as the tables grow. This writes
`--count` declarations that went through the gate (lodged, assessed, released, the truck gone)
over `--days` days, for `--traders` companies including the load test's own, with their
versions, lines, events, assessments and officers' decisions, by COPY:

    .venv/bin/python -m loadtests.prefill --database-url postgresql+psycopg://.../bench_1m \
        --count 1000000

The bodies are the demo's (`clearance.synthetic`), so the payloads are what the API accepts.
"""

import argparse
import json
import random
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from clearance.db import make_engine
from clearance.declarations import activity
from clearance.synthetic.declarations import make_declaration
from clearance.synthetic.parties import DEMO_TRADERS

TEMPLATES = 400
CHANNEL_SHARES = (("green", 0.85), ("yellow", 0.10), ("red", 0.05))
FRAUD_FOUND_SHARE = 0.12  # of the inspected (red) declarations
BATCH = 20_000
WORKER = "worker"


@dataclass(frozen=True)
class Template:
    payload: str  # JSON with UCR_MARK where the UCR goes
    kind: str
    lines: list[dict[str, Any]]


UCR_MARK = "@@UCR@@"


def templates(rng: random.Random, declarants: Sequence[tuple[str, str]]) -> list[Template]:
    made = []
    now = datetime.now(UTC)
    for i in range(TEMPLATES):
        body = make_declaration(rng, declarant=declarants[i % len(declarants)], now=now)
        body["ucr"] = UCR_MARK
        made.append(Template(json.dumps(body, default=str), body["kind"], body["lines"]))
    return made


def tax_codes(rng: random.Random, traders: int) -> list[str]:
    """The load test's traders first (they lodge during the benchmark), then others."""
    codes = [code for code, _name in DEMO_TRADERS]
    while len(codes) < traders:
        codes.append(f"{rng.randrange(10**9, 10**10)}")
    return codes[:traders]


def _channel(rng: random.Random) -> str:
    draw = rng.random()
    for channel, share in CHANNEL_SHARES:
        if draw < share:
            return channel
        draw -= share
    return CHANNEL_SHARES[-1][0]


@dataclass
class Rows:
    declarations: list[tuple[Any, ...]]
    versions: list[tuple[Any, ...]]
    lines: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    assessments: list[tuple[Any, ...]]
    decisions: list[tuple[Any, ...]]


def _line_rows(declaration_id: uuid.UUID, template: Template) -> Iterator[tuple[Any, ...]]:
    for line_no, line in enumerate(template.lines, start=1):
        yield (
            declaration_id,
            1,
            line_no,
            line["hs_code"],
            line["origin"],
            line["quantity"],
            line["unit"],
            line["gross_kg"],
            line["net_kg"],
            line["customs_value"],
            line["currency"],
            line.get("preference"),
        )


def _declaration_rows(
    rng: random.Random, rows: Rows, template: Template, trader: str, lodged: datetime, n: int
) -> None:
    declaration_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    channel = _channel(rng)
    assessed = lodged + timedelta(seconds=rng.uniform(1, 30))
    released = assessed + timedelta(minutes=rng.uniform(5, 240 if channel != "green" else 30))
    exited = released + timedelta(minutes=rng.uniform(10, 120))
    ucr = f"PF{lodged:%y%m%d}{n:012d}"
    payload = template.payload.replace(UCR_MARK, ucr)
    rows.declarations.append(
        (
            declaration_id,
            ucr,
            template.kind,
            "MLT",
            trader,
            trader,
            "exited",
            1,
            channel,
            lodged,
            exited,
            lodged + timedelta(hours=6),
            released - timedelta(minutes=1),
            released,
            exited,
        )
    )
    rows.versions.append((declaration_id, 1, payload, f"{n:064x}", f"trader:{trader}", lodged))
    rows.lines.extend(_line_rows(declaration_id, template))
    for action, before, after, actor, at in (
        ("lodge", None, "lodged", f"trader:{trader}", lodged),
        ("assess", "screening", "assessed", WORKER, assessed),
        ("release", "decided", "released", "system", released),
        ("exit", "released", "exited", "gate", exited),
    ):
        rows.events.append((declaration_id, 1, action, before, after, actor, "", at))
    score = rng.random() * (0.3 if channel == "green" else 1.0)
    rows.assessments.append(
        (
            declaration_id,
            1,
            score,
            channel,
            False,
            False,
            "[]",
            "below thresholds",
            "{}",
            "{}",
            assessed,
        )
    )
    if channel != "green":
        inspected = channel == "red"
        fraud = inspected and rng.random() < FRAUD_FOUND_SHARE
        rows.decisions.append(
            (
                declaration_id,
                1,
                "release",
                "officer:1",
                "",
                inspected,
                fraud,
                "[]",
                released - timedelta(minutes=2),
            )
        )


COLUMNS = {
    "declaration": "id, ucr, kind, gate_code, declarant_tax_code, trader_tax_code, state, "
    "version, channel, lodged_at, state_since, expected_arrival_at, arrived_at, released_at, "
    "exited_at",
    "declaration_version": "declaration_id, version, payload, payload_sha256, created_by, "
    "created_at",
    "declaration_line": "declaration_id, version, line_no, hs_code, origin, quantity, unit, "
    "gross_kg, net_kg, customs_value, currency, preference",
    "declaration_event": "declaration_id, version, action, from_state, to_state, actor, reason, at",
    "assessment": "declaration_id, version, score, channel, hard_hit, random_selected, reasons, "
    "channel_reason, thresholds, rule_versions, assessed_at",
    "decision": "declaration_id, version, kind, actor, reason, inspected, fraud_found, findings, "
    "decided_at",
}


def batches(args: argparse.Namespace) -> Iterator[Rows]:
    rng = random.Random(args.seed)
    codes = tax_codes(rng, args.traders)
    made = templates(rng, [(code, f"Doanh nghiệp {code}") for code in codes[:TEMPLATES]])
    end = datetime.now(UTC) - timedelta(days=1)
    start = end - timedelta(days=args.days)
    span = (end - start).total_seconds()
    # A few traders lodge most declarations, as at a real gate (Zipf-like weights).
    weights = [1 / (rank + 1) for rank in range(len(codes))]
    for first in range(0, args.count, BATCH):
        rows = Rows([], [], [], [], [], [])
        size = min(BATCH, args.count - first)
        traders = rng.choices(codes, weights=weights, k=size)
        for offset, trader in enumerate(traders):
            n = first + offset
            lodged = start + timedelta(seconds=span * n / args.count)
            _declaration_rows(rng, rows, made[n % len(made)], trader, lodged, n)
        yield rows


def _copy(
    cursor: psycopg.Cursor[Any], table: str, rows: list[tuple[Any, ...]], columns: str = ""
) -> None:
    with cursor.copy(f"COPY {table} ({columns or COLUMNS[table]}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def prefill(args: argparse.Namespace) -> dict[str, float]:
    started = time.perf_counter()
    url = args.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        # The rows are made consistent here; checking every foreign key row by row would
        # take most of the time (a superuser's setting, as the benchmark's database has).
        cursor.execute("SET session_replication_role = replica")
        for rows in batches(args):
            _copy(cursor, "declaration", rows.declarations)
            _copy(cursor, "declaration_version", rows.versions)
            _copy(cursor, "declaration_line", rows.lines)
            _copy(cursor, "declaration_event", rows.events)
            _copy(cursor, "assessment", rows.assessments)
            _copy(cursor, "decision", rows.decisions)
            connection.commit()
        engine = make_engine(args.database_url)
        with engine.begin() as counting:
            activity.rebuild(counting)
        engine.dispose()
        connection.autocommit = True
        cursor.execute("ANALYZE")
    return {"declarations": args.count, "seconds": round(time.perf_counter() - started, 1)}


# A declaration just lodged: no channel yet, nor any of the later times.
PENDING_DECLARATION_COLUMNS = (
    "id, ucr, kind, gate_code, declarant_tax_code, trader_tax_code, state, version, lodged_at, "
    "state_since, expected_arrival_at"
)


def pending(database_url: str, count: int, *, prefix: str, seed: int = 23) -> dict[str, float]:
    """`count` declarations just lodged by the demo's traders and not yet screened, by COPY:
    a worker's work list, as the API would leave it (their parties' days counted after each
    batch). Their UCRs start with `prefix`."""
    started = time.perf_counter()
    rng = random.Random(seed)
    codes = [code for code, _name in DEMO_TRADERS]
    made = templates(rng, [(code, f"Doanh nghiệp {code}") for code in codes])
    now = datetime.now(UTC)
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    engine = make_engine(database_url)
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        for first in range(0, count, BATCH):
            rows = Rows([], [], [], [], [], [])
            counted = []
            for n in range(first, min(first + BATCH, count)):
                template = made[n % len(made)]
                trader = codes[n % len(codes)]  # the template's own declarant
                _pending_rows(rng, rows, template, trader, f"{prefix}{n:012d}", now)
                hs6 = frozenset(line["hs_code"][:6] for line in template.lines)
                counted.append(activity.Counted(trader, trader, now, hs6))
            _copy(cursor, "declaration", rows.declarations, PENDING_DECLARATION_COLUMNS)
            _copy(cursor, "declaration_version", rows.versions)
            _copy(cursor, "declaration_line", rows.lines)
            _copy(cursor, "declaration_event", rows.events)
            connection.commit()
            with engine.begin() as counting:
                activity.add(counting, activity.counts(counted))
    engine.dispose()
    return {"declarations": count, "seconds": round(time.perf_counter() - started, 1)}


def _pending_rows(
    rng: random.Random, rows: Rows, template: Template, trader: str, ucr: str, now: datetime
) -> None:
    declaration_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    rows.declarations.append(
        (
            declaration_id,
            ucr,
            template.kind,
            "MLT",
            trader,
            trader,
            "lodged",
            1,
            now,
            now,
            now + timedelta(hours=6),
        )
    )
    payload = template.payload.replace(UCR_MARK, ucr)
    rows.versions.append(
        (declaration_id, 1, payload, f"{rng.getrandbits(256):064x}", f"trader:{trader}", now)
    )
    rows.lines.extend(_line_rows(declaration_id, template))
    rows.events.append((declaration_id, 1, "lodge", None, "lodged", f"trader:{trader}", "", now))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a migrated PostgreSQL database")
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--traders", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=17)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    print(json.dumps(prefill(parse_args(argv))))


if __name__ == "__main__":
    main()
