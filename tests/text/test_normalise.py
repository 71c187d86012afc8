"""Tests for voc.text.normalise."""

from __future__ import annotations

import pickle
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voc.text.normalise import TextNormaliser, normalise_text


def test_normalise_fullwidth_letters_and_digits_to_ascii() -> None:
    assert normalise_text("ＡＴＭ机取款１２３元ａｂｃ") == "ATM机取款123元abc"


def test_normalise_fullwidth_symbols_to_ascii() -> None:
    assert normalise_text("＠＃＄％＆＊＋－／＜＝＞［］＾＿｀｛｜｝～") == "@#$%&*+-/<=>[]^_`{|}~"


def test_normalise_ideographic_space_to_space() -> None:
    assert normalise_text("转账\u3000失败") == "转账 失败"


def test_normalise_chinese_punctuation_kept() -> None:
    punctuation = "，。！？；：、“”‘’（）《》【】"
    assert normalise_text(f"好{punctuation}差") == f"好{punctuation}差"


def test_normalise_sentiment_punctuation_kept() -> None:
    assert normalise_text("太差了！！！ 为什么??? 好吧~") == "太差了！！！ 为什么??? 好吧~"


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("銀行轉賬失敗，體驗很差", "银行转账失败，体验很差"),
        ("手機號碼", "手机号码"),
        ("餘額不足", "余额不足"),
        ("信用卡額度", "信用卡额度"),
    ],
)
def test_normalise_traditional_to_simplified(traditional: str, simplified: str) -> None:
    assert normalise_text(traditional) == simplified


def test_normalise_whitespace_collapsed_and_stripped() -> None:
    assert normalise_text(" \t转账\r\n\n失败 \xa0 \u3000了\u2028 ") == "转账 失败 了"


def test_normalise_zero_width_characters_removed() -> None:
    assert normalise_text("转\u200b账\u200c失\ufeff败\u2060") == "转账失败"


def test_normalise_control_characters_removed() -> None:
    assert normalise_text("a\x00b\x07c\x1bd\x7fe\u202ef") == "abcdef"


def test_normalise_emoji_kept() -> None:
    assert normalise_text("太差了😡👍🏻") == "太差了😡👍🏻"


def test_normalise_zwj_emoji_sequence_kept_stray_zwj_removed() -> None:
    family = "👨\u200d👩\u200d👧"
    assert normalise_text(f"{family} 好\u200d的") == f"{family} 好的"


def test_normalise_empty_and_blank() -> None:
    assert normalise_text("") == ""
    assert normalise_text(" \t\n\u3000") == ""


def test_normalise_ascii_untouched() -> None:
    assert normalise_text("App crashed, version 8.2.0!") == "App crashed, version 8.2.0!"


def test_normalise_text_normaliser_callable_and_picklable() -> None:
    normaliser = TextNormaliser()
    assert normaliser("體驗") == "体验"
    clone = pickle.loads(pickle.dumps(normaliser))
    assert clone._cc is None
    assert clone("體驗") == "体验"


@given(st.text())
def test_normalise_output_is_canonical(text: str) -> None:
    out = normalise_text(text)
    assert out == out.strip()
    assert "  " not in out
    for ch in out:
        assert ch == " " or not ch.isspace()
        assert unicodedata.category(ch) not in ("Cc", "Cs")
        assert unicodedata.category(ch) != "Cf" or ch == "\u200d"
        assert not ("\uff10" <= ch <= "\uff19" or "\uff21" <= ch <= "\uff3a")


@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once
