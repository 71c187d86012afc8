"""Match feedback to the problem library (投诉问题库): best known problem, or "unmatched".

A problem is embedded from its title and description. A complaint often mixes several
issues, so its score against a problem is the best cosine over the whole text's pooled
vector and each of its clause vectors; the ranking of problems fuses that dense ranking
with BM25 over the whole text when the search mode is hybrid. The link threshold applies
to the cosine (the scale it was chosen on), never to fused rank scores.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from voc.models.encoders import Encoder
from voc.schema import Problem
from voc.search.bm25 import BM25
from voc.search.fusion import reciprocal_rank_fusion
from voc.search.retriever import Mode


def problem_text(problem: Problem) -> str:
    """What the matcher embeds for a problem: its title, then its description."""
    return f"{problem.title}。{problem.description}".strip("。")


@dataclass(frozen=True)
class ProblemMatch:
    """The best problem for one text; `matched` is False below the link threshold."""

    problem_id: str | None
    score: float | None
    matched: bool


class ProblemMatcher:
    """Estimator: `fit(problems)` embeds the library; `match(...)` ranks it per text.

    Args:
        encoder: the project encoder (texts embedded with kind="query", as in analysis).
        tokenizer: segmenter tokens for BM25 (hybrid mode).
        threshold: cosine at or above which a text is linked to its best problem.
        mode: "dense" or "hybrid".
        rrf_k: reciprocal-rank-fusion constant.
    """

    def __init__(
        self,
        encoder: Encoder,
        tokenizer: Callable[[str], list[str]],
        *,
        threshold: float,
        mode: Mode = "hybrid",
        rrf_k: int = 60,
    ) -> None:
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.threshold = threshold
        self.mode = mode
        self.rrf_k = rrf_k
        self.ids_: list[str] = []
        self.vectors_: np.ndarray | None = None
        self.lexical_: BM25 | None = None
        self.version_ = ""

    def fit(self, problems: Sequence[Problem]) -> ProblemMatcher:
        """Embed the problem library; closed problems stay matchable (history matters)."""
        texts = [problem_text(p) for p in problems]
        self.ids_ = [p.id for p in problems]
        dim = self.encoder.dim
        self.vectors_ = (
            self.encoder.encode(texts, kind="query") if texts else np.zeros((0, dim), np.float32)
        )
        self.lexical_ = BM25(self.tokenizer).fit(texts) if self.mode == "hybrid" and texts else None
        digest = hashlib.sha256(
            "\n".join(f"{i}\t{t}" for i, t in zip(self.ids_, texts, strict=True)).encode()
        )
        self.version_ = (
            f"{self.encoder.name}|{self.mode}|t{self.threshold:.3f}|lib:{digest.hexdigest()[:12]}"
        )
        return self

    def rank(self, text: str, vectors: np.ndarray, k: int = 5) -> list[tuple[str, float]]:
        """The k best problems for one text as (problem id, cosine), best first.

        Args:
            text: the (masked) feedback text, for BM25.
            vectors: [m, d] query vectors of the text: its pooled vector and/or clauses.
        """
        if self.vectors_ is None:
            raise RuntimeError("ProblemMatcher is not fitted; call fit(problems) first")
        if not self.ids_:
            return []
        cosines = (np.atleast_2d(vectors).astype(np.float32) @ self.vectors_.T).max(axis=0)
        dense_order = [int(i) for i in np.argsort(-cosines, kind="stable")]
        if self.lexical_ is None:
            order = dense_order
        else:
            _, lexical = self.lexical_.top([text], len(self.ids_))
            fused = reciprocal_rank_fusion([dense_order, [int(i) for i in lexical[0]]], self.rrf_k)
            order = [i for i, _ in fused]
        return [(self.ids_[i], float(cosines[i])) for i in order[:k]]

    def match(self, text: str, vectors: np.ndarray) -> ProblemMatch:
        """The best problem for one text, linked when its cosine reaches the threshold."""
        ranked = self.rank(text, vectors, k=1)
        if not ranked:
            return ProblemMatch(None, None, False)
        problem_id, score = ranked[0]
        return ProblemMatch(problem_id, score, score >= self.threshold)
