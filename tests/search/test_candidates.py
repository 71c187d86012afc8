"""Candidate problems: groups of unmatched complaints, on vectors centred on the store's mean."""

from __future__ import annotations

import pytest

from tests.search.conftest import add_analysed
from tests.search.test_linking import _matcher
from voc.search.candidates import MIN_CENTRE_ITEMS, StoreTooSmallError, propose_candidates
from voc.search.linking import link_feedback
from voc.text.segment import make_segmenter


def _background(engine, encoder, n: int = MIN_CENTRE_ITEMS, frame: str = "") -> None:  # type: ignore[no-untyped-def]
    """Praise from surveys: analysed (so part of the store's mean), never a complaint."""
    words = ["网点", "客服", "理财", "转账", "贷款", "信用卡", "手机银行", "柜员", "存款", "基金"]
    for i in range(n):
        text = f"{frame}{words[i % 10]}{words[(i * 3 + 1) % 10]}服务很好第{i}次满意"
        add_analysed(engine, encoder, text, source="survey", sentiment="positive")


def test_candidates_group_similar_unmatched_complaints(engine, encoder) -> None:
    _background(engine, encoder)
    for text in ["理财产品赎回到账慢", "理财产品赎回到账太慢了", "理财赎回到账慢要三天"]:
        add_analysed(engine, encoder, text, touchpoint="wealth")
    add_analysed(engine, encoder, "柜台人员态度很差")
    link_feedback(engine, _matcher(engine, encoder, threshold=0.99), encoder)
    found = propose_candidates(engine, make_segmenter("jieba").tokens, min_size=3)
    assert len(found) == 1
    assert found[0].size == 3
    assert found[0].touchpoint == "wealth"
    assert "赎回" in found[0].keywords or "理财产品" in found[0].keywords


def test_candidates_split_themes_that_share_a_common_complaint_frame(engine, encoder) -> None:
    """Every text shares a long frame (as every e5 vector shares one large direction), so raw
    cosines are high for every pair; centring on the store's mean keeps the two themes apart
    instead of one group of everything."""
    frame = "星海银行客户意见记录如下请相关部门查收并处理"
    _background(engine, encoder, frame=frame)
    themes = {
        "wealth": ["理财赎回到账慢", "理财产品赎回到账很慢", "赎回理财三天才到账"],
        "card_instalment": ["分期手续费太高", "信用卡分期手续费高", "分期的手续费算得太高"],
    }
    members = {
        touchpoint: {add_analysed(engine, encoder, frame + t, touchpoint=touchpoint) for t in texts}
        for touchpoint, texts in themes.items()
    }
    for text in ["网点排队两个小时", "客服电话一直占线", "短信通知不及时"]:
        add_analysed(engine, encoder, frame + text)
    link_feedback(engine, _matcher(engine, encoder, threshold=0.99), encoder)
    vectors = encoder.encode([frame + t for texts in themes.values() for t in texts])
    assert (vectors @ vectors.T).min() > 0.6  # raw cosines: every themed pair looks alike
    found = propose_candidates(engine, make_segmenter("jieba").tokens, min_size=3)
    assert sorted(c.touchpoint for c in found) == ["card_instalment", "wealth"]
    for candidate in found:  # each theme whole in its own group, never the two together
        assert members[candidate.touchpoint] <= set(candidate.feedback_ids)
        assert candidate.size <= len(members[candidate.touchpoint]) + 1


def test_candidates_refuse_a_store_too_small_to_centre(engine, encoder) -> None:
    for text in ["理财产品赎回到账慢", "理财产品赎回到账太慢了", "理财赎回到账慢要三天"]:
        add_analysed(engine, encoder, text, touchpoint="wealth")
    link_feedback(engine, _matcher(engine, encoder, threshold=0.99), encoder)
    with pytest.raises(StoreTooSmallError, match=f"at least {MIN_CENTRE_ITEMS} analysed items"):
        propose_candidates(engine, make_segmenter("jieba").tokens, min_size=3)
