"""Problem matcher: threshold behaviour, ranking, versioning."""

from __future__ import annotations

import numpy as np
import pytest

from voc.schema import Problem
from voc.search.problems import ProblemMatcher
from voc.text.segment import make_segmenter

LIBRARY = [
    Problem(id="P1", title="转账失败提示系统繁忙", description="网关超时导致转账失败"),
    Problem(id="P2", title="信用卡分期手续费不透明", description="分期手续费计算复杂"),
]


def _matcher(encoder, threshold: float, mode: str = "hybrid") -> ProblemMatcher:  # type: ignore[no-untyped-def]
    tokens = make_segmenter("jieba").tokens
    return ProblemMatcher(encoder, tokens, threshold=threshold, mode=mode).fit(LIBRARY)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_matcher_links_at_or_above_threshold_only(encoder, mode: str) -> None:
    text = "转账失败，提示系统繁忙"
    vectors = encoder.encode([text])
    score = _matcher(encoder, 0.0, mode).match(text, vectors).score
    assert score is not None
    at = _matcher(encoder, score, mode).match(text, vectors)
    above = _matcher(encoder, score + 1e-3, mode).match(text, vectors)
    assert (at.problem_id, at.matched) == ("P1", True)
    assert (above.problem_id, above.matched) == ("P1", False)


def test_matcher_scores_the_best_clause_not_just_the_whole_text(encoder) -> None:
    text = "网点装修得不错，分期手续费计算复杂"
    whole = encoder.encode([text])
    clause = encoder.encode(["分期手续费计算复杂"])
    matcher = _matcher(encoder, 0.0, "dense")
    only_whole = matcher.rank(text, whole, k=1)[0]
    with_clause = matcher.rank(text, np.vstack([whole, clause]), k=1)[0]
    assert with_clause[0] == "P2"
    assert with_clause[1] >= only_whole[1]


def test_matcher_version_changes_with_library_and_threshold(encoder) -> None:
    a = _matcher(encoder, 0.9).version_
    b = _matcher(encoder, 0.8).version_
    edited = ProblemMatcher(encoder, make_segmenter("jieba").tokens, threshold=0.9).fit(
        [LIBRARY[0].model_copy(update={"title": "转账失败"}), LIBRARY[1]]
    )
    assert len({a, b, edited.version_}) == 3


def test_empty_library_matches_nothing(encoder) -> None:
    matcher = ProblemMatcher(encoder, make_segmenter("jieba").tokens, threshold=0.5).fit([])
    match = matcher.match("转账失败", encoder.encode(["转账失败"]))
    assert (match.problem_id, match.matched) == (None, False)
