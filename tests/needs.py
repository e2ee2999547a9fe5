"""What some tests need from outside the project: programs (Chromium, wrk, promtool) and data
(the CIDD files). On a newcomer's machine a test whose need is absent is skipped, saying what to
install; under CI (`.ci/run` installs them all and sets CI=1) an absent need fails the build."""

import os

import pytest


def need(present: bool, what: str, how: str) -> None:
    """Go on when present; otherwise skip (or, under CI, fail) naming what is missing and how to
    get it."""
    if present:
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{what} is missing: {how}")
    pytest.skip(f"not on this machine: {what} ({how})")
