"""Tests for voc.text.clauses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voc.text.clauses import TURN_WORDS, Clause, split_clauses


def _texts(text: str) -> list[str]:
    return [c.text for c in split_clauses(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("APP很好用，但是贷款审批太慢了", ["APP很好用", "但是贷款审批太慢了"]),
        ("柜员很耐心，不过排队太久", ["柜员很耐心", "不过排队太久"]),
        ("额度还行，就是利息太高", ["额度还行", "就是利息太高"]),
        ("很快到账，结果扣了手续费", ["很快到账", "结果扣了手续费"]),
        ("很好～但是很差", ["很好", "但是很差"]),
    ],
)
def test_clauses_comma_then_turn_word_splits(text: str, expected: list[str]) -> None:
    assert _texts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("界面好看但是审批太慢", ["界面好看", "但是审批太慢"]),
        ("利率低不过额度太少", ["利率低", "不过额度太少"]),
        ("客服态度好可是没解决问题", ["客服态度好", "可是没解决问题"]),
    ],
)
def test_clauses_strong_turn_word_splits_without_comma(text: str, expected: list[str]) -> None:
    assert _texts(text) == expected


@pytest.mark.parametrize("text", ["很好结果很差", "很好但也一般"])
def test_clauses_weak_turn_word_without_comma_does_not_split(text: str) -> None:
    assert _texts(text) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("太差了！！再也不用了", ["太差了！！", "再也不用了"]),
        ("很好!!很差", ["很好!!", "很差"]),
        ("为什么又扣费？？？客服也不回", ["为什么又扣费？？？", "客服也不回"]),
        ("转账失败。客服不接", ["转账失败。", "客服不接"]),
        ("等了很久……终于到账", ["等了很久……", "终于到账"]),
        ("很好...很差", ["很好...", "很差"]),
    ],
)
def test_clauses_sentence_punctuation_stays_with_its_clause(text: str, expected: list[str]) -> None:
    assert _texts(text) == expected


def test_clauses_comma_without_turn_word_stays_one_clause() -> None:
    assert _texts("转账一直转圈，最后提示系统繁忙") == ["转账一直转圈，最后提示系统繁忙"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("好", ["好"]),
        ("呵呵，又闪退", ["呵呵，又闪退"]),
        # a one-character sentence joins the next clause ...
        ("好。又闪退了", ["好。又闪退了"]),
        # ... or the previous one when it comes last
        ("转账失败了。好", ["转账失败了。好"]),
        ("好！！但是慢", ["好！！但是慢"]),
    ],
)
def test_clauses_tiny_fragments_merge(text: str, expected: list[str]) -> None:
    assert _texts(text) == expected


def test_clauses_min_chars_controls_merging() -> None:
    assert _texts("好。又闪退了") == ["好。又闪退了"]
    assert [c.text for c in split_clauses("好。又闪退了", min_chars=1)] == ["好。", "又闪退了"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("升级到8.2.0以后闪退", ["升级到8.2.0以后闪退"]),
        ("v8.2.0版本闪退。", ["v8.2.0版本闪退。"]),
        ("版本8.2.0。很好", ["版本8.2.0。", "很好"]),
        ("利率3.85太高", ["利率3.85太高"]),
    ],
)
def test_clauses_version_numbers_not_split(text: str, expected: list[str]) -> None:
    assert _texts(text) == expected


def test_clauses_spans_index_original_text() -> None:
    text = "  APP很好用， 但是贷款审批太慢了！！再也不用了"
    clauses = split_clauses(text)
    assert clauses == [
        Clause("APP很好用", 2, 8),
        Clause("但是贷款审批太慢了！！", 10, 21),
        Clause("再也不用了", 21, 26),
    ]
    assert all(text[c.start : c.end] == c.text for c in clauses)


@pytest.mark.parametrize("text", ["", " ", "   ", "\t", " ，， "])
def test_clauses_empty_or_blank_input_gives_nothing(text: str) -> None:
    assert split_clauses(text) == []


@pytest.mark.parametrize("text", ["\n", "\r\n", "\u3000", " \n \n"])
def test_clauses_newline_only_input_gives_nothing(text: str) -> None:
    assert split_clauses(text) == []


@pytest.mark.parametrize("text", ["第一句很好\n第二句很差", "很好\n  \n很差"])
def test_clauses_text_has_no_surrounding_whitespace(text: str) -> None:
    clauses = split_clauses(text)
    assert len(clauses) == 2
    assert [c.text for c in clauses] == [c.text.strip() for c in clauses]
    assert all(text[c.start : c.end] == c.text for c in clauses)


_PIECES = st.one_of(
    st.sampled_from(
        [*"转账失败好慢很差APP8.2.0 ，,。！!？?；;…~～、\n\t", *TURN_WORDS, "...", "呵呵", "3.5"]
    ),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80),
)
_TEXTS = st.lists(_PIECES, max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXTS, st.integers(min_value=1, max_value=4))
def test_clauses_spans_are_exact_ordered_and_disjoint(text: str, min_chars: int) -> None:
    clauses = split_clauses(text, min_chars=min_chars)
    previous_end = 0
    for clause in clauses:
        assert text[clause.start : clause.end] == clause.text
        assert clause.text == clause.text.strip()
        assert clause.start >= previous_end
        assert clause.end > clause.start
        previous_end = clause.end


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_clauses_only_separators_fall_between_clauses(text: str) -> None:
    clauses = split_clauses(text)
    cursor = 0
    gaps = []
    for clause in clauses:
        gaps.append(text[cursor : clause.start])
        cursor = clause.end
    gaps.append(text[cursor:])
    assert all(ch.isspace() or ch in "，,、~～" for ch in "".join(gaps))
