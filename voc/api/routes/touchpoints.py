"""Touchpoint read models. `/summary` reads stored clause analyses; the scorecard comes later."""

from __future__ import annotations

from fastapi import APIRouter

from voc.analysis.summary import touchpoint_summary
from voc.api.deps import ComponentsDep, EngineDep
from voc.api.errors import ERROR_RESPONSES
from voc.api.schemas import TouchpointSummary
from voc.api.security import Viewer

router = APIRouter(prefix="/v1/touchpoints", tags=["touchpoints"], responses=ERROR_RESPONSES)


@router.get("/summary", response_model=TouchpointSummary, summary="Clauses and negative share")
def summary(principal: Viewer, engine: EngineDep, components: ComponentsDep) -> TouchpointSummary:
    """Per touchpoint: analysed clause count and negative share, most negative first."""
    rows = touchpoint_summary(engine)
    return TouchpointSummary(
        items=[{**row, "name": components.touchpoint_name(row["touchpoint"])} for row in rows]
    )
