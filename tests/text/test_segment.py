"""Tests for voc.text.segment."""

from __future__ import annotations

import logging
import re

import pytest

from voc.text.segment import (
    JiebaSegmenter,
    default_stopwords,
    default_userdict,
    load_stopwords,
    make_segmenter,
)

_CHINESE_WORD = re.compile(r"^[\u4e00-\u9fffa-z]+$")


@pytest.fixture(scope="module")
def segmenter() -> JiebaSegmenter:
    return JiebaSegmenter()


def test_segment_defaults_are_the_shipped_lexicons(segmenter: JiebaSegmenter) -> None:
    assert segmenter.userdict == default_userdict()
    assert segmenter.stopwords == default_stopwords()
    assert default_userdict().is_file()
    assert default_stopwords().is_file()


def test_segment_userdict_keeps_finance_terms_whole(segmenter: JiebaSegmenter) -> None:
    assert segmenter.cut("信用卡账单分期手续费怎么算") == [
        "信用卡",
        "账单分期",
        "手续费",
        "怎么",
        "算",
    ]


def test_segment_plain_jieba_splits_what_the_userdict_joins() -> None:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    words = jieba.Tokenizer().lcut("信用卡账单分期手续费怎么算")
    assert "账单分期" not in words
    assert words[:3] == ["信用卡", "账单", "分期"]


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("我想查一下审批进度", "审批进度"),
        ("手机银行转人工太难了", "转人工"),
        ("跨行转账手续费太贵", "跨行转账"),
    ],
)
def test_segment_userdict_terms_survive_in_context(
    segmenter: JiebaSegmenter, text: str, term: str
) -> None:
    assert term in segmenter.cut(text)


def test_segment_cut_drops_whitespace_only(segmenter: JiebaSegmenter) -> None:
    words = segmenter.cut("转账  失败，\n怎么办")
    assert "".join(words) == "转账失败，怎么办"
    assert all(w.strip() for w in words)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("信用卡账单分期手续费怎么算", ["信用卡", "账单分期", "手续费", "算"]),
        (
            "我在2024年3月转账了500元，手续费是1.5%，太坑了！！请问为什么？",
            ["转账", "手续费", "太坑"],
        ),
        ("APP又闪退了", ["app", "闪退"]),
        ("手机银行挺好用的", ["手机银行", "挺好用"]),
    ],
)
def test_segment_tokens_drop_stopwords_numbers_punctuation(
    segmenter: JiebaSegmenter, text: str, expected: list[str]
) -> None:
    assert segmenter.tokens(text) == expected


def test_segment_tokens_are_words_not_sentences(segmenter: JiebaSegmenter) -> None:
    tokens = segmenter.tokens("APP很好用，但是贷款审批太慢了。转账一直转圈，最后提示系统繁忙")
    assert len(tokens) >= 5
    assert all(_CHINESE_WORD.match(t) for t in tokens)
    assert all(len(t) <= 8 for t in tokens)
    stop = load_stopwords(default_stopwords())
    assert not stop.intersection(tokens)


def test_segment_make_segmenter_jieba_passes_options() -> None:
    seg = make_segmenter("jieba", hmm=False)
    assert isinstance(seg, JiebaSegmenter)
    assert seg.hmm is False


def test_segment_make_segmenter_unknown_name_lists_valid() -> None:
    with pytest.raises(ValueError, match=r"unknown segmenter 'whitespace'; valid: \['jieba'\]"):
        make_segmenter("whitespace")


def test_segment_callable_works_as_countvectorizer_tokenizer(segmenter: JiebaSegmenter) -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    texts = [
        "APP很好用，但是贷款审批太慢了",
        "信用卡账单分期手续费怎么算",
        "转账一直转圈，最后提示系统繁忙",
    ]
    vectorizer = CountVectorizer(tokenizer=segmenter, token_pattern=None, lowercase=False)
    matrix = vectorizer.fit_transform(texts)
    vocabulary = set(vectorizer.vocabulary_)
    assert {"账单分期", "手续费", "转账", "贷款审批", "app"} <= vocabulary
    assert all(_CHINESE_WORD.match(w) and len(w) <= 8 for w in vocabulary)
    assert matrix.shape == (3, len(vocabulary))
    assert not vocabulary & {"，", "但是", "怎么", "一直"}


def test_segment_tokens_keep_haoyong_after_hen(segmenter: JiebaSegmenter) -> None:
    assert "好用" in segmenter.tokens("APP很好用")
