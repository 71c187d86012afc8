"""Tests for voc.models.sentiment_experts (source gate + per-source TF-IDF experts)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voc.models.sentiment_experts import SourceExperts

FORUM = ["这只股票明天会涨吗", "大盘今天跌惨了", "银行股估值偏低", "券商板块又涨了"]
FORUM_LABELS = [1, 0, 1, 2]
TAKEAWAY = [
    "外卖送得很快，好吃",
    "送餐太慢了，菜都凉了",
    "味道不错，分量足",
    "骑手态度差，洒了一半",
]
TAKEAWAY_LABELS = [2, 0, 2, 0]


def _fitted() -> SourceExperts:
    texts = (FORUM + TAKEAWAY) * 3
    labels = (FORUM_LABELS + TAKEAWAY_LABELS) * 3
    sources = (["finfe"] * 4 + ["waimai"] * 4) * 3
    return SourceExperts(c=10.0, gate_c=10.0, min_df=1, gate_min_df=1).fit(texts, labels, sources)


def test_experts_gate_reads_the_source_from_the_text() -> None:
    experts = _fitted()
    gate, expert_log = experts.parts(["外卖送得很快", "大盘今天跌惨了"])
    assert experts.sources_ == ["finfe", "waimai"]
    assert gate.shape == (2, 2) and expert_log.shape == (2, 2, 3)
    assert gate[0].argmax() == 1 and gate[1].argmax() == 0
    np.testing.assert_allclose(gate.sum(axis=1), 1.0, rtol=1e-5)


def test_experts_without_neutral_rank_it_between_the_others() -> None:
    experts = _fitted()
    _, expert_log = experts.parts(["味道不错", "送餐太慢了"])
    for row in np.exp(expert_log[:, 1]):  # the takeaway expert never saw neutral
        low, high = sorted((row[0], row[2]))
        assert low < row[1] < high
        assert row[1] == pytest.approx(np.sqrt(row[0] * row[2]), rel=1e-4)
    liked, disliked = np.exp(expert_log[:, 1])
    assert liked[2] > liked[0] and disliked[0] > disliked[2]  # learnt from its own rows


def test_experts_mixture_is_a_distribution() -> None:
    proba = _fitted().predict_proba(["送餐太慢了", "券商板块又涨了", "完全无关的一句话"])
    assert proba.shape == (3, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert proba[0].argmax() == 0


def test_experts_save_load_round_trip(tmp_path: Path) -> None:
    experts = _fitted()
    experts.save(tmp_path / "experts")
    loaded = SourceExperts.load(tmp_path / "experts")
    texts = ["外卖送得很快，好吃", "银行股估值偏低"]
    np.testing.assert_allclose(loaded.predict_proba(texts), experts.predict_proba(texts), atol=1e-6)
    assert loaded.version == experts.version


def test_experts_refuse_bad_use(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        SourceExperts().parts(["x"])
    with pytest.raises(ValueError, match="at least two sources"):
        SourceExperts(min_df=1, gate_min_df=1).fit(FORUM, FORUM_LABELS, ["finfe"] * 4)
    (tmp_path / "config.json").write_text('{"name": "voc.sentiment.v1"}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"is not 'voc\.sentiment\.experts'"):
        SourceExperts.load(tmp_path)


def test_experts_other_texts_get_a_gate_class_without_an_expert(tmp_path: Path) -> None:
    bank = [
        "手机银行转账一直失败",
        "信用卡分期手续费怎么算",
        "网点柜台排队太久了",
        "贷款审批要多久",
    ]
    texts = (FORUM + TAKEAWAY) * 3
    labels = (FORUM_LABELS + TAKEAWAY_LABELS) * 3
    sources = (["finfe"] * 4 + ["waimai"] * 4) * 3
    experts = SourceExperts(min_df=1, gate_min_df=1).fit(texts, labels, sources, bank * 3)
    gate, expert_log = experts.parts(["信用卡分期手续费太贵", "外卖送得很快"])
    assert experts.has_other_ and gate.shape == (2, 3) and expert_log.shape == (2, 2, 3)
    assert gate[0].argmax() == 2 and gate[1].argmax() == 1  # bank text -> other
    np.testing.assert_allclose(experts.predict_proba(["信用卡"]).sum(), 1.0, rtol=1e-5)
    experts.save(tmp_path / "e")
    assert SourceExperts.load(tmp_path / "e").has_other_
    with pytest.raises(ValueError, match="reserved"):
        SourceExperts(min_df=1, gate_min_df=1).fit(texts, labels, ["other", "finfe"] * 12)
