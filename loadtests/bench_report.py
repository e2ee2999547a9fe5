"""The benchmark's output: a table for people, the same figures (and more) as JSON."""

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from loadtests.bench_timings import ratio

LATENCIES = ("p50", "p95", "p99")
COMPONENTS = ("api", "database", "redis", "workers", "load_generator")
_WHEN = ("before the service", "after the service")


def ratios(result: dict[str, Any]) -> dict[str, float | None]:
    """Service / bare, for each figure both have: what holds on a noisy machine."""
    service, bare_api, bare_rq = result["service"], result.get("bare_api"), result.get("bare_rq")
    found: dict[str, float | None] = {}
    if bare_api:
        intake = service["intake"]
        found["intake_requests_per_second"] = ratio(
            intake["requests_per_second"], bare_api["requests_per_second"]
        )
        for name in LATENCIES:
            found[f"intake_{name}"] = ratio(
                intake["latency_ms"][name], bare_api["latency_ms"][name]
            )
        cpu = service["cpu"]
        per_request = cpu["seconds"]["api"] * 1000 / cpu["requests"] if cpu["requests"] else 0.0
        found["api_cpu_ms_per_request"] = ratio(per_request, bare_api["cpu"]["ms_per_unit"]["api"])
    if bare_rq:
        found["worker_per_second"] = ratio(
            service["end_to_end"]["worker_declarations_per_second"], bare_rq["jobs_per_second"]
        )
    return found


def _mean(values: Iterable[float]) -> float:
    found = list(values)
    return round(sum(found) / len(found), 3) if found else 0.0


