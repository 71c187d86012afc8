"""BM25 over segmented Chinese text: the lexical half of hybrid retrieval.

Dense embeddings miss exact product names, error codes and amounts ("U盾", "E0023",
"3.5%"); BM25 over jieba words (finance dictionary) plus character bigrams catches them.
Bigrams matter because jieba splits rare compounds unpredictably; they make matching
robust to segmentation differences between a query and a document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np
from scipy import sparse

Tokenizer = Callable[[str], list[str]]


def char_bigrams(text: str) -> list[str]:
    """Overlapping character pairs of the CJK/alphanumeric characters in `text`."""
    chars = [c for c in text if c.isalnum()]
    return [a + b for a, b in pairwise(chars)]


class BM25:
    """Okapi BM25 scorer, fitted on a corpus, scoring queries against every document.

    Args:
        tokenizer: text -> terms (e.g. the project segmenter's `tokens`).
        k1: term-frequency saturation.
        b: length normalisation.
        bigrams: also index character bigrams (prefixed so they never clash with words).
    """

    def __init__(
        self, tokenizer: Tokenizer, k1: float = 1.2, b: float = 0.75, bigrams: bool = True
    ) -> None:
        self.tokenizer = tokenizer
        self.k1 = k1
        self.b = b
        self.bigrams = bigrams
        self.vocabulary_: dict[str, int] = {}
        self.weights_: sparse.csr_matrix | None = None

    def terms(self, text: str) -> list[str]:
        """The indexing terms of `text` (words, plus prefixed bigrams when enabled)."""
        terms = self.tokenizer(text)
        if self.bigrams:
            terms = terms + ["#" + g for g in char_bigrams(text)]
        return terms

    def fit(self, texts: Sequence[str]) -> BM25:
        """Index `texts`; document i of later scores is texts[i]."""
        return self.fit_terms([self.terms(text) for text in texts])

    def fit_terms(self, documents: Sequence[list[str]]) -> BM25:
        """Index documents given as term lists (from `terms`), so callers can cache them."""
        vocabulary: dict[str, int] = {}
        rows, cols, counts = [], [], []
        for row, document in enumerate(documents):
            tf: dict[int, int] = {}
            for term in document:
                col = vocabulary.setdefault(term, len(vocabulary))
                tf[col] = tf.get(col, 0) + 1
            rows.extend([row] * len(tf))
            cols.extend(tf)
            counts.extend(tf.values())
        shape = (len(documents), max(len(vocabulary), 1))
        tf_matrix = sparse.csr_matrix(
            (np.asarray(counts, np.float32), (rows, cols)), shape=shape, dtype=np.float32
        )
        lengths = np.asarray(tf_matrix.sum(axis=1)).ravel()
        average = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
        df = np.bincount(tf_matrix.indices, minlength=shape[1]).astype(np.float32)
        idf = np.log1p((len(documents) - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = self.k1 * (1 - self.b + self.b * lengths / average)
        weighted = tf_matrix.tocoo()
        tf_values = weighted.data
        weighted.data = (
            idf[weighted.col] * tf_values * (self.k1 + 1) / (tf_values + norm[weighted.row])
        ).astype(np.float32)
        self.vocabulary_ = vocabulary
        self.weights_ = weighted.tocsr()
        return self

    def _query_matrix(self, queries: Sequence[str]) -> sparse.csr_matrix:
        rows, cols = [], []
        for row, text in enumerate(queries):
            for col in {self.vocabulary_[t] for t in self.terms(text) if t in self.vocabulary_}:
                rows.append(row)
                cols.append(col)
        shape = (len(queries), self.weights_.shape[1])  # type: ignore[union-attr]
        data = np.ones(len(rows), np.float32)
        return sparse.csr_matrix((data, (rows, cols)), shape=shape)

    def scores(self, queries: Sequence[str]) -> np.ndarray:
        """Dense [n_queries, n_docs] BM25 scores (0 where no term is shared)."""
        if self.weights_ is None:
            raise RuntimeError("BM25 is not fitted; call fit(texts) first")
        return (self._query_matrix(queries) @ self.weights_.T).toarray()

    def top(self, queries: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, positions) of the k best documents per query, best first.

        Documents sharing no term with a query are never returned: their position is -1.
        """
        scores = self.scores(queries)
        k = min(k, scores.shape[1])
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        part_scores = np.take_along_axis(scores, part, axis=1)
        order = np.argsort(-part_scores, axis=1, kind="stable")
        positions = np.take_along_axis(part, order, axis=1)
        top_scores = np.take_along_axis(part_scores, order, axis=1)
        positions[top_scores <= 0] = -1
        return top_scores, positions
