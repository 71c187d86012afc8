"""Document vectors: clause vectors pooled by length, formulaic clauses left out."""

from __future__ import annotations

import numpy as np

from voc.analysis.pipeline import POOLING, Analyzer, clause_weights, pooled_embedding


def test_formulaic_clauses_do_not_weigh_in_the_document_vector() -> None:
    weights = clause_weights(["分期手续费比说的高", "好的，谢谢。", "卡号是[银行卡]。"])
    assert weights.tolist() == [9.0, 0.0, 0.0]
    only_courtesy = clause_weights(["好的，谢谢。", "再见"])
    assert np.all(only_courtesy > 0)  # nothing else to go on: plain length weights


def test_pooled_embedding_is_the_weighted_unit_mean() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    pooled = pooled_embedding(vectors, np.array([3.0, 0.0], dtype=np.float32))
    assert np.allclose(pooled, [1.0, 0.0])


def test_analysis_version_names_the_pooling() -> None:
    """A change of pooling (e.g. of the phrase list) must re-analyse stored items."""

    class Named:
        version = "s"
        version_ = "t"
        name = "e"

    analyzer = Analyzer(Named(), Named(), Named())  # type: ignore[arg-type]
    assert analyzer.version == f"s|t|e|{POOLING}"
    assert POOLING.startswith("formulaic.v2-")
