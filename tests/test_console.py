"""`clearance run`'s console: the banner again when Enter is pressed on the terminal."""

import os
from collections.abc import Iterator
from typing import TextIO

import pytest

from clearance.embedded import enter_pressed
from clearance.logs import LOG_LEVEL_VARIABLE, log_level


@pytest.fixture
def terminal() -> Iterator[tuple[int, TextIO]]:
    keyboard, screen = os.openpty()
    with os.fdopen(screen, "r", encoding="utf-8") as stdin:
        yield keyboard, stdin
    os.close(keyboard)


def test_enter_on_the_terminal_is_seen_and_nothing_else_is(terminal: tuple[int, TextIO]) -> None:
    keyboard, stdin = terminal
    assert not enter_pressed(0.05, stdin)
    os.write(keyboard, b"\n")
    assert enter_pressed(1.0, stdin)
    assert not enter_pressed(0.05, stdin)  # the line was read


def test_without_a_terminal_nothing_is_pressed() -> None:
    read, write = os.pipe()
    os.write(write, b"\n")
    with os.fdopen(read, "r") as stdin:
        assert not enter_pressed(0.01, stdin)
    os.close(write)


def test_the_log_level_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LOG_LEVEL_VARIABLE, "warning")
    assert log_level() == "WARNING"
    monkeypatch.setenv(LOG_LEVEL_VARIABLE, "LOUD")
    assert log_level() == "INFO"
    monkeypatch.delenv(LOG_LEVEL_VARIABLE)
    assert log_level() == "INFO"
