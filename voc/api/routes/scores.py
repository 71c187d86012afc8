"""The touchpoint scorecard over HTTP, read from the rollups (updated first when stale)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from voc.analytics.rollups import ALL, rollup_periods
from voc.analytics.scores import latest_period, scorecard
from voc.api.deps import ComponentsDep, EngineDep, SettingsDep
from voc.api.errors import ERROR_RESPONSES, ApiError
from voc.api.routes.analytics_common import fresh_rollups, period_of
from voc.api.schemas import Scorecard
from voc.api.security import Viewer

router = APIRouter(prefix="/v1/touchpoints", tags=["touchpoints"], responses=ERROR_RESPONSES)


@router.get("/scores", response_model=Scorecard, summary="Touchpoint scorecard with CIs")
def scores(
    principal: Viewer,
    engine: EngineDep,
    settings: SettingsDep,
    components: ComponentsDep,
    from_: str | None = Query(
        default=None,
        alias="from",
        max_length=10,
        description="First period: a date, ISO week (2026-W40) or month (2026-10).",
    ),
    to: str | None = Query(default=None, max_length=10, description="Last period, same forms."),
    granularity: Literal["week", "month"] = "week",
    channel: str | None = Query(default=None, max_length=200, description="Only this channel."),
    product: str | None = Query(default=None, max_length=200, description="Only this product."),
    touchpoint: str | None = Query(default=None, max_length=100, description="One touchpoint."),
) -> Scorecard:
    """Per touchpoint and period: volume, negative share, sentiment index, CSAT, NPS,
    complaints and ticket targets, each share with a Wilson/analytic interval and `n`;
    cells under the small-cell limit are flagged (`small: true`), not hidden.

    Without `from`/`to` the latest period is returned. Give `channel` or `product`, not both.
    """
    if channel and product:
        raise ApiError(422, "give channel or product, not both")
    analytics = settings.analytics
    fresh_rollups(engine, analytics)
    if from_ is None and to is None:
        latest = latest_period(engine, granularity)
        first = last = latest
    else:
        first = period_of(from_, granularity, "from") if from_ else "0000"
        last = period_of(to, granularity, "to", end=True) if to else "9999"
        if first > last:
            raise ApiError(422, "from is after to")
    dim, value = (
        ("channel", channel) if channel else ("product", product) if product else (ALL, ALL)
    )
    periods = rollup_periods(engine, granularity, first, last) if first and last else []
    rows = (
        scorecard(
            engine,
            granularity=granularity,
            periods=periods,
            touchpoint=touchpoint,
            dim=dim,
            value=value,
            settings=analytics,
        )
        if periods
        else []
    )
    return Scorecard(
        granularity=granularity,
        from_period=periods[0] if periods else None,
        to_period=periods[-1] if periods else None,
        dim=dim,
        value=value,
        confidence=analytics.confidence,
        small_cell=analytics.small_cell,
        items=[
            {**row.as_dict(), "name": components.touchpoint_name(row.touchpoint)} for row in rows
        ],
    )
