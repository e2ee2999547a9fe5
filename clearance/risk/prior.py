"""The rules' belief about a declaration, from its facts: what the model starts from.

Each signal the rules read scores as the rule's own setting does (noisy-OR, as screening
combines hits). The model's classifier boosts from these log-odds, so with few outcomes to learn
from it says what the rules say, and with many it says what the outcomes taught it.
"""

import math
from collections.abc import Sequence

import numpy as np

from clearance.risk.facts import Facts
from clearance.risk.rules import RULES

FLOOR = 0.01  # nothing found is not nothing to find
REUSE_SCORE = 0.8  # the documents check's score for a certificate already presented (DOC-REUSED)
WEIGHT_TOLERANCE = float(RULES["R-WEIGHT"].defaults["tolerance"])


def _score(rule_id: str, name: str = "score") -> float:
    return float(RULES[rule_id].defaults[name])


def rules_signals(f: Facts) -> dict[str, float]:
    """The rules' score of each signal found, by the feature that carries it."""
    found: dict[str, float] = {}
    g, s, w = f.goods, f.split, f.weighed
    if g.mismatched_lines:
        found["description_mismatch"] = _score("R-HS-DESCRIPTION")
    if g.unlicensed:
        found["unlicensed"] = _score("R-RESTRICTED-NO-LICENCE")
    if g.reference_ratio < 0:
        below = 1 - math.exp(g.reference_ratio)
        found["reference_price_ratio"] = min(_score("R-UNDERVALUATION", "base_score") + below, 0.95)
    if f.preference_outside is not None:
        found["preference_origin_outside"] = _score("R-FORM-E-ORIGIN")
    elif f.preference is not None and f.origin_departure is not None:
        found["origin_differs"] = _score("R-FORM-E-ORIGIN") / 2
    if f.certificate_reuses:
        found["certificate_reuses"] = REUSE_SCORE
    if s.others and s.own_share < 1 <= s.total_share:
        found["split_others"] = _score("R-SPLIT-SHIPMENT")
    if w is not None and abs(w.declared_kg / w.weighbridge_kg - 1) > WEIGHT_TOLERANCE:
        found["weighbridge_ratio"] = _score("R-WEIGHT")
    return found


def rules_probability(f: Facts) -> float:
    """The rules' scores combined (noisy-OR) for the signals in the facts."""
    clean = (1.0 - FLOOR) * math.prod(1.0 - score for score in rules_signals(f).values())
    return 1.0 - clean


def prior_logits(facts: Sequence[Facts]) -> np.ndarray:
    """The rules' probabilities as log-odds, the classifier's starting point."""
    p = np.array([rules_probability(f) for f in facts], dtype=np.float64)
    p = np.clip(p, 1e-6, 1 - 1e-6)
    logits: np.ndarray = np.log(p / (1 - p))
    return logits
