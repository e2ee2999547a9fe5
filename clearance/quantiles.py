"""Quantiles, computed one way wherever the service needs one: channel thresholds from recent
scores, reference price bands from history, release-time medians and 90th percentiles."""

import math
from collections.abc import Sequence


def quantile(ordered: Sequence[float], share: float) -> float:
    """The value below which `share` of the (ascending, non-empty) values fall: linear
    interpolation between the closest ranks (numpy's default, Excel's PERCENTILE.INC)."""
    position = (len(ordered) - 1) * share
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)
