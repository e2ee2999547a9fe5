"""The whole service under load on this machine, with bare baselines measured in the same run.

    python -m loadtests.bench --count 3000 --api-processes 2 --workers 2 --json bench.json

Everything is private to the run and removed at its end (even on Ctrl-C): a database
`bench_<hex>` on the local PostgreSQL, a redis-server on a free port, `clearance api` with N
processes and M `clearance worker`s. It prints intake req/s and latency (wrk), lodged ->
channel and lodged -> released times (from the service's own events), the workers' rate, CPU
milliseconds per declaration for each component, and a worker's memory over many jobs, next to
a bare FastAPI endpoint and a bare RQ job run just before and after on the same machine: on
a shared, noisy machine a ratio to a bare figure of the same run is meant to hold better than
the absolute figures. See loadtests/README.md.
"""

import argparse
import os
import platform
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from redis import Redis

from clearance.embedded import free_port
from loadtests.bench_intake import intake_only, intake_only_table
from loadtests.bench_memory import declarations_memory, worker_memory
from loadtests.bench_phases import Run, bare_api, bare_rq, service
from loadtests.bench_report import combine_bare_api, combine_bare_rq, ratios, table, write_json
from loadtests.bench_services import (
    DEFAULT_PG_ADMIN_URL,
    PG_ADMIN_URL_ENV,
    REPO_ROOT,
    BenchError,
    Child,
    PrivateDatabase,
    database_exists,
    service_env,
    start_redis,
)
from loadtests.bench_setup import Keys, build_bodies, prefill_history, prepare_database
from loadtests.cpu_usage import cpu_count
from loadtests.wrk_intake import WrkError, write_bodies

