"""`clearance run`'s supervisor: a dead child is started again, later each time it keeps dying."""

import subprocess
from typing import cast

import pytest

from clearance import supervisor
from clearance.supervisor import Supervisor


class FakeProcess:
    pid = 999_999_999  # no such process group: there are no leftovers to kill

    def __init__(self) -> None:
        self.code: int | None = None

    def poll(self) -> int | None:
        return self.code


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_dead_child_is_restarted_after_a_growing_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    started: list[FakeProcess] = []

    def start(_command: list[str]) -> "subprocess.Popen[bytes]":
        started.append(FakeProcess())
        return cast("subprocess.Popen[bytes]", started[-1])

    clock = Clock()
    watched = Supervisor(start, clock)
    watched.add("worker 1", ["worker"])
    restarts_at = []
    for _ in range(4):
        started[-1].code = -9
        watched.watch()  # noted dead
        died_at, count = clock.now, len(started)
        while len(started) == count:
            clock.now += 0.25
            watched.watch()
        restarts_at.append(clock.now - died_at)

    assert restarts_at == [0.5, 1.0, 2.0, 4.0]
    assert "worker 1 (pid 999999999) exited with -9" in caplog.text

    clock.now += supervisor.STABLE_AFTER_SECONDS
    watched.watch()  # ran long enough: healthy again
    started[-1].code = 1
    watched.watch()
    assert watched.children[0].restart_at == clock.now + supervisor.FIRST_BACKOFF_SECONDS


def test_the_backoff_is_capped() -> None:
    assert supervisor.backoff(30) == supervisor.MAX_BACKOFF_SECONDS
