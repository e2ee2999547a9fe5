"""How well scores rank declarations: area under the ROC curve and precision at a rate."""

import numpy as np


def auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve (ties count half); None with one class only."""
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    ranks[order] = np.repeat(first + (counts + 1) / 2.0, counts)
    return float(
        (ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    )


def precision_at(labels: np.ndarray, scores: np.ndarray, rate: float) -> float:
    k = max(1, round(len(scores) * rate))
    top = np.argsort(-scores, kind="mergesort")[:k]
    return float(labels[top].mean())
