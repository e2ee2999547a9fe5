"""What the benchmark reads back from the service's own tables: lodgements, channels, releases.

Times come from `declaration_event` (loadtests/README.md, the pipeline benchmark): `lodge`,
`screen` (a worker took the declaration), `assess` (its channel), and `release` into
`released`. The green decision is also a `release` event, into `decided`: not the release.
"""

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from loadtests.bench_pipeline import percentile

TIMELINES = """
SELECT d.ucr, d.channel, d.state,
       min(e.at) FILTER (WHERE e.action = 'lodge'),
       min(e.at) FILTER (WHERE e.action = 'screen'),
       min(e.at) FILTER (WHERE e.action = 'assess'),
       min(e.at) FILTER (WHERE e.action = 'release' AND e.to_state = 'released')
FROM declaration d LEFT JOIN declaration_event e ON e.declaration_id = d.id
WHERE d.ucr LIKE %(pattern)s
GROUP BY d.id
"""
PROGRESS = """
SELECT count(*), count(channel),
       count(*) FILTER (WHERE channel = 'green' AND arrived_at IS NOT NULL
                        AND state IN ('lodged', 'screening', 'assessed', 'decided'))
FROM declaration WHERE ucr LIKE %(pattern)s
"""
# Screening writes a set's assessments in one transaction: rows of one set share `xmin`.
SETS = """
SELECT count(*), count(DISTINCT a.xmin::text)
FROM assessment a JOIN declaration d ON d.id = a.declaration_id
WHERE d.ucr LIKE %(pattern)s
"""
QUANTILES = (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))


@dataclass(frozen=True)
class Timeline:
    """One declaration of the run, from its events."""

    ucr: str
    channel: str | None
    state: str
    lodged_at: datetime | None
    screened_at: datetime | None
    assessed_at: datetime | None
    released_at: datetime | None


@dataclass(frozen=True)
class Progress:
    declarations: int
    with_channel: int
    awaiting_release: int  # green and arrived, not released yet


def ucr_pattern(suffix: str) -> str:
    """The LIKE pattern of the UCRs that end in `-<suffix>`."""
    return f"%-{suffix}"


def progress(connection: psycopg.Connection[Any], suffix: str) -> Progress:
    row = connection.execute(PROGRESS, {"pattern": ucr_pattern(suffix)}).fetchone()
    assert row is not None  # an aggregate always answers one row
    return Progress(declarations=row[0], with_channel=row[1], awaiting_release=row[2])


def timelines(connection: psycopg.Connection[Any], suffix: str) -> list[Timeline]:
    rows = connection.execute(TIMELINES, {"pattern": ucr_pattern(suffix)}).fetchall()
    return [Timeline(*row) for row in rows]


def screening_sets(connection: psycopg.Connection[Any], suffix: str) -> dict[str, Any]:
    """How many screening transactions (sets) assessed these declarations, and their mean size
    (a set that also held other runs' declarations counts once here)."""
    row = connection.execute(SETS, {"pattern": ucr_pattern(suffix)}).fetchone()
    assert row is not None  # an aggregate always answers one row
    assessed, sets = row
    return {"assessed": assessed, "sets": sets, "mean_size": round(assessed / max(sets, 1), 1)}


def _ms(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() * 1000 if start and end else None


def distribution(values: Sequence[float]) -> dict[str, float]:
    """n, mean, p50, p95, p99 and max (nearest rank: values that were measured)."""
    if not values:
        return {"n": 0}
    figures = {"n": len(values), "mean": round(sum(values) / len(values), 1)}
    figures |= {name: round(percentile(values, share), 1) for name, share in QUANTILES}
    return figures | {"max": round(max(values), 1)}


def per_second(count: int, first: datetime | None, last: datetime | None) -> float:
    """`count` over the seconds between two instants (0 when they coincide)."""
    if first is None or last is None or last <= first:
        return 0.0
    return count / (last - first).total_seconds()


def end_to_end(lines: Sequence[Timeline]) -> dict[str, Any]:
    """Lodge -> channel, the worker's own time per declaration, and the workers' rate."""
    to_channel = [v for t in lines if (v := _ms(t.lodged_at, t.assessed_at)) is not None]
    screening = [v for t in lines if (v := _ms(t.screened_at, t.assessed_at)) is not None]
    waiting = [v for t in lines if (v := _ms(t.lodged_at, t.screened_at)) is not None]
    assessed = sorted(t.assessed_at for t in lines if t.assessed_at)
    first, last = (assessed[0], assessed[-1]) if assessed else (None, None)
    return {
        "declarations": len(lines),
        "with_channel": sum(1 for t in lines if t.channel),
        "channels": dict(Counter(str(t.channel) for t in lines)),
        "lodged_to_channel_ms": distribution(to_channel),
        "lodged_to_screening_ms": distribution(waiting),
        "screening_ms": distribution(screening),
        # As asked: assessed / (last assess - first assess), the workers' throughput.
        "worker_declarations_per_second": round(per_second(len(assessed), first, last), 2),
        "assess_span_seconds": round((last - first).total_seconds(), 3) if first and last else 0,
    }


def releases(lines: Sequence[Timeline]) -> dict[str, Any]:
    """Lodge -> release of the green declarations among `lines`."""
    green = [t for t in lines if t.channel == "green"]
    released = [v for t in green if (v := _ms(t.lodged_at, t.released_at)) is not None]
    return {
        "declarations": len(lines),
        "green": len(green),
        "released": len(released),
        "states": dict(Counter(t.state for t in lines)),
        "lodged_to_released_ms": distribution(released),
    }


def ratio(service: float, bare: float) -> float | None:
    """service / bare, or None without a bare figure."""
    return round(service / bare, 4) if bare and not math.isnan(bare) else None
