"""`voc eval retrieval`: find the right group (FAQ cluster, known problem) for each query."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from voc.models.encoders import Encoder
from voc.search.corpus import build_retriever
from voc.search.retriever import MODES, Mode


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
    tokenizer: Callable[[str], list[str]],
    corpus_texts: Sequence[str],
    corpus_groups: Sequence[str],
    query_texts: Sequence[str],
    query_groups: Sequence[str],
    *,
    mode: Mode = "hybrid",
    compare: bool = True,
    **retriever_options: Any,
) -> dict[str, Any]:
    """Metrics of the shipped retrieval path (`mode`), and of the other mode when `compare`.

    Both corpus and queries are embedded as queries (a symmetric question-to-question
    task, the same choice the problem library makes). `queries_per_s` covers query
    encoding (done once, counted in every mode) and search, not the corpus.
    """
    corpus = [str(t) for t in corpus_texts]
    groups = np.asarray([str(g) for g in corpus_groups])
    queries = [str(t) for t in query_texts]
    truth = [str(g) for g in query_groups]
    corpus_vectors = encoder.encode(corpus, kind="query")
    start = time.perf_counter()
    query_vectors = encoder.encode(queries, kind="query")
    encode_seconds = time.perf_counter() - start
    modes = [mode] + ([m for m in MODES if m != mode] if compare else [])
    result: dict[str, Any] = {"n": len(queries)}
    for current in modes:
        retriever = build_retriever(
            corpus_vectors,
            corpus,
            encoder_name=encoder.name,
            mode=current,  # type: ignore[arg-type]
            tokenizer=tokenizer,
            **retriever_options,
        )
        start = time.perf_counter()
        hits = retriever.search(query_vectors, queries, k=10)
        seconds = encode_seconds + time.perf_counter() - start
        metrics = rank_metrics([[groups[h.id] for h in row] for row in hits], truth)
        metrics["queries_per_s"] = round(len(queries) / seconds, 2) if seconds else 0.0
        if current == mode:
            result.update(metrics)
            result["mode"] = mode
        else:
            result[current] = metrics
    return result
