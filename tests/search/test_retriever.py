"""Hybrid retrieval on a small fixture: fusion order, dense cosines, filters."""

from __future__ import annotations

import numpy as np

from voc.search.corpus import build_retriever
from voc.text.segment import make_segmenter

CORPUS = [
    "转账失败提示系统繁忙",
    "转账到账很慢要等两天",
    "E0023错误码是什么意思",
    "信用卡分期手续费怎么算",
]


def _retriever(encoder, mode):  # type: ignore[no-untyped-def]
    vectors = encoder.encode(CORPUS)
    return build_retriever(
        vectors,
        CORPUS,
        encoder_name=encoder.name,
        mode=mode,
        tokenizer=make_segmenter("jieba").tokens,
        candidates=4,
    )


def test_dense_mode_returns_cosines_best_first(encoder) -> None:
    query = "转账失败 系统繁忙"
    hits = _retriever(encoder, "dense").search(encoder.encode([query]), [query], k=2)[0]
    assert hits[0].id == 0
    expected = float(encoder.encode([query])[0] @ encoder.encode([CORPUS[0]])[0])
    assert np.isclose(hits[0].cosine, expected, atol=1e-5)
    assert hits[0].score >= hits[1].score


def test_hybrid_fuses_a_lexical_exact_match_above_dense_neighbours(encoder) -> None:
    # The error code is one term; char bigrams barely see it, BM25 sees it exactly.
    query = "APP报E0023"
    dense = _retriever(encoder, "dense").search(encoder.encode([query]), [query], k=4)[0]
    hybrid = _retriever(encoder, "hybrid").search(encoder.encode([query]), [query], k=4)[0]
    assert hybrid[0].id == 2
    assert [h.id for h in hybrid].index(2) <= [h.id for h in dense].index(2)


def test_keep_filters_candidates(encoder) -> None:
    query = "转账"
    hits = _retriever(encoder, "hybrid").search(
        encoder.encode([query]), [query], k=4, keep=lambda i: i != 0
    )[0]
    assert 0 not in [h.id for h in hits]
    assert hits
