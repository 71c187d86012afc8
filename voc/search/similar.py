"""`voc similar` / `POST /v1/similar`: the known problem and past cases nearest a new text.

The text is masked first, then embedded exactly as `voc analyze` embeds stored items
(clauses as queries, pooled by `clause_weights`), so it lands in the same space as
the case index. Cases come with their resolution when they are complaint tickets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Engine, select

from voc.analysis.pipeline import clause_weights, pooled_embedding
from voc.analysis.units import text_units
from voc.models.encoders import Encoder
from voc.schema import Problem
from voc.search.cases import CaseIndex, in_date_range
from voc.search.linking import match_vectors
from voc.search.problems import ProblemMatcher
from voc.store.feedback import from_utc_naive
from voc.store.problems import get_problems
from voc.store.tables import analyses, feedback
from voc.text.pii import mask_pii


@dataclass
class CaseFilters:
    """Restrict similar cases by source, touchpoint, date range [since, until) and status."""

    source: str | None = None
    touchpoint: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    status: str | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in vars(self).values())


@dataclass
class SimilarResult:
    """What a complaint handler sees for one pasted complaint (all text masked)."""

    query: str
    problem: dict[str, Any] | None
    problem_alternatives: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "problem": self.problem,
            "problem_alternatives": self.problem_alternatives,
            "cases": self.cases,
        }


def embed_text(encoder: Encoder, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(pooled vector, vectors to match problems on) of an ad-hoc text, as the analyzer
    and linking compute them for a stored item."""
    texts = [u.text for u in text_units(text)]
    vectors = encoder.encode(texts, kind="query")
    pooled = pooled_embedding(vectors, clause_weights(texts))
    return pooled, match_vectors(pooled, texts, vectors)


class SimilarSearch:
    """Compose the encoder, the case index and the problem matcher (all injected)."""

    def __init__(
        self, engine: Engine, encoder: Encoder, cases: CaseIndex, matcher: ProblemMatcher
    ) -> None:
        self.engine = engine
        self.encoder = encoder
        self.cases = cases
        self.matcher = matcher

    def search(self, text: str, k: int = 10, filters: CaseFilters | None = None) -> SimilarResult:
        """Best problem (matched or not, with its cosine) and the k nearest past cases."""
        if k < 1:
            raise ValueError(f"k must be >= 1; got {k}")
        masked = mask_pii(text).strip()
        if not masked:
            raise ValueError("text is empty")
        filters = filters or CaseFilters()
        pooled, matched_on = embed_text(self.encoder, masked)
        ranked = self.matcher.rank(masked, matched_on, k=3)
        library = get_problems(self.engine, [pid for pid, _ in ranked])
        problems = [self._problem(library[pid], score) for pid, score in ranked if pid in library]
        hits = self.cases.search(pooled, masked, k, widen=filters.active)
        cases = self._cases(hits, pooled, filters)[:k]
        return SimilarResult(masked, problems[0] if problems else None, problems[1:], cases)

    def _problem(self, problem: Problem, score: float) -> dict[str, Any]:
        return {
            "id": problem.id,
            "title": problem.title,
            "touchpoint": problem.touchpoint,
            "root_cause": problem.root_cause,
            "fix": problem.fix,
            "status": problem.status,
            "score": round(score, 4),
            "matched": score >= self.matcher.threshold,
        }

    def _cases(self, hits: list, pooled: np.ndarray, filters: CaseFilters) -> list[dict]:  # type: ignore[type-arg]
        ids = [feedback_id for feedback_id, _, _ in hits]
        query = (
            select(
                feedback.c.id,
                feedback.c.text,
                feedback.c.created_at,
                feedback.c.source,
                feedback.c.ticket_status,
                feedback.c.ticket_resolution,
                analyses.c.touchpoint,
                analyses.c.embedding,
            )
            .join(analyses, analyses.c.feedback_id == feedback.c.id)
            .where(feedback.c.id.in_(ids))
        )
        with self.engine.connect() as connection:
            rows = {r.id: r for r in connection.execute(query)}
        out = []
        for feedback_id, rank_score, _ in hits:
            row = rows.get(feedback_id)
            if row is None or not _passes(row, filters):
                continue
            cosine = float(np.frombuffer(row.embedding, dtype=np.float32) @ pooled)
            out.append(
                {
                    "feedback_id": row.id,
                    "text": row.text,
                    "created_at": from_utc_naive(row.created_at).isoformat(),
                    "source": row.source,
                    "touchpoint": row.touchpoint,
                    "status": row.ticket_status,
                    "resolution": row.ticket_resolution,
                    "score": round(cosine, 4),
                    "rank_score": round(rank_score, 6),
                }
            )
        return out


def _passes(row: Any, filters: CaseFilters) -> bool:
    created = from_utc_naive(row.created_at)
    return (
        (filters.source is None or row.source == filters.source)
        and (filters.touchpoint is None or row.touchpoint == filters.touchpoint)
        and (filters.status is None or row.ticket_status == filters.status)
        and in_date_range(created, filters.since, filters.until)
    )
