"""Analyse one ad-hoc text: masked text, sentiment, clauses with touchpoints, nearest problem.

Nothing is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
from fastapi import APIRouter

from voc.analysis.pipeline import Analyzer
from voc.api.components import Components
from voc.api.deps import ComponentsDep, SettingsDep
from voc.api.errors import ERROR_RESPONSES, ApiError
from voc.api.schemas import AnalyzeRequest, AnalyzeResult, ProblemRef, TouchpointRef
from voc.api.security import Handler
from voc.ingest.pipeline import FeedbackPreparer
from voc.models.encoders import Encoder, Kind
from voc.schema import Feedback
from voc.search.linking import match_vectors

router = APIRouter(prefix="/v1", tags=["analyze"], responses=ERROR_RESPONSES)


class _Recorder:
    """Passes calls to an encoder and keeps the last vectors (the text's clause vectors)."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self.last: np.ndarray | None = None

    def encode(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        self.last = self.encoder.encode(texts, kind=kind)
        return self.last


def _problem(
    components: Components,
    text: str,
    pooled: np.ndarray,
    clause_texts: list[str],
    clause_vectors: np.ndarray | None,
) -> ProblemRef | None:
    # The same vectors linking uses for a stored item (`match_vectors`).
    if components.search is None:
        return None
    match = components.search.match(text, match_vectors(pooled, clause_texts, clause_vectors))
    if match.problem_id is None or match.score is None:
        return None
    title = components.search.problem_title(match.problem_id)
    if title is None:
        return None
    return ProblemRef(
        id=match.problem_id, title=title, score=round(match.score, 4), matched=match.matched
    )


def _sentiment(label: str, p_negative: float, p_neutral: float, p_positive: float) -> dict:
    return {
        "label": label,
        "probabilities": {
            "negative": round(p_negative, 4),
            "neutral": round(p_neutral, 4),
            "positive": round(p_positive, 4),
        },
    }


def _touchpoint(
    components: Components, touchpoint: str | None, score: float | None
) -> TouchpointRef | None:
    if not touchpoint:
        return None
    return TouchpointRef(
        id=touchpoint,
        name=components.touchpoint_name(touchpoint),
        score=None if score is None else round(score, 4),
    )


@router.post("/analyze", response_model=AnalyzeResult, summary="Analyse one text (not stored)")
def analyze(
    body: AnalyzeRequest, principal: Handler, settings: SettingsDep, components: ComponentsDep
) -> AnalyzeResult:
    """Normalise and mask the text, then score it with the served models.

    `problem` is the nearest known problem by the best cosine over the text's pooled and
    clause vectors (`matched` at or above the link threshold), as linking scores stored
    complaints. The text, its clauses and their vectors are not written anywhere; only the
    masked text comes back.
    """
    masked = FeedbackPreparer(settings.pii_salt).clean(body.text)
    if not masked.strip():
        raise ApiError(422, "text is empty after normalising")
    item = Feedback.model_construct(
        id="adhoc",
        source="complaint",
        text=masked,
        turns=[],
        meta={},
        created_at=datetime.now(UTC),
    )
    adhoc = components.adhoc
    recorder = _Recorder(adhoc.encoder)
    analyzer = Analyzer(recorder, adhoc.sentiment, adhoc.touchpoints)  # type: ignore[arg-type]
    with components.lock:
        result = analyzer.analyse_items([item])[0]
    problem = _problem(
        components,
        masked,
        np.asarray(result["embedding"]),
        [c["text"] for c in result["clauses"]],
        recorder.last,
    )
    p = [float(x) for x in result["proba"]]
    clauses = [
        {
            "text": c["text"],
            "start": c["start"],
            "end": c["end"],
            "sentiment": _sentiment(
                c["sentiment"], c["p_negative"], c["p_neutral"], c["p_positive"]
            ),
            "touchpoint": _touchpoint(components, c["touchpoint"], c["touchpoint_score"]),
        }
        for c in result["clauses"]
    ]
    return AnalyzeResult(
        text=masked,
        sentiment=_sentiment(result["sentiment"], *p),
        touchpoint=_touchpoint(components, *result["touchpoint"]),
        clauses=clauses,
        problem=problem,
        versions=components.versions(),
    )
