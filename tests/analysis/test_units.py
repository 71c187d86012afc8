"""Tests for voc.analysis.units."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from voc.analysis.units import ClauseUnit, clause_units, document_text
from voc.schema import Feedback, Turn

_AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _survey(text: str, source: str = "survey") -> Feedback:
    return Feedback(id="s1", source=source, created_at=_AT, text=text)  # type: ignore[arg-type]


def _call(turns: list[tuple[str, str]], text: str = "坐席：您好\n客户：转账失败") -> Feedback:
    return Feedback(
        id="c1",
        source="call_transcript",
        created_at=_AT,
        text=text,
        turns=[Turn(speaker=s, text=t) for s, t in turns],  # type: ignore[arg-type]
    )


def test_units_survey_text_is_split_into_clauses() -> None:
    item = _survey("APP很好用，但是贷款审批太慢了！！再也不用了")
    assert document_text(item) == item.text
    assert clause_units(item) == [
        ClauseUnit(0, "customer", "APP很好用", 0, 6),
        ClauseUnit(1, "customer", "但是贷款审批太慢了！！", 7, 18),
        ClauseUnit(2, "customer", "再也不用了", 18, 23),
    ]


@pytest.mark.parametrize("source", ["survey", "app_review", "complaint"])
def test_units_spans_index_the_document_text(source: str) -> None:
    item = _survey("  界面好看但是审批太慢。转账一直转圈，最后提示系统繁忙", source=source)
    text = document_text(item)
    units = clause_units(item)
    assert [u.text for u in units] == [
        "界面好看",
        "但是审批太慢。",
        "转账一直转圈，最后提示系统繁忙",
    ]
    assert [u.position for u in units] == [0, 1, 2]
    assert all(text[u.start : u.end] == u.text for u in units)


def test_units_call_transcript_uses_customer_turns_only() -> None:
    item = _call(
        [
            ("agent", "您好，请问有什么可以帮您"),
            ("customer", "我转账一直失败，但是钱扣了"),
            ("agent", "非常抱歉给您带来不便，但是系统正在升级"),
            ("system", "通话转接中"),
            ("customer", "   "),
            ("customer", "赶紧处理"),
        ]
    )
    text = document_text(item)
    assert text == "我转账一直失败，但是钱扣了\n赶紧处理"
    assert "您好" not in text and "抱歉" not in text and "转接" not in text
    units = clause_units(item)
    assert [u.speaker for u in units] == ["customer"] * 3
    assert [u.text for u in units] == ["我转账一直失败", "但是钱扣了", "赶紧处理"]
    assert [(u.start, u.end) for u in units] == [(0, 7), (8, 13), (14, 18)]
    assert all(text[u.start : u.end] == u.text for u in units)


def test_units_call_without_customer_turns_has_nothing_to_analyse() -> None:
    item = _call([("agent", "您好，请问有什么可以帮您"), ("system", "通话结束")])
    assert document_text(item) == ""
    assert clause_units(item) == []


def test_units_call_without_turns_falls_back_to_text() -> None:
    item = _call([], text="客户说转账失败，但是钱扣了")
    assert document_text(item) == "客户说转账失败，但是钱扣了"
    assert [u.text for u in clause_units(item)] == ["客户说转账失败", "但是钱扣了"]


@pytest.mark.parametrize("text", ["", "   "])
def test_units_blank_text_gives_no_units(text: str) -> None:
    assert clause_units(_survey(text)) == []


def test_units_max_clauses_bounds_long_documents() -> None:
    item = _survey("。".join(f"第{i}次转账失败" for i in range(10)))
    assert len(clause_units(item)) == 10
    units = clause_units(item, max_clauses=3)
    assert [u.position for u in units] == [0, 1, 2]
    assert units[-1].text == "第2次转账失败。"


def test_units_call_clause_text_has_no_turn_separator() -> None:
    item = _call([("customer", "我转账一直失败，但是钱扣了"), ("customer", "赶紧处理")])
    assert [u.text for u in clause_units(item)] == ["我转账一直失败", "但是钱扣了", "赶紧处理"]
