"""One quantile for the service: channel thresholds, price bands and release times read it."""

import numpy as np
import pytest

from clearance.quantiles import quantile


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [([5.0], 0.9, 5.0), ([10.0, 30.0], 0.5, 20.0), ([1.0, 2.0, 3.0, 4.0], 0.9, 3.7)],
)
def test_a_quantile_interpolates_between_closest_ranks(
    values: list[float], share: float, expected: float
) -> None:
    assert quantile(values, share) == pytest.approx(expected)


def test_it_agrees_with_numpys_default_at_the_shares_the_service_reads() -> None:
    values = sorted(np.random.default_rng(7).lognormal(size=101).tolist())
    for share in (0.0, 0.1, 0.5, 0.8, 0.9, 0.95, 1.0):
        assert quantile(values, share) == pytest.approx(float(np.quantile(values, share)))
