"""Fixtures for the duties tests."""

from collections.abc import Callable

import pytest


@pytest.fixture
def established(configure: Callable[..., None]) -> None:
    """No new-trader signal: clean declarations go green and are decided by the worker."""
    configure(new_trader_declarations=0)
