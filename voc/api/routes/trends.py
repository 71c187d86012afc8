"""Series of one touchpoint or one topic over periods, from the rollups."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Query
from sqlalchemy import select

from voc.analytics.periods import month_key, period_bounds, shift_week
from voc.analytics.rollups import ALL
from voc.analytics.scores import scorecard
from voc.analytics.stats import Estimate
from voc.api.components import Components
from voc.api.deps import ComponentsDep, EngineDep, SettingsDep
from voc.api.errors import ERROR_RESPONSES, ApiError
from voc.api.routes.analytics_common import fresh_rollups, period_of
from voc.api.schemas import TrendSeries
from voc.api.security import Viewer
from voc.store.analytics_tables import analytics_rollups
from voc.store.topic_tables import topics

router = APIRouter(prefix="/v1/trends", tags=["trends"], responses=ERROR_RESPONSES)
SERIES = ("negative_share", "sentiment_index", "csat_top2", "csat_mean", "nps")
MAX_PERIODS = 520


def _next(period: str, granularity: str) -> str:
    if granularity == "week":
        return shift_week(period, 1)
    end = period_bounds(period)[1]
    return month_key(date(end.year, end.month, 1))


def _span(first: str, last: str, granularity: str) -> list[str]:
    out = [first]
    while out[-1] < last and len(out) < MAX_PERIODS:
        out.append(_next(out[-1], granularity))
    return out


def _known_touchpoint(components: Components, touchpoint: str) -> bool:
    return components.touchpoint_name(touchpoint) is not None


def _empty(small_cell: int) -> dict:
    return Estimate(None, None, None, 0, small_cell > 0).as_dict()


@router.get("", response_model=TrendSeries, summary="Series of a touchpoint or a topic")
def trends(
    principal: Viewer,
    engine: EngineDep,
    settings: SettingsDep,
    components: ComponentsDep,
    topic: int | None = Query(
        default=None, ge=0, le=2**53, description="A topic id (GET /v1/topics)."
    ),
    touchpoint: str | None = Query(default=None, max_length=100, examples=["app_transfer"]),
    from_: str | None = Query(
        default=None,
        alias="from",
        max_length=10,
        description="First period: a date, ISO week or month; default: the first stored.",
    ),
    to: str | None = Query(default=None, max_length=10, description="Last period; default: last."),
    granularity: Literal["week", "month"] = "week",
) -> TrendSeries:
    """Per period: volume, negative share, sentiment index, CSAT and NPS with intervals.

    Give exactly one of `topic` and `touchpoint`. Periods inside the stored span without
    items are included with volume 0, so the series plots as is.
    """
    if (topic is None) == (touchpoint is None):
        raise ApiError(422, "give exactly one of topic and touchpoint")
    analytics = settings.analytics
    name: str | None = None
    if topic is not None:
        with engine.connect() as connection:
            name = connection.scalar(select(topics.c.label).where(topics.c.id == topic))
        if name is None:
            raise ApiError(404, f"unknown topic {topic}")
    elif touchpoint not in (ALL, "-") and not _known_touchpoint(components, touchpoint or ""):
        raise ApiError(404, f"unknown touchpoint {touchpoint!r}")
    else:
        name = components.touchpoint_name(touchpoint)
    fresh_rollups(engine, analytics)
    first = period_of(from_, granularity, "from") if from_ else None
    last = period_of(to, granularity, "to", end=True) if to else None
    if first and last and first > last:
        raise ApiError(422, "from is after to")
    r = analytics_rollups
    with engine.connect() as connection:
        stored = connection.execute(
            select(r.c.period)
            .where(r.c.granularity == granularity, r.c.touchpoint == ALL, r.c.dim == ALL)
            .order_by(r.c.period)
        ).scalars()
        stored_periods = list(stored)
    if not stored_periods:
        return TrendSeries(
            granularity=granularity, topic=topic, touchpoint=touchpoint, name=name, items=[]
        )
    # Only the stored span is zero-filled: outside it nothing was ever analysed.
    first = max(first or stored_periods[0], stored_periods[0])
    last = min(last or stored_periods[-1], stored_periods[-1])
    periods = _span(first, last, granularity) if first <= last else []
    dim, value = ("topic", str(topic)) if topic is not None else (ALL, ALL)
    rows = scorecard(
        engine,
        granularity=granularity,
        periods=periods,
        touchpoint=None if topic is not None else touchpoint,
        dim=dim,
        value=value,
        settings=analytics,
    )
    wanted = ALL if topic is not None else touchpoint
    by_period = {row.period: row.as_dict() for row in rows if row.touchpoint == wanted}
    items = []
    for period in periods:
        row = by_period.get(period)
        if row is None:
            items.append(
                {"period": period, "volume": 0, **{k: _empty(analytics.small_cell) for k in SERIES}}
            )
        else:
            items.append({"period": period, "volume": row["volume"], **{k: row[k] for k in SERIES}})
    return TrendSeries(
        granularity=granularity, topic=topic, touchpoint=touchpoint, name=name, items=items
    )
