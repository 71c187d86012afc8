"""Link analysed complaints to known problems and record their best match.

Which items: every complaint and call transcript, and any other item whose document
sentiment is negative (a negative survey answer or review describes a problem too).
Each gets a `problem_matches` row (best problem + cosine, matched or not); matched ones
also get an automatic `problem_links` row unless a person already linked the item by hand.
Items are re-matched only when the matcher version (encoder, mode, threshold, library
content) changed or the item was analysed again since its match (new models or pooling
give it a new vector), so re-running is cheap and a library edit re-links everything.
Formulaic clauses ("卡号是[银行卡]", "好的，谢谢") are not matched on their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import Engine, and_, delete, not_, or_, select

from voc.models.encoders import Encoder
from voc.search.problems import ProblemMatcher
from voc.store.feedback import insert_ignoring_conflicts
from voc.store.search_tables import problem_matches
from voc.store.tables import analyses, clauses, feedback, problem_links
from voc.text.formulaic import is_formulaic

COMPLAINT_SOURCES = ("complaint", "call_transcript")


@dataclass
class LinkReport:
    """How many items were matched against the library, and how many got linked."""

    checked: int = 0
    linked: int = 0
    unmatched: int = 0


def match_vectors(
    pooled: np.ndarray, clause_texts: Sequence[str], clause_vectors: np.ndarray | None
) -> np.ndarray:
    """The vectors an item is matched on: its pooled vector, and each content clause's when
    it has more than one (a one-clause item's clause is the item itself). Formulaic clauses
    ("卡号是[银行卡]") never match on their own. Shared by linking, `/v1/analyze` and
    `voc similar`, so a pasted text matches as the stored item would."""
    rows = [np.asarray(pooled, dtype=np.float32).reshape(1, -1)]
    content = [i for i, text in enumerate(clause_texts) if not is_formulaic(text)]
    if clause_vectors is not None and len(content) > 1:
        rows.append(np.asarray(clause_vectors)[content])
    return np.vstack(rows)


def _eligible():  # type: ignore[no-untyped-def]
    return or_(feedback.c.source.in_(COMPLAINT_SOURCES), analyses.c.sentiment == "negative")


def link_feedback(
    engine: Engine,
    matcher: ProblemMatcher,
    encoder: Encoder,
    *,
    ids: Sequence[str] | None = None,
    batch_size: int = 256,
) -> LinkReport:
    """Match every eligible analysed item whose match is missing or from another version.

    Args:
        ids: only these items (e.g. just ingested); None: the whole store.
    """
    report = LinkReport()
    _drop_no_longer_eligible(engine, ids)
    version = matcher.version_
    stale = or_(
        problem_matches.c.feedback_id.is_(None),
        problem_matches.c.version != version,
        analyses.c.analysed_at > problem_matches.c.matched_at,
    )
    query = (
        select(feedback.c.id, feedback.c.text, analyses.c.embedding)
        .join(analyses, analyses.c.feedback_id == feedback.c.id)
        .outerjoin(problem_matches, problem_matches.c.feedback_id == feedback.c.id)
        .where(and_(_eligible(), stale))
        .order_by(feedback.c.id)
    )
    if ids is not None:
        query = query.where(feedback.c.id.in_(list(ids)))
    with engine.connect() as connection:
        todo = connection.execute(query).fetchall()
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        clause_texts = _customer_clauses(engine, [r.id for r in batch])
        rows = []
        for item in batch:
            own = [t for t in clause_texts.get(item.id, []) if not is_formulaic(t)]
            encoded = encoder.encode(own, kind="query") if len(own) > 1 else None
            pooled = np.frombuffer(item.embedding, dtype=np.float32)
            match = matcher.match(item.text, match_vectors(pooled, own, encoded))
            rows.append((item.id, match))
        _store(engine, rows, version)
        report.checked += len(rows)
        report.linked += sum(m.matched for _, m in rows)
    report.unmatched = report.checked - report.linked
    return report


def _drop_no_longer_eligible(engine: Engine, ids: Sequence[str] | None) -> None:
    """Remove the match and automatic link of items analysed again into something that is
    no complaint (e.g. a review now read as positive): they would feed candidates and
    problem counts with a verdict on their old analysis."""
    query = (
        select(problem_matches.c.feedback_id)
        .join(analyses, analyses.c.feedback_id == problem_matches.c.feedback_id)
        .join(feedback, feedback.c.id == problem_matches.c.feedback_id)
        .where(analyses.c.analysed_at > problem_matches.c.matched_at, not_(_eligible()))
    )
    if ids is not None:
        query = query.where(problem_matches.c.feedback_id.in_(list(ids)))
    with engine.begin() as connection:
        stale = connection.scalars(query).all()
        for start in range(0, len(stale), 900):
            chunk = stale[start : start + 900]
            connection.execute(
                delete(problem_matches).where(problem_matches.c.feedback_id.in_(chunk))
            )
            connection.execute(
                delete(problem_links).where(
                    problem_links.c.feedback_id.in_(chunk), problem_links.c.method == "auto"
                )
            )


def _customer_clauses(engine: Engine, ids: list[str]) -> dict[str, list[str]]:
    query = (
        select(clauses.c.feedback_id, clauses.c.text)
        .where(clauses.c.feedback_id.in_(ids), clauses.c.speaker == "customer")
        .order_by(clauses.c.feedback_id, clauses.c.position)
    )
    out: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for feedback_id, text in connection.execute(query):
            out.setdefault(feedback_id, []).append(text)
    return out


def _store(engine: Engine, rows: list, version: str) -> None:  # type: ignore[type-arg]
    now = datetime.now(UTC).replace(tzinfo=None)
    ids = [feedback_id for feedback_id, _ in rows]
    with engine.begin() as connection:
        connection.execute(delete(problem_matches).where(problem_matches.c.feedback_id.in_(ids)))
        connection.execute(
            delete(problem_links).where(
                problem_links.c.feedback_id.in_(ids), problem_links.c.method == "auto"
            )
        )
        connection.execute(
            problem_matches.insert(),
            [
                {
                    "feedback_id": feedback_id,
                    "problem_id": m.problem_id,
                    "score": m.score,
                    "matched": m.matched,
                    "version": version,
                    "matched_at": now,
                }
                for feedback_id, m in rows
            ],
        )
        manual = set(
            connection.scalars(
                select(problem_links.c.feedback_id).where(
                    problem_links.c.feedback_id.in_(ids), problem_links.c.method == "manual"
                )
            )
        )
        links = [
            {
                "problem_id": m.problem_id,
                "feedback_id": feedback_id,
                "score": m.score,
                "method": "auto",
                "created_at": now,
            }
            for feedback_id, m in rows
            if m.matched and feedback_id not in manual
        ]
        if links:
            insert_ignoring_conflicts(connection, problem_links, links)


def unmatched_feedback(engine: Engine, limit: int = 50) -> list[dict]:  # type: ignore[type-arg]
    """The most recent items below the link threshold, with their nearest problem and cosine."""
    from voc.store.feedback import from_utc_naive

    query = (
        select(
            feedback.c.id,
            feedback.c.source,
            feedback.c.created_at,
            feedback.c.text,
            problem_matches.c.problem_id,
            problem_matches.c.score,
        )
        .join(problem_matches, problem_matches.c.feedback_id == feedback.c.id)
        .where(problem_matches.c.matched.is_(False))
        .order_by(feedback.c.created_at.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).fetchall()
    return [
        {
            "feedback_id": r.id,
            "source": r.source,
            "created_at": from_utc_naive(r.created_at).isoformat(),
            "text": r.text,
            "nearest_problem": r.problem_id,
            "score": None if r.score is None else round(r.score, 4),
        }
        for r in rows
    ]
