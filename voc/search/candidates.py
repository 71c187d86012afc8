"""Propose new problems: unmatched complaints that cluster together.

Complaints below the link threshold that resemble each other are a problem the library
does not know yet. Average-linkage agglomerative clustering on cosine distance needs no
cluster count and leaves one-off complaints alone; a group needs `min_size` members.
Keywords are the words most over-represented in the group against all unmatched text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import Engine, select

from voc.store.feedback import from_utc_naive
from voc.store.search_tables import problem_matches
from voc.store.tables import analyses, feedback


@dataclass
class Candidate:
    """A proposed problem: a group of similar unmatched complaints."""

    size: int
    title_hint: str
    keywords: list[str]
    touchpoint: str | None
    first_seen: datetime
    last_seen: datetime
    feedback_ids: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    nearest_problem: str | None = None
    nearest_score: float | None = None


def propose_candidates(
    engine: Engine,
    tokenizer: Callable[[str], list[str]],
    *,
    min_similarity: float = 0.88,
    min_size: int = 3,
    limit: int = 5_000,
) -> list[Candidate]:
    """Groups of the `limit` most recent unmatched items, largest first.

    Args:
        min_similarity: average cosine linkage at which complaints join a group.
        min_size: smallest group worth proposing.
    """
    from sklearn.cluster import AgglomerativeClustering

    query = (
        select(
            feedback.c.id,
            feedback.c.text,
            feedback.c.created_at,
            analyses.c.embedding,
            analyses.c.touchpoint,
            problem_matches.c.problem_id,
            problem_matches.c.score,
        )
        .join(analyses, analyses.c.feedback_id == feedback.c.id)
        .join(problem_matches, problem_matches.c.feedback_id == feedback.c.id)
        .where(problem_matches.c.matched.is_(False))
        .order_by(feedback.c.created_at.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).fetchall()
    if len(rows) < max(min_size, 2):
        return []
    vectors = np.vstack([np.frombuffer(r.embedding, dtype=np.float32) for r in rows])
    labels = AgglomerativeClustering(
        n_clusters=None,
        metric="cosine",
        linkage="average",
        distance_threshold=1.0 - min_similarity,
    ).fit_predict(vectors)
    background = Counter(w for r in rows for w in set(tokenizer(r.text)))
    out = []
    for label, size in Counter(labels).items():
        if size < min_size:
            continue
        members = [i for i, x in enumerate(labels) if x == label]
        out.append(_candidate([rows[i] for i in members], vectors[members], tokenizer, background))
    return sorted(out, key=lambda c: (-c.size, c.first_seen))


def _candidate(rows, vectors, tokenizer, background) -> Candidate:  # type: ignore[no-untyped-def]
    centroid = vectors.mean(axis=0)
    order = np.argsort(-(vectors @ centroid))
    counts = Counter(w for r in rows for w in set(tokenizer(r.text)))
    total = sum(background.values()) or 1
    lift = {w: (n / len(rows)) / (background[w] / total) for w, n in counts.items() if n >= 2}
    keywords = [w for w, _ in sorted(lift.items(), key=lambda kv: -kv[1] * counts[kv[0]])][:6]
    touchpoints = Counter(r.touchpoint for r in rows if r.touchpoint)
    nearest = Counter(r.problem_id for r in rows if r.problem_id).most_common(1)
    nearest_id = nearest[0][0] if nearest else None
    scores = [r.score for r in rows if r.problem_id == nearest_id and r.score is not None]
    dates = [from_utc_naive(r.created_at) for r in rows]
    return Candidate(
        size=len(rows),
        title_hint=rows[int(order[0])].text[:60],
        keywords=keywords,
        touchpoint=touchpoints.most_common(1)[0][0] if touchpoints else None,
        first_seen=min(dates),
        last_seen=max(dates),
        feedback_ids=[rows[int(i)].id for i in order],
        examples=[rows[int(i)].text[:120] for i in order[:3]],
        nearest_problem=nearest_id,
        nearest_score=round(float(np.mean(scores)), 4) if scores else None,
    )
