"""Intake at a fixed offered rate (`paced_intake.py`), and intake alone (`--intake-only`).

The paced run offers `--paced-rate` lodgements a second for `--paced-seconds`, open loop, and
reports answered/s, latency percentiles from each request's due time, and the CPU of each
component per lodgement. `--intake-only` runs `clearance api` without workers (its screening
jobs wait in Redis): the paced run, then wrk's burst, each beside the bare endpoint of the
same run. That isolates what lodging costs from what screening does to the machine.
"""

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from loadtests import bench_timings as timings
from loadtests.bench_phases import Run, cpu_figures
from loadtests.bench_report import database_line
from loadtests.bench_services import REPO_ROOT, BenchError, Child, wait_http
from loadtests.bench_setup import Keys, build_bodies, lodge_all
from loadtests.cpu_usage import CpuMeter, PostgresOf, Snapshot, Trees
from loadtests.paced_intake import RESULT_PREFIX
from loadtests.wrk_intake import run_wrk, write_bodies

PACED_SUFFIX = "P"
WARMUP_PER_PROCESS = 20


def paced_bodies(run: Run, keys: Keys) -> tuple[Path, int]:
    """The paced run's bodies file (UCRs ending in `-<tag>P`), and how many."""
    count = int(run.args.paced_rate * run.args.paced_seconds)
    bodies = build_bodies(keys.traders, count, suffix=f"{run.tag}{PACED_SUFFIX}", rng=run.rng)
    path = run.workdir / "paced-bodies.txt"
    write_bodies(path, ((trader.key, body) for trader, body in bodies.items))
    return path, count


def run_paced(run: Run, url: str, bodies: Path) -> dict[str, Any]:
    """`paced_intake` in a process of its own, so its CPU is the load generator's."""
    command = [
        sys.executable,
        "-m",
        "loadtests.paced_intake",
        "--url",
        url,
        "--bodies",
        str(bodies),
        "--rate",
        str(run.args.paced_rate),
    ]
    done = subprocess.run(  # noqa: S603 - our own module
        command,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=run.args.timeout,
        check=False,
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(RESULT_PREFIX)), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"paced intake failed: {done.stderr.strip()[-600:]}")
    result: dict[str, Any] = json.loads(line.removeprefix(RESULT_PREFIX))
    return result


WRITER_CPU_METRIC = "clearance_lodging_writer_cpu_seconds_total"


def writer_cpu_seconds(service_url: str) -> float | None:
    """The API processes' CPU seconds in their set writers so far (from /metrics), if served."""
    try:
        text = httpx.get(f"{service_url}/metrics", timeout=10).text
    except httpx.HTTPError:
        return None
    found = [ln.split()[-1] for ln in text.splitlines() if ln.startswith(WRITER_CPU_METRIC)]
    return float(found[0]) if found else None


def with_writer_split(cpu: dict[str, Any], writer_seconds: float | None) -> dict[str, Any]:
    """The API's CPU split: the set writer's thread, and the rest (the requests' path)."""
    units, api = cpu["units"], cpu["seconds"].get("api")
    if writer_seconds is None or api is None or not units:
        return cpu
    per_unit = cpu["ms_per_unit"]
    per_unit["api_set_writer"] = round(writer_seconds * 1000 / units, 3)
    per_unit["api_request_path"] = round((api - writer_seconds) * 1000 / units, 3)
    return cpu


def measured_paced(run: Run, url: str, bodies: Path, meter: CpuMeter) -> dict[str, Any]:
    """The paced run with the CPU of `meter`'s components per lodgement."""
    service_url = url.removesuffix("/v1/declarations")
    writer_before = writer_cpu_seconds(service_url)
    before = Snapshot.now()
    meter.start()
    result = run_paced(run, url, bodies)
    seconds = meter.stop()
    after = Snapshot.now()
    writer_after = writer_cpu_seconds(service_url)
    writer = (
        writer_after - writer_before
        if writer_before is not None and writer_after is not None
        else None
    )
    cpu = with_writer_split(cpu_figures(seconds, before, after, result["answered"]), writer)
    return result | {"cpu": cpu}


