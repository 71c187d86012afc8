"""The digest's groups of complaints that no known problem explains (real SQLite, tiny encoder)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.analytics.test_digest import _store
from tests.search.conftest import BigramEncoder, add_analysed
from voc.analytics.digest import build_digest, write_digest
from voc.analytics.unexplained import unexplained_groups
from voc.schema import Problem
from voc.search.candidates import MIN_CENTRE_ITEMS, StoreTooSmallError
from voc.search.linking import link_feedback
from voc.search.problems import ProblemMatcher
from voc.store.problems import upsert_problem
from voc.text.segment import make_segmenter

ZONE = ZoneInfo("Asia/Shanghai")
PROBLEM = Problem(id="P1", title="转账失败提示系统繁忙", description="转账失败系统繁忙")


def _unmatched_store(engine, background: int = MIN_CENTRE_ITEMS) -> None:  # type: ignore[no-untyped-def]
    encoder = BigramEncoder()
    words = ["网点", "客服", "理财", "转账", "贷款", "信用卡", "手机银行", "柜员", "存款", "基金"]
    for i in range(background):
        text = f"{words[i % 10]}{words[(i * 3 + 1) % 10]}服务很好第{i}次满意"
        add_analysed(engine, encoder, text, source="survey", sentiment="positive")
    this_week = datetime(2026, 10, 6, 12)  # 2026-W41
    for text in ["积分莫名其妙清零了", "积分突然清零了，我叫张三", "我的积分怎么清零了"]:
        add_analysed(engine, encoder, text, touchpoint="marketing_rewards", created_at=this_week)
    weeks_ago = datetime(2026, 9, 22, 12)  # 2026-W39
    for text in ["分期手续费太高", "信用卡分期手续费高", "分期的手续费算得太高"]:
        add_analysed(engine, encoder, text, touchpoint="card_instalment", created_at=weeks_ago)
    upsert_problem(engine, PROBLEM)
    tokens = make_segmenter("jieba").tokens
    matcher = ProblemMatcher(encoder, tokens, threshold=0.99).fit([PROBLEM])
    link_feedback(engine, matcher, encoder)


def test_unexplained_groups_are_the_weeks_unmatched_complaint_groups(engine) -> None:  # type: ignore[no-untyped-def]
    _unmatched_store(engine)
    tokens = make_segmenter("jieba").tokens
    groups = unexplained_groups(engine, "2026-W41", ZONE, tokens, min_similarity=0.35)
    assert [(g["touchpoint"], g["this_week"], g["size"]) for g in groups] == [
        ("marketing_rewards", 3, 3)
    ]
    assert "积分" in groups[0]["keywords"] or "清零" in groups[0]["keywords"]
    assert groups[0]["nearest_problem"] == "P1"
    assert "张三" not in str(groups)  # examples are masked again before they are cut
    older = unexplained_groups(engine, "2026-W39", ZONE, tokens, min_similarity=0.35)
    assert [g["touchpoint"] for g in older] == ["card_instalment"]
    assert unexplained_groups(engine, "2026-W45", ZONE, tokens, min_similarity=0.35) == []


def test_digest_says_when_the_store_is_too_small_to_group(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _unmatched_store(engine, background=0)
    _store(engine)  # after the linking: these items carry vectors of another test encoder
    tokens = make_segmenter("jieba").tokens
    with pytest.raises(StoreTooSmallError):
        unexplained_groups(engine, "2026-W41", ZONE, tokens, min_similarity=0.35)
    page = build_digest(engine, "2026-W41", refresh=False)
    assert page["unexplained"] == []
    assert f"at least {MIN_CENTRE_ITEMS} analysed items" in page["unexplained_note"]
    md, *_ = write_digest(page, "md", tmp_path)
    assert f"at least {MIN_CENTRE_ITEMS} analysed items" in md.read_text(encoding="utf-8")


def test_digest_page_shows_the_unexplained_section(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _store(engine)
    page = build_digest(engine, "2026-W41", refresh=False)
    assert page["unexplained"] == [] and page["unexplained_note"] is None  # nothing unmatched
    md, *_ = write_digest(page, "md", tmp_path)
    assert "## Complaints no known problem explains\n- none" in md.read_text(encoding="utf-8")
    page["unexplained"] = [
        {
            "size": 5,
            "this_week": 3,
            "touchpoint": "marketing_rewards",
            "keywords": ["积分", "清零", "通知"],
            "first_seen": "2026-09-30",
            "nearest_problem": "P003",
            "nearest_score": 0.91,
            "example": "积分莫名其妙清零了，也没提前通知。",
        }
    ]
    md, *_ = write_digest(page, "md", tmp_path)
    text = md.read_text(encoding="utf-8")
    assert "**积分 清零 通知** (marketing_rewards): 3 this week, 5 since 2026-09-30" in text
    assert "> 积分莫名其妙清零了，也没提前通知。" in text
    (html,) = write_digest(page, "html", tmp_path)
    assert "<b>积分 清零 通知</b>" in html.read_text(encoding="utf-8")
