"""Read what the topic model needs from the store: texts and embeddings of analysed feedback.

Document level uses `analyses.embedding` (pooled clause vectors). Clause level reads each
clause's vector from the embedding cache (same encoder, kind "query", keyed by text hash),
so nothing is encoded again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np
from sqlalchemy import Engine, or_, select

from voc.analysis.units import document_text
from voc.store.embeddings import EmbeddingCache, text_hash
from voc.store.feedback import feedback_from_row, to_utc_naive
from voc.store.tables import analyses, clauses, feedback
from voc.store.topic_tables import feedback_topics
from voc.text.formulaic import is_formulaic

Level = Literal["document", "clause"]
LEVELS: tuple[str, ...] = ("document", "clause")


@dataclass
class Corpus:
    """Units to cluster; for clause level, `owner` maps each unit to its feedback item."""

    feedback_ids: list[str]
    texts: list[str]
    embeddings: np.ndarray
    owner: np.ndarray
    p_negative: np.ndarray
    encoder: str | None

    @property
    def n_items(self) -> int:
        """Feedback items covered."""
        return len(self.feedback_ids)


def check_level(level: str) -> None:
    """Unknown levels fail with the valid ones."""
    if level not in LEVELS:
        raise ValueError(f"unknown topic level {level!r}; valid: {list(LEVELS)}")


def load_corpus(
    engine: Engine,
    level: Level = "document",
    *,
    since: datetime | None = None,
    pending_only: bool = False,
    encoder: str | None = None,
) -> Corpus:
    """Analysed feedback (optionally since a date / only items pending assignment: no row in
    `feedback_topics` yet, or analysed again since their row was written).

    Items analysed with another encoder than `encoder` are left out (their vectors live in
    another space); with `encoder=None` the most common encoder is used.
    """
    check_level(level)
    query = select(feedback, analyses.c.embedding, analyses.c.encoder, analyses.c.p_negative).join(
        analyses, analyses.c.feedback_id == feedback.c.id
    )
    if since is not None:
        query = query.where(feedback.c.created_at >= to_utc_naive(since))
    if pending_only:
        query = query.outerjoin(
            feedback_topics, feedback_topics.c.feedback_id == feedback.c.id
        ).where(
            or_(
                feedback_topics.c.feedback_id.is_(None),
                analyses.c.analysed_at > feedback_topics.c.assigned_at,
            )
        )
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(feedback.c.id)).fetchall()
    if encoder is None and rows:
        names = [r._mapping["encoder"] for r in rows]
        encoder = max(set(names), key=names.count)
    rows = [r for r in rows if r._mapping["encoder"] == encoder]
    ids = [r._mapping["id"] for r in rows]
    if level == "document":
        texts = [document_text(feedback_from_row(r)) for r in rows]
        vectors = [np.frombuffer(r._mapping["embedding"], dtype=np.float32) for r in rows]
        matrix = np.vstack(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)
        p_neg = np.asarray([r._mapping["p_negative"] for r in rows], dtype=np.float32)
        return Corpus(ids, texts, matrix, np.arange(len(ids)), p_neg, encoder)
    return _clause_corpus(engine, ids, encoder)


def _clause_corpus(engine: Engine, ids: list[str], encoder: str | None) -> Corpus:
    index = {fid: i for i, fid in enumerate(ids)}
    found: list[tuple[int, str, float]] = []
    with engine.connect() as connection:
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            rows = connection.execute(
                select(clauses.c.feedback_id, clauses.c.text, clauses.c.p_negative)
                .where(clauses.c.feedback_id.in_(chunk))
                .order_by(clauses.c.feedback_id, clauses.c.position)
            )
            found.extend((index[f], t, float(p)) for f, t, p in rows)
    # Greetings and identity answers are alike in every call: no topic of their own, unless
    # an item says nothing else.
    has_content = {o for o, t, _ in found if not is_formulaic(t)}
    found = [(o, t, p) for o, t, p in found if o not in has_content or not is_formulaic(t)]
    cache = EmbeddingCache(engine)
    vectors = cache.get_many(encoder or "", "query", [text_hash(t) for _, t, _ in found])
    kept = [(o, t, p) for o, t, p in found if text_hash(t) in vectors]
    matrix = (
        np.vstack([vectors[text_hash(t)] for _, t, _ in kept])
        if kept
        else np.zeros((0, 0), dtype=np.float32)
    )
    return Corpus(
        ids,
        [t for _, t, _ in kept],
        matrix,
        np.asarray([o for o, _, _ in kept], dtype=int),
        np.asarray([p for _, _, p in kept], dtype=np.float32),
        encoder,
    )


def item_topics(
    corpus: Corpus, unit_topics: np.ndarray, unit_scores: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One topic per feedback item: its most negative clause that has a topic.

    For document level this is the identity. An item none of whose clauses has a topic is
    unassigned (-1) with its best clause score.
    """
    n = corpus.n_items
    topics = np.full(n, -1, dtype=int)
    scores = np.zeros(n, dtype=np.float32)
    best_neg = np.full(n, -1.0)
    for unit, owner in enumerate(corpus.owner.tolist()):
        topic = int(unit_topics[unit])
        if topic == -1:
            if topics[owner] == -1:
                scores[owner] = max(scores[owner], float(unit_scores[unit]))
            continue
        if corpus.p_negative[unit] > best_neg[owner]:
            best_neg[owner] = corpus.p_negative[unit]
            topics[owner] = topic
            scores[owner] = float(unit_scores[unit])
    return topics, scores