def paced_with_workers(
    run: Run, keys: Keys, url: str, connection: psycopg.Connection[Any], processes: list[Child]
) -> dict[str, Any] | None:
    """The paced run against the whole service, then lodged -> channel of what it lodged.

    `processes` are the API, then the workers. CPU is measured while the requests are sent;
    the run then waits (at most `--timeout`) until every paced declaration has its channel,
    so that the wrk burst after it starts on an empty queue.
    """
    if run.args.paced_rate <= 0:
        return None
    paced_file, _offered = paced_bodies(run, keys)
    api, *workers = processes
    meter = CpuMeter(
        {
            "api": Trees(api.pid),
            "database": PostgresOf(run.database.name),
            "redis": Trees(run.redis.pid),
            "workers": Trees(*(w.pid for w in workers)),
        }
    )
    figures = measured_paced(run, f"{url}/v1/declarations", paced_file, meter)
    suffix = f"{run.tag}{PACED_SUFFIX}"
    deadline = time.monotonic() + run.args.timeout
    while time.monotonic() < deadline:
        # What the service accepted (a request the client gave up on was never lodged).
        if timings.progress(connection, suffix).with_channel >= figures["accepted"]:
            break
        if dead := [p for p in [run.redis, *processes] if not p.alive()]:
            raise BenchError(f"{dead[0].name} ended:\n{dead[0].tail()}")
        time.sleep(0.25)
    figures["end_to_end"] = timings.end_to_end(timings.timelines(connection, suffix))
    figures["sets"] = timings.screening_sets(connection, suffix)
    return figures


def _components(run: Run, api: Child) -> CpuMeter:
    return CpuMeter(
        {
            "api": Trees(api.pid),
            "database": PostgresOf(run.database.name),
            "redis": Trees(run.redis.pid),
        }
    )


