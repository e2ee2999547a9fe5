"""A missing program or data set skips its tests on a newcomer's machine, and fails them in CI."""

import pytest

from tests.needs import need


def test_what_is_present_lets_the_test_go_on() -> None:
    need(True, "wrk", "apt-get install wrk")


def test_what_is_missing_is_a_skip_that_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(
        pytest.skip.Exception, match=r"not on this machine: wrk \(apt-get install wrk\)"
    ):
        need(False, "wrk", "apt-get install wrk")


def test_in_ci_what_is_missing_fails_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="wrk is missing: apt-get install wrk"):
        need(False, "wrk", "apt-get install wrk")
