"""Trend alerts: list (recomputed when the rollups moved) and acknowledge (audited)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query
from sqlalchemy import select

from voc.analytics.alerts import ack_alert, alert_dict, list_alerts
from voc.analytics.periods import week_of
from voc.api.audit import record
from voc.api.components import Components
from voc.api.deps import ComponentsDep, EngineDep, PageDep, SettingsDep
from voc.api.errors import ERROR_RESPONSES, ApiError
from voc.api.routes.analytics_common import fresh_alerts, iso_week
from voc.api.schemas import AckIn, AlertList, AlertOut
from voc.api.security import Handler, Viewer
from voc.store.analytics_tables import analytics_alerts
from voc.text.pii import mask_pii

MAX_ID = 2**53
router = APIRouter(prefix="/v1/alerts", tags=["alerts"], responses=ERROR_RESPONSES)


def _aware(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None


def _out(alert: dict[str, Any], components: Components) -> dict[str, Any]:
    out = {k: v for k, v in alert.items() if k not in ("keywords", "examples", "detail")}
    out.pop("over_represented", None)
    for name in ("acked_at", "created_at", "updated_at"):
        out[name] = _aware(alert[name])
    out["touchpoint_name"] = components.touchpoint_name(alert["touchpoint"])
    out["evidence"] = {
        "keywords": alert["keywords"],
        "examples": alert["examples"],
        "over_represented": alert["over_represented"],
        "detail": alert["detail"],
    }
    return out


def _since(value: str) -> str:
    if value[:4].isdigit() and "-W" in value:
        return iso_week(value, "since", "query")
    try:
        return week_of(value)
    except ValueError:
        raise ApiError(
            422,
            f"since must be a date (2026-10-05) or an ISO week (2026-W41), got {value!r}",
            details=[{"loc": ["query", "since"], "msg": "not a date", "type": "value_error"}],
        ) from None


@router.get("", response_model=AlertList, summary="List trend alerts")
def alerts(
    principal: Viewer,
    engine: EngineDep,
    settings: SettingsDep,
    components: ComponentsDep,
    page: PageDep,
    status: Literal["open", "acked"] | None = None,
    severity: Literal["low", "medium", "high"] | None = None,
    since: str | None = Query(
        default=None,
        max_length=10,
        description="A date or ISO week: episodes still running then or later.",
    ),
) -> AlertList:
    """Alerts, newest episode first and high severity first within a week; recomputed from
    the stored analysis when it changed since the last recomputation."""
    since_week = _since(since) if since else None
    fresh_alerts(engine, settings.analytics)
    found = list_alerts(engine, since_week=since_week, status=status)
    if severity:
        found = [a for a in found if a["severity"] == severity]
    items = found[page.offset : page.offset + page.limit]
    return AlertList(
        items=[_out(a, components) for a in items],
        total=len(found),
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/{alert_id}/ack", response_model=AlertOut, summary="Acknowledge an alert")
def ack(
    alert_id: Annotated[int, Path(ge=0, le=MAX_ID)],
    principal: Handler,
    engine: EngineDep,
    components: ComponentsDep,
    body: AckIn | None = Body(default=None),
) -> AlertOut:
    """Mark the alert acknowledged (kept across recomputations); the note is PII-masked and
    the acknowledgement is written to the audit log."""
    note = mask_pii(body.note) if body and body.note else None
    if not ack_alert(engine, alert_id, note):
        raise ApiError(404, f"unknown alert {alert_id}")
    with engine.connect() as connection:
        row = connection.execute(
            select(analytics_alerts).where(analytics_alerts.c.id == alert_id)
        ).first()
    if row is None:  # deleted between the two statements by a recomputation
        raise ApiError(404, f"unknown alert {alert_id}")
    alert = alert_dict(row)
    record(
        engine,
        principal,
        "alert.ack",
        "alert",
        str(alert_id),
        {
            "note": note,
            "kind": alert["kind"],
            "touchpoint": alert["touchpoint"],
            "topic_id": alert["topic_id"],
            "period": alert["period"],
        },
    )
    return AlertOut(**_out(alert, components))