def intake_only(run: Run, keys: Keys, bodies_file: Path, port: int) -> dict[str, Any]:
    """`clearance api` alone: the paced run, then wrk's burst; CPU of each per lodgement."""
    api = run.start(
        "api",
        [
            sys.executable,
            "-m",
            "clearance",
            "api",
            "--processes",
            str(run.args.api_processes),
            "--port",
            str(port),
        ],
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/readyz", api)
        warm = build_bodies(
            keys.traders,
            WARMUP_PER_PROCESS * run.args.api_processes,
            suffix=f"{run.tag}U",
            rng=run.rng,
        )
        if failures := lodge_all(url, warm, 4):
            raise BenchError(f"warm-up lodgements failed: {failures[:3]}")
        figures: dict[str, Any] = {}
        if run.args.paced_rate > 0:
            paced_file, _paced_count = paced_bodies(run, keys)
            figures["paced"] = measured_paced(
                run, f"{url}/v1/declarations", paced_file, _components(run, api)
            )
        meter = _components(run, api)
        writer_before = writer_cpu_seconds(url)
        before = Snapshot.now()
        meter.start()
        result = run_wrk(
            url=f"{url}/v1/declarations",
            bodies=bodies_file,
            threads=run.args.threads,
            connections=run.args.connections,
            timeout=run.args.timeout,
            workdir=run.workdir,
        )
        seconds = meter.stop()
        after = Snapshot.now()
        writer_after = writer_cpu_seconds(url)
        writer = (
            writer_after - writer_before
            if writer_before is not None and writer_after is not None
            else None
        )
        cpu = with_writer_split(cpu_figures(seconds, before, after, result.answered), writer)
        figures["wrk"] = result.to_json() | {"cpu": cpu}
        with run.database.connect() as connection:
            figures["in_database"] = _count(connection, f"{run.tag}W")
    finally:
        api.stop()
    return figures


def _count(connection: psycopg.Connection[Any], suffix: str) -> int:
    return timings.progress(connection, suffix).declarations


def paced_rows(paced: dict[str, Any], label: str) -> list[str]:
    latency, cpu = paced["latency_ms"], paced["cpu"]["ms_per_unit"]
    channel = paced.get("end_to_end", {}).get("lodged_to_channel_ms")
    tail = (
        [
            f"    lodged -> channel, ms: p50 {channel.get('p50')}, p99 {channel.get('p99')}, max "
            f"{channel.get('max')} ({paced['end_to_end']['with_channel']} with a channel)",
            *(
                [f"    screening sets: {sets['sets']}, mean size {sets['mean_size']}"]
                if (sets := paced.get("sets"))
                else []
            ),
        ]
        if channel
        else []
    )
    return [
        f"  {label}: offered {paced['offered_per_second']:g}/s for {paced['bodies']} bodies; "
        f"answered {paced['answered_per_second']}/s, {paced['accepted']} accepted, "
        f"{paced['refused']} refused, {paced['errors']} errors "
        f"{paced.get('error_samples', [])[:1]}, {paced.get('reconnects', 0)} sent again on a new "
        "connection (the server had closed an idle one)",
        f"    latency from due time, ms: p50 {latency['p50']}, p90 {latency['p90']}, p95 "
        f"{latency['p95']}, p99 {latency['p99']}, p99.9 {latency['p99.9']}, max {latency['max']}"
        f" (waited for a connection p99 {paced['late_ms']['p99']} ms)",
        "    CPU ms per lodgement: "
        + ", ".join(f"{name} {value}" for name, value in cpu.items() if value is not None)
        + f"; machine busy {paced['cpu']['machine_busy_share']:.0%}",
        *tail,
    ]


def intake_only_table(result: dict[str, Any]) -> str:
    """The figures of an `--intake-only` run, as text."""
    s, machine, figures = result["settings"], result["machine"], result["intake"]
    lines = [
        f"clearance intake benchmark {result['started_at']}, commit {machine['commit']}",
        f"  API processes {s['api_processes']}, no workers; wrk {s['count']} bodies, threads "
        f"{s['threads']}, connections {s['connections']}",
        f"  {machine['cpus']} CPUs, load average {machine['load_average_before']} before; "
        f"PostgreSQL {machine['postgres']}, Redis {machine['redis']}, {machine['wrk']}",
        database_line(result),
        "",
    ]
    if "paced" in figures:
        lines += paced_rows(figures["paced"], "service, paced")
        lines.append("")
    lines.append(
        f"  {'wrk (closed loop)':<38}{'req/s':>10}{'p50':>10}{'p99':>10}{'API ms':>10}"
        f"{'DB ms':>10}{'Redis ms':>10}"
    )
    runs = [("service", figures["wrk"])]
    bare = result.get("bare_api", {}).get("runs", [])
    runs += [(f"bare FastAPI, {w}", r) for w, r in zip(("before", "after"), bare, strict=False)]
    for label, run in runs:
        cpu = run["cpu"]["ms_per_unit"]
        cells = [
            run["requests_per_second"],
            run["latency_ms"]["p50"],
            run["latency_ms"]["p99"],
            cpu.get("api"),
            cpu.get("database"),
            cpu.get("redis"),
        ]
        lines.append(f"  {label:<38}" + "".join(f"{_cell(v):>10}" for v in cells))
    wrk_cpu = figures["wrk"]["cpu"]["ms_per_unit"]
    if "api_set_writer" in wrk_cpu:
        lines.append(
            f"  service's API CPU ms per lodgement: set writer {wrk_cpu['api_set_writer']}, "
            f"the rest (the requests' path) {wrk_cpu['api_request_path']}"
        )
    lines.append(f"  lodged in the database by wrk: {figures['in_database']} of {s['count']}")
    lines.append("")
    lines.append("Problems: " + ("; ".join(result["problems"]) if result["problems"] else "none"))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)
