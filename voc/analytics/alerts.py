"""Reading and acknowledging stored alerts (`analytics_alerts`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update

from voc.store.analytics_tables import analytics_alerts

_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def alert_dict(row: Any) -> dict[str, Any]:
    """The JSON shape of an alert (`voc alerts --json`, the API, the digest)."""
    m = dict(row._mapping)
    detail = m.pop("detail") or {}
    for name in ("acked_at", "created_at", "updated_at"):
        m[name] = m[name].isoformat() if m[name] is not None else None
    m.pop("key")
    m["keywords"] = detail.get("keywords", [])
    m["examples"] = detail.get("examples", [])
    m["over_represented"] = detail.get("over_represented")
    m["detail"] = {
        k: v for k, v in detail.items() if k not in ("keywords", "examples", "over_represented")
    }
    return m


def list_alerts(
    engine: Engine, *, since_week: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Stored alerts, newest episode first, high severity first within a week.

    `since_week` keeps episodes still running at or after that ISO week.
    """
    query = select(analytics_alerts)
    if since_week:
        query = query.where(analytics_alerts.c.last_period >= since_week)
    if status:
        if status not in ("open", "acked"):
            raise ValueError(f"unknown status {status!r}; valid: ['open', 'acked']")
        query = query.where(analytics_alerts.c.status == status)
    with engine.connect() as connection:
        rows = connection.execute(query).fetchall()
    out = [alert_dict(row) for row in rows]
    out.sort(key=lambda a: (a["period"], -_SEVERITY_ORDER[a["severity"]], a["score"] or 0))
    out.reverse()
    return out


def ack_alert(engine: Engine, alert_id: int, note: str | None = None) -> bool:
    """Mark an alert acknowledged (it stays so across recomputations); False if unknown."""
    from voc.text.pii import mask_pii

    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as connection:
        result = connection.execute(
            update(analytics_alerts)
            .where(analytics_alerts.c.id == alert_id)
            .values(status="acked", acked_at=now, ack_note=mask_pii(note) if note else None)
        )
    return result.rowcount > 0
