"""The audit log: who ingested, acknowledged or changed what, written next to the change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select

from voc.api.keys import Principal
from voc.store.api_tables import audit_log

CLI_PRINCIPAL = Principal("cli", "command line", "admin")


def record(
    engine: Engine,
    actor: Principal,
    action: str,
    target_type: str,
    target_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit row; `detail` must hold masked data only (it is returned to admins)."""
    with engine.begin() as connection:
        connection.execute(
            insert(audit_log).values(
                at=datetime.now(UTC).replace(tzinfo=None),
                actor_id=actor.key_id,
                actor_name=actor.name,
                actor_role=actor.role,
                action=action,
                target_type=target_type,
                target_id=target_id,
                detail=detail,
            )
        )


def list_entries(
    engine: Engine, *, action: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Audit rows, newest first, and the total matching `action`."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
    count = select(func.count()).select_from(audit_log)
    if action:
        query = query.where(audit_log.c.action == action)
        count = count.where(audit_log.c.action == action)
    with engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(query)]
        total = int(connection.scalar(count) or 0)
    for row in rows:
        row["at"] = row["at"].replace(tzinfo=UTC)
    return rows, total
