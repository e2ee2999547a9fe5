"""Drive `POST /v1/declarations` with wrk, each prepared body exactly once.

The Lua side is `wrk_lodge.lua`. wrk runs for a fixed duration by design; the script leaves a
marker per thread once all its bodies are answered, and this module then ends wrk with the
SIGINT it handles, so the run stops when the work is done and wrk still prints its summary.
"""

import json
import math
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("wrk_lodge.lua")
RESULT_PREFIX = "BENCH_WRK_JSON "
# wrk records a latency only below its timeout (2 s by default) and counts the rest as errors.
SOCKET_TIMEOUT = "30s"
POLL_SECONDS = 0.02
EXIT_GRACE_SECONDS = 30.0


class WrkError(RuntimeError):
    """wrk did not run, or printed no result."""


@dataclass(frozen=True)
class WrkResult:
    """What wrk saw: answers by status, the time from first request to last answer, latency."""

    bodies: int
    answered: int
    statuses: dict[int, int]
    refusals: list[str]
    seconds: float
    latency_ms: dict[str, float]
    socket_errors: dict[str, int]
    filler: int

    @property
    def accepted(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def refused(self) -> int:
        return self.answered - self.accepted

    @property
    def complete(self) -> bool:
        """Every body answered, whatever the answer."""
        return self.answered == self.bodies

    @property
    def requests_per_second(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "bodies": self.bodies,
            "answered": self.answered,
            "accepted": self.accepted,
            "refused": self.refused,
            "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
            "refusals": self.refusals,
            "seconds": round(self.seconds, 3),
            "requests_per_second": round(self.requests_per_second, 1),
            "latency_ms": {name: round(value, 2) for name, value in self.latency_ms.items()},
            "socket_errors": self.socket_errors,
            "filler_requests": self.filler,
        }


def write_bodies(path: Path, lodgings: Iterable[tuple[str, dict[str, Any]]]) -> int:
    """One `key<TAB>idempotency key<TAB>JSON` line per (API key, body); how many."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for key, body in lodgings:
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
            out.write(f"{key}\t{uuid.uuid4()}\t{text}\n")
            count += 1
    return count


def _as_list(value: Any) -> list[Any]:
    # The Lua encoder cannot tell an empty array from an empty object.
    return list(value.values()) if isinstance(value, dict) else list(value)


def parse_output(stdout: str) -> WrkResult:
    """The result line of `wrk_lodge.lua`'s done(), summed over wrk's threads."""
    line = next((ln for ln in stdout.splitlines() if ln.startswith(RESULT_PREFIX)), None)
    if line is None:
        raise WrkError(f"wrk printed no result: {' '.join(stdout.split())[-300:]}")
    raw = json.loads(line.removeprefix(RESULT_PREFIX))
    threads = _as_list(raw["threads"])
    statuses: dict[int, int] = {}
    for thread in threads:
        for status, n in thread["statuses"].items():
            statuses[int(status)] = statuses.get(int(status), 0) + int(n)
    started = [t["first_us"] for t in threads if t["sent"]]
    ended = [t["last_us"] for t in threads if t["last_us"]]
    seconds = (max(ended) - min(started)) / 1e6 if started and ended else 0.0
    return WrkResult(
        bodies=sum(int(t["bodies"]) for t in threads),
        answered=sum(int(t["answered"]) for t in threads),
        statuses=statuses,
        refusals=[str(r) for t in threads for r in _as_list(t["refusals"])],
        seconds=seconds,
        latency_ms={name: float(us) / 1000 for name, us in raw["latency_us"].items()},
        socket_errors={name: int(n) for name, n in raw["errors"].items() if name != "status"},
        filler=sum(int(t["filler"]) for t in threads),
    )


def run_wrk(
    *, url: str, bodies: Path, threads: int, connections: int, timeout: float, workdir: Path
) -> WrkResult:
    """POST every line of `bodies` to `url` once; waits at most `timeout` seconds."""
    done_dir = workdir / f"wrk-done-{uuid.uuid4().hex[:8]}"
    done_dir.mkdir()
    env = {
        **os.environ,
        "BENCH_WRK_BODIES": str(bodies),
        "BENCH_WRK_THREADS": str(threads),
        "BENCH_WRK_DONE_DIR": str(done_dir),
    }
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{math.ceil(timeout)}s",
        "--timeout",
        SOCKET_TIMEOUT,
        "-s",
        str(SCRIPT),
        url,
    ]
    try:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    except OSError as exc:
        raise WrkError(f"wrk did not start: {exc}") from exc
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if len(list(done_dir.iterdir())) >= threads:
            break
        time.sleep(POLL_SECONDS)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # wrk's own way to end early: it still reports
    try:
        stdout, stderr = process.communicate(timeout=EXIT_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise WrkError("wrk did not stop after SIGINT") from None
    if stderr.strip():
        # wrk prints Lua errors on stderr and carries on; a script error is a broken run.
        raise WrkError(f"wrk: {' '.join(stderr.split())[-300:]}")
    return parse_output(stdout)
