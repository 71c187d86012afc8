"""`voc eval pairs`: does the encoder's cosine separate same-problem pairs from others?"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from voc.models.encoders import Encoder


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve via the rank-sum formula (ties get average ranks)."""
    from scipy.stats import rankdata

    positives = labels == 1
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if not n_pos or not n_neg:
        raise ValueError("AUC needs both positive and negative pairs")
    ranks = rankdata(scores)
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def pair_scores(encoder: Encoder, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
    """Cosine similarity of each (a, b) pair (symmetric task: both sides as queries)."""
    left = encoder.encode(list(a), kind="query")
    right = encoder.encode(list(b), kind="query")
    return np.einsum("ij,ij->i", left, right)


def evaluate_pairs(
    encoder: Encoder,
    a: Sequence[str],
    b: Sequence[str],
    raw_labels: Sequence[object],
    threshold: float,
) -> dict[str, float | int]:
    """AUC, accuracy at the shipped threshold, Spearman, pairs/s (encoder included)."""
    from scipy.stats import spearmanr

    labels = np.asarray([int(float(v)) for v in raw_labels])
    start = time.perf_counter()
    scores = pair_scores(encoder, [str(x) for x in a], [str(x) for x in b])
    seconds = time.perf_counter() - start
    return {
        "n": len(labels),
        "auc": round(roc_auc(labels, scores), 4),
        "accuracy": round(float(np.mean((scores >= threshold) == (labels == 1))), 4),
        "threshold": threshold,
        "spearman": round(float(spearmanr(scores, labels).statistic), 4),
        "pairs_per_s": round(len(labels) / seconds, 2) if seconds else 0.0,
    }


def best_threshold(labels: np.ndarray, scores: np.ndarray) -> float:
    """The cosine cut that maximises accuracy (used on training data to pick the default)."""
    order = np.sort(np.unique(scores))
    candidates = (order[:-1] + order[1:]) / 2 if len(order) > 1 else order
    accuracy = [np.mean((scores >= t) == (labels == 1)) for t in candidates]
    return float(candidates[int(np.argmax(accuracy))])
