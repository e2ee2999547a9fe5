"""What each of the service's ASGI middlewares costs a request: the bare endpoint, then the
bare endpoint under the middlewares added one at a time, each under wrk, API CPU per request.

    python -m loadtests.middleware_cost --count 4000

The app is `bare_app.py`'s endpoint (validation only) inside the service's middlewares, in the
order `clearance.main` stacks them; one uvicorn process, the same access log. The rate limit
talks to a private redis-server, with the service's default limits (per key 100/s is raised
out of the way so that nothing is refused). Figures move with the machine's other load: read
the differences between rows of one run.
"""

import argparse
import os
import random
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import psutil
from fastapi import FastAPI

from clearance.embedded import free_port
from loadtests.api_keys import TraderKey
from loadtests.bare_app import lodge
from loadtests.bench_services import start_child, start_redis, wait_http
from loadtests.bench_setup import build_bodies
from loadtests.wrk_intake import run_wrk, write_bodies

# Outermost last, as clearance.main adds them (each add_middleware wraps what is there).
LAYERS = ("body_limit", "rate_limit", "url_control", "metrics", "request_id")
LAYERS_ENV = "CLEARANCE_MIDDLEWARE_LAYERS"


def app_with(layers: Sequence[str]) -> FastAPI:
    """The bare endpoint inside the named middlewares."""
    import re

    from clearance import middleware

    app = FastAPI(title="bare endpoint with middleware")
    app.post("/v1/declarations", status_code=202)(lodge)
    added = {
        "body_limit": lambda: app.add_middleware(
            middleware.BodyLimitMiddleware, max_bytes=256 * 1024, exempt=re.compile("^$")
        ),
        "rate_limit": lambda: app.add_middleware(middleware.RateLimitMiddleware),
        "url_control": lambda: app.add_middleware(middleware.UrlControlCharacterMiddleware),
        "metrics": lambda: app.add_middleware(middleware.MetricsMiddleware),
        "request_id": lambda: app.add_middleware(middleware.RequestIdMiddleware),
    }
    for layer in LAYERS:
        if layer in layers:
            added[layer]()
    return app


def app() -> FastAPI:
    """uvicorn's factory: the layers named in the environment."""
    return app_with([name for name in os.environ.get(LAYERS_ENV, "").split(",") if name])


def measure(
    layers: list[str], bodies: Path, env: dict[str, str], workdir: Path
) -> dict[str, float]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "loadtests.middleware_cost:app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "info",
    ]
    child = start_child(
        "mw-" + "-".join(layers or ["bare"]),
        command,
        env=env | {LAYERS_ENV: ",".join(layers)},
        workdir=workdir,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/openapi.json", child)
        process = psutil.Process(child.pid)
        before = sum(process.cpu_times()[:2])
        result = run_wrk(
            url=f"http://127.0.0.1:{port}/v1/declarations",
            bodies=bodies,
            threads=2,
            connections=32,
            timeout=300,
            workdir=workdir,
        )
        used = sum(process.cpu_times()[:2]) - before
    finally:
        child.stop()
    return {"req_s": result.requests_per_second, "cpu_ms": used * 1000 / max(result.answered, 1)}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.middleware_cost")
    parser.add_argument("--count", type=int, default=4000)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="clearance-mw-"))
    redis, redis_url = start_redis(workdir, dict(os.environ))
    try:
        env = {
            **os.environ,
            "CLEARANCE_REDIS_URL": redis_url,
            "CLEARANCE_RATE_LIMIT_PER_SECOND": "1000000",
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        }
        traders = [TraderKey(tax_code="0100000001", key="clr_made-up-for-the-limit")]
        made = build_bodies(traders, args.count, suffix="MW", rng=random.Random(1))
        bodies = workdir / "bodies.txt"
        write_bodies(bodies, ((t.key, b) for t, b in made.items))
        print(f"{'middlewares':<60}{'req/s':>10}{'CPU ms':>10}")
        for depth in range(len(LAYERS) + 1):
            layers = list(LAYERS[:depth])
            figures = measure(layers, bodies, env, workdir)
            label = "+".join(layers) or "bare"
            print(f"{label:<60}{figures['req_s']:>10.1f}{figures['cpu_ms']:>10.3f}", flush=True)
    finally:
        redis.stop()


if __name__ == "__main__":
    main()
