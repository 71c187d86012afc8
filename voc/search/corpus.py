"""Build a retriever over an in-memory corpus (problem library, evaluation sets).

Past cases use an on-disk index (`voc.search.cases`); a corpus small enough to embed at
start-up (the problem library, an FAQ) gets a throw-away flat index built here, through
the same `VectorIndex` and `HybridRetriever` code.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from voc.search.bm25 import BM25
from voc.search.index import VectorIndex
from voc.search.retriever import HybridRetriever, Mode


def build_retriever(
    vectors: np.ndarray,
    texts: Sequence[str],
    *,
    encoder_name: str,
    mode: Mode,
    tokenizer: Callable[[str], list[str]],
    candidates: int = 50,
    rrf_k: int = 60,
    lexical_weight: float = 1.0,
) -> HybridRetriever:
    """A retriever whose ids are positions 0..n-1 in `texts` / `vectors`."""
    if len(vectors) != len(texts):
        raise ValueError(f"{len(vectors)} vectors for {len(texts)} texts")
    if mode not in ("dense", "hybrid"):
        raise ValueError(f"unknown search mode {mode!r}; valid: dense, hybrid")
    vectors = np.asarray(vectors, np.float32)
    path = Path(tempfile.gettempdir()) / "voc-in-memory.faiss"  # never saved
    index = VectorIndex.create(path, encoder_name, vectors.shape[1], expected_size=len(vectors))
    positions = np.arange(len(texts), dtype=np.int64)
    if len(texts):
        index.add(positions, vectors)
    lexical = BM25(tokenizer).fit(list(texts)) if mode == "hybrid" and len(texts) else None
    return HybridRetriever(
        index,
        lexical,
        positions if lexical is not None else None,
        candidates=candidates,
        rrf_k=rrf_k,
        lexical_weight=lexical_weight,
    )
