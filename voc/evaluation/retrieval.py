"""`voc eval retrieval`: find the right group (FAQ cluster, known problem) for each query."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from voc.models.encoders import Encoder


def rank_metrics(ranked_groups: list[list[str]], truth: Sequence[str]) -> dict[str, float]:
    """recall@1, recall@5 and MRR@10 from each query's ranked corpus groups."""
    hits1 = hits5 = 0
    reciprocal = 0.0
    for groups, right in zip(ranked_groups, truth, strict=True):
        positions = [i for i, g in enumerate(groups[:10]) if g == right]
        if positions:
            first = positions[0]
            hits1 += first == 0
            hits5 += first < 5
            reciprocal += 1.0 / (first + 1)
    n = len(truth)
    return {
        "recall_at_1": round(hits1 / n, 4),
        "recall_at_5": round(hits5 / n, 4),
        "mrr_at_10": round(reciprocal / n, 4),
    }


def evaluate_retrieval(
    encoder: Encoder,
    corpus_texts: Sequence[str],
    corpus_groups: Sequence[str],
    query_texts: Sequence[str],
    query_groups: Sequence[str],
) -> dict[str, float | int]:
    """Dense exact search; `queries_per_s` covers query encoding and search, not the corpus."""
    corpus = encoder.encode([str(t) for t in corpus_texts], kind="query")
    groups = np.asarray([str(g) for g in corpus_groups])
    start = time.perf_counter()
    queries = encoder.encode([str(t) for t in query_texts], kind="query")
    scores = queries @ corpus.T
    top = np.argsort(-scores, axis=1)[:, :10]
    seconds = time.perf_counter() - start
    ranked = [list(groups[row]) for row in top]
    metrics = rank_metrics(ranked, [str(g) for g in query_groups])
    return {
        "n": len(query_texts),
        **metrics,
        "queries_per_s": round(len(query_texts) / seconds, 2) if seconds else 0.0,
        "mode": "dense",
    }
