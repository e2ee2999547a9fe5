"""Which declarations to inspect within a budget: the likeliest value first, and some chosen to
learn from.

Only inspected declarations get an outcome, and the engine chose them: a model that only ever
inspects what it already believes learns nothing about the rest (Kim et al., "Active learning
for human-in-the-loop customs inspection", IEEE TKDE 2022: a hybrid of likely frauds and
uncertain ones overtakes exploitation alone once trade drifts). Exploration here is a random
share (the channel policy's, unbiased ground truth) and uncertainty picks: the declarations
whose outcome the model is least sure of, weighed by what is at stake, one per kind of goods so
that they spread over what the model knows least.

Before any model exists, the rules' own scores stand in for the probability
(`clearance.risk.prior`) and the tariff's duty and VAT (plus the harm weight) for the stake.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Candidates:
    """One period's declarations as the selection sees them, in lodgement order."""

    probability: np.ndarray
    stake: np.ndarray  # USD a finding would recover, plus the harm weight
    groups: Sequence[str]  # the kind of goods: HS6 x origin x departure of the main line

    @property
    def expected(self) -> np.ndarray:
        expected: np.ndarray = self.probability * self.stake
        return expected


@dataclass(frozen=True)
class Exploration:
    """Shares of the declarations inspected to learn rather than to recover (of all lodged)."""

    random_share: float = 0.0
    uncertain_share: float = 0.0


def select(
    candidates: Candidates, *, budget: int, exploration: Exploration, rng: random.Random
) -> list[int]:
    """Indices to inspect: random picks, then uncertainty picks, then the highest expected value."""
    count = len(candidates.groups)
    budget = min(budget, count)
    chosen: list[int] = []
    randoms = min(round(exploration.random_share * count), budget)
    chosen += rng.sample(range(count), randoms)
    uncertain = min(round(exploration.uncertain_share * count), budget - len(chosen))
    p = candidates.probability
    # Bernoulli variance x stake: how much revenue the model is unsure about.
    doubt = p * (1 - p) * candidates.stake
    seen_groups = set()
    for index in np.argsort(-doubt, kind="mergesort"):
        if len(chosen) >= randoms + uncertain:
            break
        group = candidates.groups[int(index)]
        if int(index) not in chosen and group not in seen_groups:
            chosen.append(int(index))
            seen_groups.add(group)
    taken = set(chosen)
    for index in np.argsort(-candidates.expected, kind="mergesort"):
        if len(chosen) >= budget:
            break
        if int(index) not in taken:
            chosen.append(int(index))
    return chosen
