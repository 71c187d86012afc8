"""The weekly digest as JSON, Markdown or self-contained HTML (charts embedded as data URIs)."""

from __future__ import annotations

import base64
import threading
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from voc.analytics import charts
from voc.analytics.digest import build_digest, chart_note, render_charts
from voc.analytics.templates import render_html, render_markdown
from voc.api.deps import EngineDep, SettingsDep
from voc.api.errors import ERROR_RESPONSES, ApiError
from voc.api.routes.analytics_common import analytics_lock, fresh_alerts, tokenizer
from voc.api.routes.analytics_common import iso_week as check_week
from voc.api.security import Viewer

router = APIRouter(prefix="/v1/digests", tags=["digests"], responses=ERROR_RESPONSES)
# matplotlib's rc settings are process-global: render one digest's charts at a time.
_charts_lock = threading.Lock()
MEDIA = {"json": "application/json", "md": "text/markdown", "html": "text/html"}


@router.get(
    "/{iso_week}",
    summary="Weekly digest",
    response_class=Response,
    responses={
        200: {
            "description": "The digest: a JSON object, Markdown, or one HTML page.",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/markdown": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
            },
        }
    },
)
def digest(
    iso_week: str,
    principal: Viewer,
    engine: EngineDep,
    settings: SettingsDep,
    format: Literal["json", "md", "html"] = "json",
) -> Response:
    """Top pain points by volume and growth, new topics, improving ones, the scorecard with
    week-over-week change, active alerts, key drivers and masked quotes for one ISO week.

    `md` and `html` embed their charts as data URIs, so one response is the whole page.
    """
    week = check_week(iso_week, "iso_week")
    analytics = settings.analytics
    fresh_alerts(engine, analytics)
    try:
        with analytics_lock():  # build_digest brings the rollups up to date itself
            page = build_digest(
                engine,
                week,
                analytics,
                tokenize=tokenizer(),
                taxonomy_path=settings.taxonomy,
                refresh=False,
                group_similarity=settings.problem_group_similarity,
            )
    except ValueError as exc:
        raise ApiError(404, str(exc)) from None
    if format == "json":
        return JSONResponse(page)
    with _charts_lock:
        font = charts.cjk_font()
        images = render_charts(page, font)
    embedded = {
        name: "data:image/png;base64," + base64.b64encode(png).decode()
        for name, png in images.items()
    }
    render = render_markdown if format == "md" else render_html
    body = render(page, embedded, chart_note(font))
    return Response(body, media_type=f"{MEDIA[format]}; charset=utf-8")
