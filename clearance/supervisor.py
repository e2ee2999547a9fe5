"""The children of `clearance run` kept alive: a dead one is logged and started again, with backoff.

A killed worker must not take the API down with it, nor leave declarations unscreened: its
replacement picks up the queue, and the sweeper re-enqueues what the dead one held.
"""

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

# The first restart is quick; a child that keeps dying waits longer each time, up to the cap,
# so a broken set-up (a port taken, a bad environment) does not spin the machine.
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0
# A child that ran this long was healthy: its next death starts from the first backoff again.
STABLE_AFTER_SECONDS = 60.0

Start = Callable[[list[str]], "subprocess.Popen[bytes]"]


@dataclass
class Child:
    name: str
    command: list[str]
    process: "subprocess.Popen[bytes]"
    started_at: float
    failures: int = 0
    restart_at: float | None = None  # set while dead, waiting for its backoff
    history: list[int] = field(default_factory=list)  # exit codes, for the log

    @property
    def pid(self) -> int:
        return self.process.pid


def _kill_leftovers(child: Child) -> None:
    """Kill what the dead child left in its process group (children start a session of their own).

    A worker killed with -9 leaves its RQ scheduler process behind, a fork that holds the
    worker's Redis connections: Redis would hand the next job to the dead worker's blocking pop
    on that connection, and nobody would run it.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):  # nothing left
        os.killpg(child.pid, signal.SIGKILL)


def backoff(failures: int) -> float:
    """Seconds before the restart that follows this many deaths in a row."""
    return float(min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2 ** max(failures - 1, 0)))


class Supervisor:
    """Starts named children, restarts each that dies, and stops them in reverse order."""

    def __init__(self, start: Start, clock: Callable[[], float] = time.monotonic) -> None:
        self._start = start
        self._clock = clock
        self.children: list[Child] = []

    def add(self, name: str, command: list[str]) -> Child:
        child = Child(name, command, self._start(command), started_at=self._clock())
        self.children.append(child)
        return child

    def watch(self) -> None:
        """One look at every child: note the dead, restart those whose backoff is over."""
        now = self._clock()
        for child in self.children:
            if child.restart_at is None:
                code = child.process.poll()
                if code is None:
                    if now - child.started_at >= STABLE_AFTER_SECONDS:
                        child.failures = 0
                    continue
                _kill_leftovers(child)
                child.failures += 1
                child.history.append(code)
                child.restart_at = now + backoff(child.failures)
                logger.warning(
                    "%s (pid %d) exited with %d; restarting it in %.1f s (death %d in a row)",
                    child.name,
                    child.pid,
                    code,
                    child.restart_at - now,
                    child.failures,
                )
            elif now >= child.restart_at:
                child.process = self._start(child.command)
                child.started_at, child.restart_at = now, None
                logger.warning("%s restarted as pid %d", child.name, child.pid)

    def stop(self, timeout: float = 10.0) -> None:
        for child in reversed(self.children):
            child.process.terminate()
            try:
                child.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
