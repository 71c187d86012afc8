"""Linking stored complaints to the problem library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import select, update

from tests.search.conftest import add_analysed, add_clauses
from voc.schema import Problem
from voc.search.linking import link_feedback, match_vectors, unmatched_feedback
from voc.search.problems import ProblemMatcher
from voc.store.problems import link_case, upsert_problem
from voc.store.search_tables import problem_matches
from voc.store.tables import analyses, problem_links
from voc.text.segment import make_segmenter

P1 = Problem(id="P1", title="转账失败提示系统繁忙", description="转账失败系统繁忙")


def _matcher(engine, encoder, threshold: float = 0.6) -> ProblemMatcher:  # type: ignore[no-untyped-def]
    upsert_problem(engine, P1)
    return ProblemMatcher(encoder, make_segmenter("jieba").tokens, threshold=threshold).fit([P1])


def _links(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        rows = connection.execute(select(problem_links.c.feedback_id, problem_links.c.method))
        return dict(rows.fetchall())


def test_link_feedback_links_matches_and_keeps_unmatched_scores(engine, encoder) -> None:
    near = add_analysed(engine, encoder, "转账失败了，系统繁忙")
    far = add_analysed(engine, encoder, "理财收益率太低了")
    praise = add_analysed(
        engine, encoder, "转账失败系统繁忙好评", source="survey", sentiment="positive"
    )
    report = link_feedback(engine, _matcher(engine, encoder), encoder)
    assert (report.checked, report.linked, report.unmatched) == (2, 1, 1)
    assert _links(engine) == {near: "auto"}
    with engine.connect() as connection:
        query = select(problem_matches.c.feedback_id, problem_matches.c.matched)
        rows = dict(connection.execute(query).fetchall())
    assert rows == {near: True, far: False}
    assert [r["feedback_id"] for r in unmatched_feedback(engine)] == [far]
    assert praise not in rows  # positive survey answers are not complaints


def test_link_feedback_rematches_items_analysed_again(engine, encoder) -> None:
    item = add_analysed(engine, encoder, "转账失败了，系统繁忙")
    matcher = _matcher(engine, encoder)
    assert link_feedback(engine, matcher, encoder).checked == 1
    assert link_feedback(engine, matcher, encoder).checked == 0
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=1)
    with engine.begin() as connection:  # new models or pooling: a new vector, a new match
        connection.execute(
            update(analyses).where(analyses.c.feedback_id == item).values(analysed_at=later)
        )
    assert link_feedback(engine, matcher, encoder).checked == 1


def test_link_feedback_drops_items_no_longer_complaints(engine, encoder) -> None:
    review = add_analysed(engine, encoder, "转账失败系统繁忙", source="app_review")
    matcher = _matcher(engine, encoder)
    assert link_feedback(engine, matcher, encoder).linked == 1
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=1)
    with engine.begin() as connection:  # analysed again: now read as positive
        connection.execute(
            update(analyses)
            .where(analyses.c.feedback_id == review)
            .values(analysed_at=later, sentiment="positive")
        )
    assert link_feedback(engine, matcher, encoder).checked == 0
    assert _links(engine) == {}
    with engine.connect() as connection:
        assert connection.execute(select(problem_matches)).fetchall() == []


def test_formulaic_clauses_are_not_matched_on_their_own(engine, encoder) -> None:
    item = add_analysed(engine, encoder, "好的，谢谢。理财收益太低")
    add_clauses(engine, item, ["好的，谢谢。", "理财收益太低"])
    thanks = Problem(id="P9", title="好的谢谢", description="好的，谢谢")
    upsert_problem(engine, thanks)
    matcher = ProblemMatcher(encoder, make_segmenter("jieba").tokens, threshold=0.9).fit([thanks])
    assert link_feedback(engine, matcher, encoder).linked == 0


def test_link_feedback_is_idempotent_and_respects_manual_links(engine, encoder) -> None:
    near = add_analysed(engine, encoder, "转账失败了，系统繁忙")
    matcher = _matcher(engine, encoder)
    link_feedback(engine, matcher, encoder)
    assert link_feedback(engine, matcher, encoder).checked == 0
    link_case(engine, "P1", near, method="manual")
    stricter = ProblemMatcher(encoder, make_segmenter("jieba").tokens, threshold=0.61).fit([P1])
    assert link_feedback(engine, stricter, encoder).checked == 1
    assert _links(engine) == {near: "manual"}


def test_match_vectors_keep_content_clauses_only_when_there_are_several() -> None:
    pooled = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    clause_vectors = np.eye(3, dtype=np.float32)
    texts = ["转账失败", "卡号是[银行卡]。", "客服电话打不通"]
    assert match_vectors(pooled, texts, clause_vectors).tolist() == [
        [1.0, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0],
    ]
    one_content = ["转账失败", "好的，谢谢。"]
    assert match_vectors(pooled, one_content, clause_vectors[:2]).shape == (1, 3)
    assert match_vectors(pooled, [], None).shape == (1, 3)
