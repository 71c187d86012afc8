"""Linking stored complaints to the problem library, and proposing candidates."""

from __future__ import annotations

from sqlalchemy import select

from tests.search.conftest import add_analysed
from voc.schema import Problem
from voc.search.candidates import propose_candidates
from voc.search.linking import link_feedback, unmatched_feedback
from voc.search.problems import ProblemMatcher
from voc.store.problems import link_case, upsert_problem
from voc.store.search_tables import problem_matches
from voc.store.tables import problem_links
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


def test_link_feedback_is_idempotent_and_respects_manual_links(engine, encoder) -> None:
    near = add_analysed(engine, encoder, "转账失败了，系统繁忙")
    matcher = _matcher(engine, encoder)
    link_feedback(engine, matcher, encoder)
    assert link_feedback(engine, matcher, encoder).checked == 0
    link_case(engine, "P1", near, method="manual")
    stricter = ProblemMatcher(encoder, make_segmenter("jieba").tokens, threshold=0.61).fit([P1])
    assert link_feedback(engine, stricter, encoder).checked == 1
    assert _links(engine) == {near: "manual"}


def test_candidates_group_similar_unmatched_complaints(engine, encoder) -> None:
    for text in ["理财产品赎回到账慢", "理财产品赎回到账太慢了", "理财赎回到账慢要三天"]:
        add_analysed(engine, encoder, text, touchpoint="wealth")
    add_analysed(engine, encoder, "柜台人员态度很差")
    link_feedback(engine, _matcher(engine, encoder, threshold=0.99), encoder)
    found = propose_candidates(
        engine, make_segmenter("jieba").tokens, min_similarity=0.5, min_size=3
    )
    assert len(found) == 1
    assert found[0].size == 3
    assert found[0].touchpoint == "wealth"
    assert "赎回" in found[0].keywords or "理财产品" in found[0].keywords