def combine_bare_api(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The bare endpoint's runs (before and after the service), and their means."""
    return {
        "runs": runs,
        "accepted": min(run["accepted"] for run in runs),
        "refused": sum(run["refused"] for run in runs),
        "requests_per_second": _mean(run["requests_per_second"] for run in runs),
        "latency_ms": {n: _mean(run["latency_ms"][n] for run in runs) for n in LATENCIES},
        "cpu": {"ms_per_unit": {"api": _mean(run["cpu"]["ms_per_unit"]["api"] for run in runs)}},
    }


def combine_bare_rq(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The bare RQ runs (before and after the service), and their means."""
    return {
        "runs": runs,
        "jobs": min(run["jobs"] for run in runs),
        "finished": min(run["finished"] for run in runs),
        "jobs_per_second": _mean(run["jobs_per_second"] for run in runs),
        "cpu": {
            "ms_per_unit": {
                name: _mean(run["cpu"]["ms_per_unit"][name] for run in runs)
                for name in ("redis", "workers")
            }
        },
    }


def write_json(path: Path, result: dict[str, Any]) -> None:
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")


def _row(label: str, values: Iterable[Any], width: int = 10) -> str:
    cells = "".join(f"{_cell(v):>{width}}" for v in values)
    return f"  {label:<38}{cells}"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def _intake_rows(result: dict[str, Any]) -> list[str]:
    lines = [_row("Intake, POST /v1/declarations (wrk)", ["req/s", *LATENCIES, "refused"])]
    bare = result.get("bare_api")
    rows = [("service", result["service"]["intake"])]
    if bare:
        rows += [(f"bare FastAPI, {_WHEN[i]}", run) for i, run in enumerate(bare["runs"])]
        rows.append(("bare FastAPI, mean", bare))
    for label, figures in rows:
        latency = figures["latency_ms"]
        rate = figures["requests_per_second"]
        lines.append(_row(label, [rate, *(latency[n] for n in LATENCIES), figures["refused"]]))
    found = result["ratios"]
    if "intake_requests_per_second" in found:
        values = [found["intake_requests_per_second"], *(found[f"intake_{n}"] for n in LATENCIES)]
        lines.append(_row("service / bare", values))
    lines.append("  (latencies in ms, as wrk reports them; ratios against the bare means)")
    return lines


def _paced_rows(result: dict[str, Any]) -> list[str]:
    from loadtests.bench_intake import paced_rows  # it imports the phases, which import this

    paced = result["service"].get("paced")
    return [*paced_rows(paced, "Intake at a fixed offered rate (open loop)"), ""] if paced else []


def _worker_rows(result: dict[str, Any]) -> list[str]:
    lines = [_row("Workers", ["per s"])]
    e2e = result["service"]["end_to_end"]
    lines.append(_row("service: declarations screened", [e2e["worker_declarations_per_second"]]))
    if sets := result["service"].get("sets"):
        lines.append(_row("service: mean set size (wrk's)", [sets["mean_size"]]))
    if bare := result.get("bare_rq"):
        for i, run in enumerate(bare["runs"]):
            lines.append(_row(f"bare RQ no-op, {_WHEN[i]}", [run["jobs_per_second"]]))
        lines.append(_row("bare RQ no-op, mean", [bare["jobs_per_second"]]))
        lines.append(_row("service / bare", [result["ratios"]["worker_per_second"]]))
    return lines


def _end_to_end_rows(result: dict[str, Any]) -> list[str]:
    e2e, sample = result["service"]["end_to_end"], result["service"]["release_sample"]
    lines = [_row("End to end (ms, from the events)", ["n", "p50", "p99", "max"])]
    for label, figures in (
        ("lodged -> channel", e2e["lodged_to_channel_ms"]),
        ("  lodged -> taken by a worker", e2e["lodged_to_screening_ms"]),
        ("  taken -> channel (worker's own)", e2e["screening_ms"]),
        ("lodged -> released (sample, green)", sample["lodged_to_released_ms"]),
    ):
        lines.append(_row(label, [figures.get(k) for k in ("n", "p50", "p99", "max")]))
    lines.append(f"  channels {e2e['channels']}; sample: {sample['green']} green of ")
    lines[-1] += f"{sample['declarations']}, {sample['released']} released"
    return lines


def _cpu_rows(result: dict[str, Any]) -> list[str]:
    cpu = result["service"]["cpu"]
    lines = [
        _row(
            f"CPU ms per declaration ({cpu['units']})",
            ["API", "database", "Redis", "workers", "load gen"],
        ),
        _row("service phase", [cpu["ms_per_unit"][c] for c in COMPONENTS]),
    ]
    if bare := result.get("bare_api"):
        lines.append(_row("bare FastAPI, per request (mean)", [bare["cpu"]["ms_per_unit"]["api"]]))
    if bare_rq := result.get("bare_rq"):
        per_job = bare_rq["cpu"]["ms_per_unit"]
        per_job_row = [None, None, per_job["redis"], per_job["workers"]]
        lines.append(_row("bare RQ, per job (mean)", per_job_row))
    busy = cpu["machine_busy_share"]
    lines.append(
        f"  service phase {cpu['wall_seconds']} s: machine busy {busy:.0%} of "
        f"{result['machine']['cpus']} CPUs; {cpu['outside_run_seconds']} CPU-s outside the "
        f"measured processes; PostgreSQL cluster-wide {cpu['postgres_cluster_seconds']} CPU-s"
    )
    return lines


def _memory_rows(result: dict[str, Any]) -> list[str]:
    lines = []
    rss = result["service"]["worker_rss_mb"]
    pairs = ", ".join(f"{w['start']} -> {w['end']}" for w in rss)
    lines.append(f"  service workers' RSS over the service phase (MB): {pairs}")
    for key in ("worker_memory", "worker_memory_declarations"):
        if memory := result.get(key):
            mb = memory["rss_mb"]
            lines.append(
                f"  one clearance worker, {memory['done']} of {memory['units']} {memory['unit']} "
                f"at {memory['per_second']}/s: RSS after the first {mb['start']} MB, after 10% "
                f"{mb['after_10_percent']} MB, at the end {mb['end']} MB (max {mb['max']} MB); "
                f"{memory['growth_after_10_percent_mb']:+} MB from 10% to the end"
            )
    return lines


def database_line(result: dict[str, Any]) -> str:
    """How full the database was: the cost per declaration must not grow with the tables."""
    prefilled = result.get("prefill")
    if not prefilled:
        return "  database: empty before the run"
    return (
        f"  database: {prefilled['declarations']:,} cleared declarations before the run "
        f"(written in {prefilled['seconds']} s)"
    )


def table(result: dict[str, Any]) -> str:
    """The figures of one run, as text."""
    s, machine = result["settings"], result["machine"]
    lines = [
        f"clearance benchmark {result['started_at']}, commit {machine['commit']}",
        f"  API processes {s['api_processes']}, workers {s['workers']}, declarations {s['count']} "
        f"(+{s['release_sample']} through release), wrk threads {s['threads']}, connections "
        f"{s['connections']}, model {result['setup']['model'] or 'none'}",
        f"  {machine['cpus']} CPUs, load average {machine['load_average_before']} before; "
        f"PostgreSQL {machine['postgres']}, Redis {machine['redis']}, {machine['wrk']}",
        database_line(result),
        "",
        *_paced_rows(result),
        *_intake_rows(result),
        "",
        *_worker_rows(result),
        "",
        *_end_to_end_rows(result),
        "",
        *_cpu_rows(result),
        "",
        "Memory",
        *_memory_rows(result),
        "",
        "Problems: " + ("; ".join(result["problems"]) if result["problems"] else "none"),
    ]
    return "\n".join(lines)
