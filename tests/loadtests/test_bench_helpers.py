"""The benchmark's pure parts: wrk's result line, percentiles, process roles, memory series."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from loadtests.bench_memory import memory_figures
from loadtests.bench_report import combine_bare_api, combine_bare_rq
from loadtests.bench_timings import distribution, per_second
from loadtests.cpu_usage import postgres_role
from loadtests.wrk_intake import RESULT_PREFIX, WrkError, parse_output


def _thread(
    id_: int, statuses: dict[str, int], first: int, last: int, **extra: object
) -> dict[str, Any]:
    answered = sum(statuses.values())
    return {
        "id": id_,
        "bodies": answered,
        "sent": answered,
        "answered": answered,
        "filler": 0,
        "first_us": first,
        "last_us": last,
        "statuses": statuses,
        "refusals": {},
    } | extra


def _wrk_stdout(*threads: dict[str, Any]) -> str:
    raw = {
        "threads": list(threads),
        "latency_us": {"p50": 1500, "p95": 9000, "p99": 20000, "max": 31000, "mean": 2500},
        "wrk_requests": 10,
        "wrk_duration_us": 5_000_000,
        "errors": {"connect": 0, "read": 0, "write": 0, "status": 1, "timeout": 0},
    }
    return f"Running 10s test @ http://x\n{RESULT_PREFIX}{json.dumps(raw)}\n"


def test_wrk_result_sums_the_threads_and_times_first_request_to_last_answer() -> None:
    stdout = _wrk_stdout(
        _thread(0, {"202": 5}, first=1_000_000, last=2_000_000),
        _thread(
            1,
            {"202": 4, "422": 1},
            first=1_100_000,
            last=3_500_000,
            refusals=['422 {"detail":"ucr"}'],
        ),
    )

    result = parse_output(stdout)

    assert (result.bodies, result.answered, result.accepted, result.refused) == (10, 10, 9, 1)
    assert result.statuses == {202: 9, 422: 1}
    assert result.refusals == ['422 {"detail":"ucr"}']
    assert result.seconds == pytest.approx(2.5)
    assert result.requests_per_second == pytest.approx(4.0)
    assert result.latency_ms["p99"] == pytest.approx(20.0)
    assert result.complete
    assert "status" not in result.socket_errors  # a refusal is not a socket error


def test_a_thread_that_never_finished_leaves_the_run_incomplete() -> None:
    unfinished = _thread(1, {"202": 2}, first=1_000_000, last=0, bodies=5)

    result = parse_output(_wrk_stdout(_thread(0, {"202": 5}, 1_000_000, 2_000_000), unfinished))

    assert not result.complete
    assert result.bodies - result.answered == 3


def test_wrk_output_without_the_result_line_is_an_error() -> None:
    with pytest.raises(WrkError, match="no result"):
        parse_output("Running 10s test @ http://x\nunable to connect\n")


def test_distribution_uses_nearest_rank_percentiles() -> None:
    figures = distribution([float(v) for v in range(100, 0, -1)])

    assert figures == {"n": 100, "mean": 50.5, "p50": 50, "p95": 95, "p99": 99, "max": 100}
    assert distribution([]) == {"n": 0}
    assert distribution([7.0])["p99"] == 7.0


def test_a_rate_needs_two_distinct_instants() -> None:
    start = datetime(2026, 11, 29, tzinfo=UTC)

    assert per_second(50, start, start + timedelta(seconds=10)) == 5.0
    assert per_second(50, start, start) == 0.0
    assert per_second(0, None, None) == 0.0


@pytest.mark.parametrize(
    ("cmdline", "role"),
    [
        ("/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main", "postmaster"),
        ("postgres: 15/main: postgres bench_ab12 127.0.0.1(41464) idle", "ours"),
        ("postgres: postgres bench_ab12 [local] SELECT", "ours"),
        ("postgres: 15/main: autovacuum worker bench_ab12", "ours"),
        ("postgres: 15/main: postgres bench_ab123 127.0.0.1(41464) idle", "other"),
        ("postgres: 15/main: walwriter ", "background"),
        ("postgres: checkpointer", "background"),
        ("/usr/bin/python -m clearance api", None),
    ],
)
def test_postgres_processes_are_told_apart_by_their_command_line(
    cmdline: str, role: str | None
) -> None:
    assert postgres_role(cmdline, "bench_ab12") == role


def test_memory_figures_take_rss_after_the_first_job_a_tenth_and_at_rest() -> None:
    mb = 1024 * 1024
    points = [(0.0, 0, 50 * mb, 60 * mb)] + [
        (float(i), i * 100, (100 + i) * mb, (200 + i) * mb) for i in range(1, 11)
    ]

    figures = memory_figures(points, idle=(11.0, 1000, 111 * mb, 211 * mb), units=1000)

    assert figures["rss_mb"] == {
        "start": 101.0,
        "after_10_percent": 101.0,
        "end": 111.0,
        "max": 110.0,
    }
    assert figures["growth_after_10_percent_mb"] == 10.0
    assert figures["per_second"] == 100.0
    assert [p["done"] for p in figures["series"]] == [100 * max(1, i) for i in range(11)]


def test_the_bare_runs_are_averaged_and_kept() -> None:
    def api_run(rate: float, p99: float, cpu: float) -> dict[str, Any]:
        latency = {"p50": 1.0, "p95": 2.0, "p99": p99}
        cpu_figures = {"ms_per_unit": {"api": cpu}}
        return {
            "accepted": 3,
            "refused": 0,
            "requests_per_second": rate,
            "latency_ms": latency,
            "cpu": cpu_figures,
        }

    def rq_run(rate: float, finished: int) -> dict[str, Any]:
        cpu_figures = {"ms_per_unit": {"redis": 1.0, "workers": rate / 100}}
        return {"jobs": 3, "finished": finished, "jobs_per_second": rate, "cpu": cpu_figures}

    api = combine_bare_api([api_run(1000.0, 40.0, 1.0), api_run(2000.0, 20.0, 0.5)])
    rq = combine_bare_rq([rq_run(100.0, 3), rq_run(300.0, 2)])

    assert (api["requests_per_second"], api["latency_ms"]["p99"]) == (1500.0, 30.0)
    assert api["cpu"]["ms_per_unit"]["api"] == 0.75
    assert len(api["runs"]) == 2
    assert (rq["jobs_per_second"], rq["finished"], rq["cpu"]["ms_per_unit"]["workers"]) == (
        200.0,
        2,
        2.0,
    )
