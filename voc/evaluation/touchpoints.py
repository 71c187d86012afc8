"""`voc eval touchpoints`: how often the touchpoint classifier names the labelled touchpoint.

Reported apart for clauses that have a touchpoint and for those labelled `none`, because
the two fail differently (a wrong touchpoint vs. a touchpoint invented for "整体还行").
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence

import numpy as np

from voc.models.touchpoints import NONE, TouchpointClassifier


def evaluate_touchpoints(
    classifier: TouchpointClassifier, texts: Sequence[str], labels: Sequence[str]
) -> dict:
    """Accuracy overall, on touchpoint clauses and on `none` clauses, plus the most common
    confusions (label -> predicted); labels must be taxonomy ids or `none`."""
    truth = [str(v).strip() for v in labels]
    known = set(classifier.taxonomy_.ids) | {NONE}
    unknown = sorted(set(truth) - known)
    if unknown:
        raise ValueError(f"labels not in the taxonomy: {unknown[:5]}; valid: ids and {NONE!r}")
    start = time.perf_counter()
    predicted = [m.touchpoint for m in classifier.predict([str(t) for t in texts])]
    seconds = time.perf_counter() - start
    right = np.array([p == t for p, t in zip(predicted, truth, strict=True)])
    is_none = np.array([t == NONE for t in truth])
    confusions = Counter(f"{t}->{p}" for p, t in zip(predicted, truth, strict=True) if p != t)
    return {
        "n": len(truth),
        "accuracy": round(float(right.mean()), 4) if len(truth) else 0.0,
        "touchpoint_accuracy": round(float(right[~is_none].mean()), 4)
        if (~is_none).any()
        else None,
        "none_accuracy": round(float(right[is_none].mean()), 4) if is_none.any() else None,
        "min_similarity": classifier.min_similarity,
        "top_confusions": dict(confusions.most_common(5)),
        "texts_per_s": round(len(truth) / seconds, 1) if seconds > 0 else None,
    }
