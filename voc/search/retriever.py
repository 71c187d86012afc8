"""Hybrid retrieval: dense nearest neighbours and BM25, fused by reciprocal rank.

One retriever serves every caller (similar cases, the problem library, `voc eval
retrieval`), so what is measured is what ships. The dense side is anything with
`search(vectors, k) -> (scores, ids)`, i.e. a `VectorIndex`; the lexical side is an
optional fitted `BM25` whose document positions map to the same ids.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from voc.search.bm25 import BM25
from voc.search.fusion import reciprocal_rank_fusion

Mode = Literal["dense", "hybrid"]
MODES: tuple[str, ...] = ("dense", "hybrid")


class DenseSearch(Protocol):
    """Inner-product search over stored ids (`VectorIndex` implements it)."""

    def search(self, vectors: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class Hit:
    """One result: the store-side id, its rank score, and its cosine when the dense side saw it."""

    id: int
    score: float
    cosine: float | None


class HybridRetriever:
    """Rank ids for queries by dense similarity, optionally fused with BM25.

    Args:
        dense: the vector index.
        lexical: fitted BM25 over the same documents, or None for dense only.
        lexical_ids: id of each BM25 document position (required with `lexical`).
        candidates: how many results each side contributes before fusion.
        rrf_k: reciprocal-rank-fusion constant.
        lexical_weight: weight of the BM25 ranking in the fusion (dense has 1).
    """

    def __init__(
        self,
        dense: DenseSearch,
        lexical: BM25 | None = None,
        lexical_ids: np.ndarray | None = None,
        *,
        candidates: int = 50,
        rrf_k: int = 60,
        lexical_weight: float = 1.0,
    ) -> None:
        if lexical is not None and lexical_ids is None:
            raise ValueError("lexical_ids is required with a lexical scorer")
        self.dense = dense
        self.lexical = lexical
        self.lexical_ids = lexical_ids
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.lexical_weight = lexical_weight

    @property
    def mode(self) -> Mode:
        return "hybrid" if self.lexical is not None else "dense"

    def search(
        self,
        query_vectors: np.ndarray,
        query_texts: Sequence[str],
        k: int = 10,
        *,
        keep: Callable[[int], bool] | None = None,
    ) -> list[list[Hit]]:
        """The k best ids per query, best first; `keep(id)` filters candidates (e.g. by date).

        With a filter, each side fetches more candidates so that k survive in most cases.
        """
        if len(query_vectors) != len(query_texts):
            raise ValueError("one vector per query text is required")
        fetch = max(self.candidates, k) * (4 if keep is not None else 1)
        dense_scores, dense_ids = self.dense.search(np.asarray(query_vectors, np.float32), fetch)
        if self.lexical is not None:
            _, positions = self.lexical.top(query_texts, fetch)
            lexical_ids = np.where(positions >= 0, self.lexical_ids[np.maximum(positions, 0)], -1)
        results = []
        for row in range(len(query_texts)):
            pairs = zip(dense_ids[row], dense_scores[row], strict=True)
            cosines = {int(i): float(s) for i, s in pairs if i >= 0}
            rankings = [[int(i) for i in dense_ids[row]]]
            if self.lexical is not None:
                rankings.append([int(i) for i in lexical_ids[row]])
            if keep is not None:
                rankings = [[i for i in ranking if i >= 0 and keep(i)] for ranking in rankings]
            if self.lexical is None:
                hits = [Hit(i, cosines[i], cosines[i]) for i in rankings[0] if i >= 0][:k]
            else:
                fused = reciprocal_rank_fusion(
                    rankings, k=self.rrf_k, weights=[1.0, self.lexical_weight]
                )
                hits = [Hit(i, s, cosines.get(i)) for i, s in fused[:k]]
            results.append(hits)
        return results