PACKAGES = ("fastapi", "uvicorn", "pydantic", "sqlalchemy", "psycopg", "rq", "redis")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m loadtests.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--api-processes", type=int, default=2, help="`clearance api --processes` (2)")
    add("--workers", type=int, default=2, help="`clearance worker` processes (2)")
    add("--count", type=int, default=3000, help="declarations wrk lodges (3000)")
    add("--connections", type=int, default=32, help="wrk's connections (32)")
    add("--threads", type=int, default=2, help="wrk's threads (2)")
    add("--release-sample", type=int, default=200, help="declarations taken to release (200)")
    add("--rss-jobs", type=int, default=10000, help="no-op jobs for the memory run; 0: none")
    add("--rss-declarations", type=int, default=0, help="declarations for it (0; 100000)")
    add("--timeout", type=float, default=1200.0, help="seconds each phase may take (1200)")
    add("--model", action=argparse.BooleanOptionalAction, default=True, help="screen with a model")
    add("--skip-baselines", action="store_true", help="no bare FastAPI or bare RQ run")
    add("--paced-rate", type=float, default=300.0, help="open-loop lodgements/s offered (300)")
    add("--paced-seconds", type=float, default=20.0, help="seconds of the paced run (20)")
    add("--intake-only", action="store_true", help="`clearance api` alone, no workers")
    add("--json", type=Path, default=None, help="write every figure to this file")
    add("--keep", action="store_true", help="keep the database and the run's directory")
    add("--seed", type=int, default=1, help="of the declarations' generator (1)")
    add("--prefill", type=int, default=0, help="cleared declarations written first (0; 1000000)")
    add("--pg-admin-url", default=os.environ.get(PG_ADMIN_URL_ENV, DEFAULT_PG_ADMIN_URL))
    args = parser.parse_args(argv)
    if min(args.prefill, args.rss_jobs, args.rss_declarations) < 0:
        parser.error("--prefill, --rss-jobs and --rss-declarations must be 0 or more")
    if args.count < 1 or args.workers < 1 or args.api_processes < 1 or args.threads < 1:
        parser.error("--count, --workers, --api-processes and --threads must be at least 1")
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads (wrk's rule)")
    return args


def _output(command: list[str]) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - fixed commands
            command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = (done.stdout or done.stderr).strip().splitlines()  # `wrk -v` exits 1
    return lines[0] if lines else ""


def machine_info(database: PrivateDatabase, redis_url: str) -> dict[str, Any]:
    """What the figures depend on: the machine, the versions, the code."""
    model = "unknown"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with database.connect() as connection:
        row = connection.execute("SHOW server_version").fetchone()
    info = Redis.from_url(redis_url).info("server")
    dirty = _output(["git", "status", "--porcelain", "--untracked-files=no"]) != ""
    return {
        "cpus": cpu_count(),
        "cpu_model": model,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "postgres": str(row[0]) if row else "unknown",
        "redis": str(info.get("redis_version")),
        "wrk": _output(["wrk", "-v"]).split(" [")[0],
        "packages": {name: metadata.version(name) for name in PACKAGES},
        "commit": _output(["git", "rev-parse", "--short", "HEAD"]) + (" (dirty)" if dirty else ""),
    }


@contextmanager
def _phase(result: dict[str, Any], name: str) -> Iterator[None]:
    started = time.monotonic()
    try:
        yield
    finally:
        seconds = result["phase_seconds"].get(name, 0.0) + time.monotonic() - started
        result["phase_seconds"][name] = round(seconds, 1)


def _setup(
    args: argparse.Namespace, run: Run, result: dict[str, Any], *, model: bool
) -> tuple[Keys, str | None, Path, int]:
    """The database migrated, keys made, the history prefilled and wrk's bodies written: the
    keys, the model's version, the bodies' file and how many bodies the schema refused."""
    result["machine"] = machine_info(run.database, run.redis_url)
    with _phase(result, "setup"):
        keys, version = prepare_database(env=run.env, model=model)
        result["prefill"] = prefill_history(run.database.url, args.prefill)
        bodies = build_bodies(keys.traders, args.count, suffix=f"{run.tag}W", rng=run.rng)
        bodies_file = run.workdir / "bodies.txt"
        write_bodies(bodies_file, ((trader.key, body) for trader, body in bodies.items))
    return keys, version, bodies_file, bodies.invalid


def measure_intake(args: argparse.Namespace, run: Run, result: dict[str, Any]) -> None:
    """`--intake-only`: the bare endpoint, `clearance api` alone, the bare endpoint again."""
    keys, _model, bodies_file, _bodies = _setup(args, run, result, model=False)
    bare_apis = []
    if not args.skip_baselines:
        with _phase(result, "bare_before"):
            bare_apis.append(bare_api(run, bodies_file))
    with _phase(result, "intake"):
        result["intake"] = intake_only(run, keys, bodies_file, free_port())
    if not args.skip_baselines:
        with _phase(result, "bare_after"):
            bare_apis.append(bare_api(run, bodies_file))
        result["bare_api"] = combine_bare_api(bare_apis)


def measure(args: argparse.Namespace, run: Run, result: dict[str, Any]) -> None:
    """Every phase in turn, filling `result`."""
    if args.intake_only:
        measure_intake(args, run, result)
        return
    keys, model, bodies_file, invalid = _setup(args, run, result, model=args.model)
    with _phase(result, "setup"):
        sample = build_bodies(keys.traders, args.release_sample, suffix=f"{run.tag}S", rng=run.rng)
    result["setup"] = {"model": model, "bodies_refused_by_schema": invalid + sample.invalid}
    bare_apis, bare_rqs = [], []
    if not args.skip_baselines:
        with _phase(result, "bare_before"):
            bare_apis.append(bare_api(run, bodies_file))
            bare_rqs.append(bare_rq(run))
    with _phase(result, "service"):
        result["service"], problems = service(run, keys, bodies_file, sample)
        for child in run.children[1:]:  # all but Redis: what follows has the machine to itself
            child.stop()
    result["problems"].extend(problems)
    # The baselines again: the noise of a shared machine changes over minutes.
    if not args.skip_baselines:
        with _phase(result, "bare_after"):
            bare_apis.append(bare_api(run, bodies_file))
            bare_rqs.append(bare_rq(run))
        result["bare_api"] = combine_bare_api(bare_apis)
        result["bare_rq"] = combine_bare_rq(bare_rqs)
    result["ratios"] = ratios(result)
    if args.rss_jobs:
        with _phase(result, "worker_memory"):
            result["worker_memory"] = worker_memory(run, args.rss_jobs)
    if args.rss_declarations:
        with _phase(result, "worker_memory_declarations"):
            memory = declarations_memory(run, args.rss_declarations)
            result["worker_memory_declarations"] = memory


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    settings = {k: v for k, v in vars(args).items() if k not in {"json", "pg_admin_url"}}
    result: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": settings | {"json": str(args.json) if args.json else None},
        "problems": [],
        "phase_seconds": {},
    }
    workdir = Path(tempfile.mkdtemp(prefix="clearance-bench-"))
    database = PrivateDatabase(args.pg_admin_url)
    result["database"] = database.name
    run: Run | None = None
    redis: Child | None = None
    started = time.monotonic()
    status = 0
    try:
        database.create()
        redis, redis_url = start_redis(workdir, dict(os.environ))
        env = service_env(database_url=database.url, redis_url=redis_url, workdir=workdir)
        run = Run(
            args,
            workdir,
            database,
            redis,
            redis_url,
            env,
            secrets.token_hex(3).upper(),
            random.Random(args.seed),
            children=[redis],
        )
        measure(args, run, result)
    except (BenchError, WrkError) as exc:
        result["problems"].append(f"the run broke off: {exc}")
        status = 1
    except KeyboardInterrupt:
        result["problems"].append("interrupted")
        status = 130
    finally:
        for child in reversed(run.children if run else [redis] if redis else []):
            child.stop()
        if not args.keep:
            database.drop()
            shutil.rmtree(workdir, ignore_errors=True)
    result["database_dropped"] = not database_exists(args.pg_admin_url, database.name)
    result["seconds"] = round(time.monotonic() - started, 1)
    if "service" in result:
        print(table(result))
    elif "intake" in result:
        print(intake_only_table(result))
    else:
        print("\n".join(["benchmark did not finish:", *result["problems"]]), file=sys.stderr)
    if args.keep:
        print(f"kept: database {database.name}, directory {workdir}")
    if args.json:
        write_json(args.json, result)
    if status == 0 and result["problems"]:
        status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()
