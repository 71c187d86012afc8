"""Document embeddings the way `voc analyze` makes them, for texts that are not in the store.

`voc analyze` embeds each clause (kind "query") and pools the clause vectors, weighted by
length with formulaic clauses left out (`clause_weights`), into the document vector kept
in `analyses.embedding`. `voc eval topics` and the
benchmarks embed labelled files the same way, so the topic model sees the same geometry as
on the store.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from voc.analysis.pipeline import clause_weights, pooled_embedding
from voc.models.encoders import Encoder
from voc.text.clauses import split_clauses

_WORD = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]")


def text_clauses(text: str, max_clauses: int = 64) -> list[str]:
    """Clauses of one text, filtered like `voc.analysis.units.clause_units`."""
    pieces = [c.text for c in split_clauses(text) if _WORD.search(c.text)][:max_clauses]
    if not pieces and text.strip():
        pieces = [text.strip()]
    return pieces


@dataclass
class EmbeddedTexts:
    """Pooled document vectors plus the clause vectors they were made from."""

    documents: np.ndarray
    clause_texts: list[str]
    clauses: np.ndarray
    clause_doc: np.ndarray


def embed_texts(encoder: Encoder, texts: Sequence[str]) -> EmbeddedTexts:
    """Clause-split, embed (kind "query") and pool, as the analysis stage does."""
    groups = [text_clauses(str(t)) for t in texts]
    flat = [c for g in groups for c in g]
    vectors = encoder.encode(flat, kind="query") if flat else np.zeros((0, encoder.dim), "f4")
    owner = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    docs = np.zeros((len(groups), vectors.shape[1]), dtype=np.float32)
    offset = 0
    for index, group in enumerate(groups):
        span = vectors[offset : offset + len(group)]
        if len(group):
            docs[index] = pooled_embedding(span, clause_weights(group))
        offset += len(group)
    return EmbeddedTexts(docs, flat, vectors.astype(np.float32, copy=False), owner)
