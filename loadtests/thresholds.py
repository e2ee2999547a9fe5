"""The locust scenario's thresholds: a p99 limit per step and a fail ratio, from the environment.

It reads locust's stats without importing locust, whose import patches the standard library
with gevent: the test suite imports this module.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

P99_MS_ENV = "CLEARANCE_LOADTEST_P99_MS"  # every step; CLEARANCE_LOADTEST_P99_MS_<STEP> for one
MAX_FAIL_RATIO_ENV = "CLEARANCE_LOADTEST_MAX_FAIL_RATIO"
DEFAULT_P99_MS = 50.0
DEFAULT_MAX_FAIL_RATIO = 0.01


@dataclass(frozen=True)
class Step:
    """A named request of the scenario: one locust stats entry, with a p99 limit of its own."""

    name: str
    method: str
    user: str

    @property
    def p99_env(self) -> str:
        return f"{P99_MS_ENV}_{self.name.upper()}"


STEPS = (
    Step("lodge", "POST", "trader"),
    Step("upload", "POST", "trader"),
    Step("status", "GET", "trader"),
    Step("amend", "POST", "trader"),
    Step("arrival", "POST", "gate"),
    Step("claim", "POST", "officer"),
    Step("documents", "GET", "officer"),
    Step("check", "POST", "officer"),
    Step("inspect", "POST", "officer"),
    Step("decide", "POST", "officer"),
    Step("release", "DELETE", "officer"),
    Step("recheck", "GET", "officer"),
    Step("metrics", "GET", "operator"),
    Step("report", "GET", "operator"),
)


class StatsEntry(Protocol):
    """What is read of one of locust's `StatsEntry`s."""

    num_requests: int
    num_failures: int

    @property
    def fail_ratio(self) -> float: ...

    @property
    def total_rps(self) -> float: ...

    def get_response_time_percentile(self, percent: float) -> float: ...


class RequestStats(Protocol):
    """What is read of locust's `RequestStats`: an entry per (name, method), and the total."""

    @property
    def entries(self) -> Mapping[tuple[str, str], StatsEntry]: ...

    @property
    def total(self) -> StatsEntry: ...


def env_float(name: str, default: float, environ: Mapping[str, str] = os.environ) -> float:
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise SystemExit(f"{name}={value!r} is not a number") from None


def p99_limit(step: Step, environ: Mapping[str, str] = os.environ) -> float:
    """The step's own limit, else the limit of every step, in ms."""
    default = env_float(P99_MS_ENV, DEFAULT_P99_MS, environ)
    return env_float(step.p99_env, default, environ)


def _entry(stats: RequestStats, step: Step) -> StatsEntry | None:
    entry = stats.entries.get((step.name, step.method))
    return entry if entry is not None and entry.num_requests else None


def missed_thresholds(stats: RequestStats, environ: Mapping[str, str] = os.environ) -> list[str]:
    """Each threshold the run missed, as a sentence; empty when all were met.

    A step that made no request has no p99 to judge (an empty review queue is no failure),
    but a run that lodged nothing tested nothing.
    """
    missed: list[str] = []
    lodge = stats.entries.get(("lodge", "POST"))
    if lodge is None or lodge.num_requests - lodge.num_failures == 0:
        missed.append("no declaration was lodged")
    for step in STEPS:
        entry = _entry(stats, step)
        if entry is None:
            continue
        limit = p99_limit(step, environ)
        p99 = entry.get_response_time_percentile(0.99)
        if p99 > limit:
            missed.append(f"{step.name}: p99 {p99:.0f} ms > {limit:g} ms")
    max_fail_ratio = env_float(MAX_FAIL_RATIO_ENV, DEFAULT_MAX_FAIL_RATIO, environ)
    if stats.total.fail_ratio > max_fail_ratio:
        missed.append(f"fail ratio {stats.total.fail_ratio:.2%} > {max_fail_ratio:.2%}")
    return missed


def summary(stats: RequestStats, environ: Mapping[str, str] = os.environ) -> list[str]:
    """A line per step that made requests, and one for all of them: the figures the README keeps."""
    lines = [
        f"{'step':<10} {'user':<9} {'requests':>8} {'fails':>6} {'req/s':>6} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'limit':>7}"
    ]
    for step in STEPS:
        entry = _entry(stats, step)
        if entry is None:
            continue
        lines.append(
            f"{step.name:<10} {step.user:<9} {entry.num_requests:>8} {entry.num_failures:>6} "
            f"{entry.total_rps:>6.1f} {entry.get_response_time_percentile(0.5):>7.0f} "
            f"{entry.get_response_time_percentile(0.99):>7.0f} {p99_limit(step, environ):>7g}"
        )
    total = stats.total
    lines.append(
        f"{'all':<10} {'':<9} {total.num_requests:>8} {total.num_failures:>6} "
        f"{total.total_rps:>6.1f}   fail ratio {total.fail_ratio:.2%}"
    )
    return lines
