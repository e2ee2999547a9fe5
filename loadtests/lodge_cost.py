"""The API's CPU per lodgement on the request path, measured in one process without HTTP.

    python -m loadtests.lodge_cost --count 3000 --concurrency 16 [--profile lodge.prof]

`clearance.main.create_app()` on a private database and redis-server (production settings,
as the benchmark's), driven directly through ASGI by `--concurrency` clients at once, each
lodging its next body as soon as the last is answered; uvicorn's access log line is written
per request as uvicorn writes it (to /dev/null). It prints the CPU milliseconds per lodgement
of the event loop's thread (the request path: middlewares, routing, validation, the caller,
the logs, the answer) and of the whole process (that plus the set writer's thread, which
`lodging.write` spends). `--profile` writes a cProfile of the loop's thread, timed by thread
CPU time (so the writer's thread is not charged to whatever released the GIL): read it with
`python -m pstats`. No uvicorn, so its HTTP parsing and sending are not in these figures.
`--stub-writer` answers each set without the database (every lodgement new), so that the loop's
thread does not wait for the GIL behind the writer's: the request path alone.
"""

import argparse
import asyncio
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from loadtests.bench_services import (
    DEFAULT_PG_ADMIN_URL,
    PG_ADMIN_URL_ENV,
    REPO_ROOT,
    PrivateDatabase,
    service_env,
    start_redis,
)
from loadtests.bench_setup import build_bodies, prepare_database
from loadtests.in_process import http_scope
from loadtests.wrk_intake import write_bodies

RESULT_PREFIX = "LODGE_COST_JSON "
WARMUP = 300
PATH = "/v1/declarations"

Request = tuple[list[tuple[bytes, bytes]], bytes]


def _requests(bodies: Path) -> list[Request]:
    """The bodies file (`key<TAB>idempotency key<TAB>JSON`) as ASGI headers and bodies."""
    found = []
    for line in bodies.read_text(encoding="utf-8").splitlines():
        key, idempotency_key, text = line.split("\t", 2)
        body = text.encode()
        headers = [
            (b"host", b"127.0.0.1:8000"),
            (b"user-agent", b"lodge-cost"),
            (b"authorization", f"Bearer {key}".encode()),
            (b"idempotency-key", idempotency_key.encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        found.append((headers, body))
    return found


async def _lodge(app: Any, request: Request, access: logging.Logger) -> int:
    headers, body = request
    scope = http_scope("POST", PATH, headers)
    given = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never goes away
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            # As uvicorn's httptools protocol writes it: on the answer's start, in the app's
            # context (so with the request's id).
            access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:50000", "POST", PATH, "1.1", status)

    await app(scope, receive, send)
    return status


async def _drive(app: Any, requests: list[Request], concurrency: int) -> dict[int, int]:
    statuses: dict[int, int] = {}
    access = logging.getLogger("uvicorn.access")
    pending = iter(requests)

    async def client() -> None:
        for request in pending:
            status = await _lodge(app, request, access)
            statuses[status] = statuses.get(status, 0) + 1

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return statuses


def _stub_writer() -> None:
    """Sets answered at once, without the database: the request path alone."""
    from clearance.declarations import intake
    from clearance.declarations.lodgement import Lodged, Lodgement, Outcome
    from clearance.declarations.models import State

    def write(items: list[Lodgement]) -> list[Outcome]:
        return [Lodged(uuid.uuid4(), 1, State.lodged, True) for _ in items]

    intake._lodgements = intake.GroupCommit(write)


def _child(bodies: Path, concurrency: int, profile: Path | None, stub_writer: bool) -> None:
    """In the service's environment: the app, driven; one result line."""
    import cProfile

    import uvloop

    from clearance import logs
    from clearance.main import create_app

    if stub_writer:
        _stub_writer()

    logs.configure()
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - for the process's life
    app = create_app()
    requests = _requests(bodies)
    warm, measured = requests[:WARMUP], requests[WARMUP:]
    loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(_drive(app, warm, concurrency))
    profiler = cProfile.Profile(time.thread_time) if profile else None
    wall, thread, process = time.perf_counter(), time.thread_time(), time.process_time()
    if profiler is not None:
        profiler.enable()
    statuses = loop.run_until_complete(_drive(app, measured, concurrency))
    if profiler is not None:
        profiler.disable()
    wall = time.perf_counter() - wall
    thread, process = time.thread_time() - thread, time.process_time() - process
    if profiler is not None and profile is not None:
        profiler.dump_stats(profile)
    count = len(measured)
    result = {
        "lodgements": count,
        "statuses": statuses,
        "per_second": round(count / wall, 1),
        "loop_thread_cpu_ms": round(thread * 1000 / count, 3),
        "process_cpu_ms": round(process * 1000 / count, 3),
        "profiled": profiler is not None,
        "stub_writer": stub_writer,
    }
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def _measure(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    database = PrivateDatabase(os.environ.get(PG_ADMIN_URL_ENV, DEFAULT_PG_ADMIN_URL))
    database.create()
    redis, redis_url = start_redis(workdir, dict(os.environ))
    try:
        env = service_env(database_url=database.url, redis_url=redis_url, workdir=workdir)
        keys, _model = prepare_database(env=env, model=False)
        made = build_bodies(
            keys.traders, WARMUP + args.count, suffix="LC", rng=random.Random(args.seed)
        )
        bodies = workdir / "bodies.txt"
        write_bodies(bodies, ((trader.key, body) for trader, body in made.items))
        command = [
            sys.executable,
            "-m",
            "loadtests.lodge_cost",
            "--child",
            str(bodies),
            "--concurrency",
            str(args.concurrency),
        ]
        if args.profile is not None:
            command += ["--profile", str(args.profile.resolve())]
        if args.stub_writer:
            command.append("--stub-writer")
        done = subprocess.run(  # noqa: S603 - our own module
            command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"the measuring process failed: {done.stderr.strip()[-2000:]}")
        line = next(x for x in done.stdout.splitlines() if x.startswith(RESULT_PREFIX))
        result: dict[str, Any] = json.loads(line.removeprefix(RESULT_PREFIX))
        return result
    finally:
        redis.stop()
        database.drop()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.lodge_cost", description=__doc__)
    parser.add_argument("--count", type=int, default=3000, help="lodgements measured (3000)")
    parser.add_argument("--concurrency", type=int, default=16, help="clients at once (16)")
    parser.add_argument("--seed", type=int, default=1, help="the bodies' generator seed (1)")
    parser.add_argument("--profile", type=Path, default=None, help="write a cProfile here")
    parser.add_argument(
        "--stub-writer", action="store_true", help="answer sets without the database"
    )
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        _child(args.child, args.concurrency, args.profile, args.stub_writer)
        return
    with tempfile.TemporaryDirectory(prefix="clearance-lodge-cost-") as workdir:
        result = _measure(args, Path(workdir))
    print(
        f"{result['lodgements']} lodgements, {args.concurrency} at once: {result['statuses']}, "
        f"{result['per_second']}/s in one process\n"
        f"  CPU ms per lodgement: request path (the event loop's thread) "
        f"{result['loop_thread_cpu_ms']}, whole process (with the set writer) "
        f"{result['process_cpu_ms']}"
        + (" (under cProfile)" if result["profiled"] else "")
        + (" (sets answered without the database)" if result["stub_writer"] else "")
    )


if __name__ == "__main__":
    main()
