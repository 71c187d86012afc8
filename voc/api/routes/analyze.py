"""Analyse one ad-hoc text: masked text, sentiment, clauses with touchpoints. Nothing is stored."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from voc.api.components import Components
from voc.api.deps import ComponentsDep, SettingsDep
from voc.api.errors import ERROR_RESPONSES, ApiError
from voc.api.schemas import AnalyzeRequest, AnalyzeResult, TouchpointRef
from voc.api.security import Handler
from voc.ingest.pipeline import FeedbackPreparer
from voc.schema import Feedback

router = APIRouter(prefix="/v1", tags=["analyze"], responses=ERROR_RESPONSES)


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

    The text, its clauses and their vectors are not written anywhere; only the masked text
    comes back.
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
    with components.lock:
        result = components.adhoc.analyse_items([item])[0]
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
        versions=components.versions(),
    )
