"""Similar cases (相似案例): the known problem and past cases nearest a pasted complaint."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from voc.api.deps import ComponentsDep, SettingsDep
from voc.api.errors import ERROR_RESPONSES, ApiError
from voc.api.schemas import SimilarRequest, SimilarResponse
from voc.api.security import Handler
from voc.ingest.pipeline import FeedbackPreparer
from voc.search.similar import CaseFilters

router = APIRouter(prefix="/v1", tags=["similar"], responses=ERROR_RESPONSES)


def _when(value: str | None, field: str, timezone: str) -> datetime | None:
    from voc.ingest.values import parse_datetime, zone

    if value is None:
        return None
    try:
        return parse_datetime(value, zone(timezone), field)
    except ValueError as exc:
        raise ApiError(422, str(exc), details={"field": field}) from None


@router.post("/similar", response_model=SimilarResponse, summary="Known problem and similar cases")
def similar(
    body: SimilarRequest, principal: Handler, settings: SettingsDep, components: ComponentsDep
) -> SimilarResponse:
    """Mask the text, then return its best known problem and the `k` nearest past cases.

    `problem.matched` is true when the cosine reaches the link threshold; below it the
    nearest problem is still shown, marked unmatched. Cases are filtered by source,
    touchpoint, ticket status and creation date [since, until); their texts are the
    masked ones from the store. Items ingested through this API are searchable as soon
    as their ingest request (or job) finishes.
    """
    if components.search is None:
        raise ApiError(503, "similar-case search is not loaded")
    masked = FeedbackPreparer(settings.pii_salt).clean(body.text).strip()
    if not masked:
        raise ApiError(422, "text is empty after normalising")
    filters = CaseFilters(
        source=body.source,
        touchpoint=body.touchpoint,
        since=_when(body.since, "since", settings.default_timezone),
        until=_when(body.until, "until", settings.default_timezone),
        status=body.status,
    )
    result = components.search.search(masked, body.k, filters)
    return SimilarResponse(**result.to_dict())
