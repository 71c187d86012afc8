"""Reciprocal-rank fusion: combine ranked lists without calibrating their scores.

BM25 scores and cosines live on different scales; RRF only uses ranks, so neither list
needs tuning against the other. k=60 is the value from Cormack et al. (2009).
"""

from __future__ import annotations

from collections.abc import Sequence


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]],
    k: int = 60,
    weights: Sequence[float] | None = None,
) -> list[tuple[int, float]]:
    """Fuse ranked lists of item keys (best first; -1 entries ignored).

    Returns (key, fused score) best first; ties keep the order of first appearance,
    which favours the first ranking.
    """
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, key in enumerate(ranking):
            if key < 0:
                continue
            fused[key] = fused.get(key, 0.0) + weight / (k + rank + 1)
    return sorted(fused.items(), key=lambda item: -item[1])
