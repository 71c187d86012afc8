"""BM25: exact terms rank first, unrelated documents are never returned."""

from __future__ import annotations

import numpy as np

from voc.search.bm25 import BM25, char_bigrams
from voc.text.segment import make_segmenter

DOCS = [
    "U盾插上电脑没有反应，网银无法登录",
    "信用卡账单分期手续费太高",
    "跨行转账一直显示处理中",
    "网点排队太久，柜员态度一般",
]


def test_bm25_ranks_the_document_sharing_rare_terms_first() -> None:
    bm25 = BM25(make_segmenter("jieba").tokens).fit(DOCS)
    scores, positions = bm25.top(["U盾没反应怎么办"], k=4)
    assert positions[0, 0] == 0
    assert scores[0, 0] > 0


def test_bm25_never_returns_documents_without_shared_terms() -> None:
    bm25 = BM25(make_segmenter("jieba").tokens).fit(DOCS)
    _, positions = bm25.top(["理财产品收益"], k=4)
    assert (positions == -1).all()


def test_char_bigrams_match_across_segmentation_differences() -> None:
    assert char_bigrams("分期 手续费") == ["分期", "期手", "手续", "续费"]
    bm25 = BM25(lambda text: [], bigrams=True).fit(DOCS)
    scores = bm25.scores(["分期手续"])
    assert int(np.argmax(scores[0])) == 1
