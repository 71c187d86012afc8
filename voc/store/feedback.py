"""Reading and writing feedback, ingest runs and rejects."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from voc.schema import Feedback, RejectedRow
from voc.store.tables import feedback, ingest_runs, rejects


def to_utc_naive(value: datetime | None) -> datetime | None:
    """Aware datetime -> naive UTC, the form every timestamp column holds."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None)


def from_utc_naive(value: datetime | None) -> datetime | None:
    """Naive UTC from the database -> aware UTC."""
    return None if value is None else value.replace(tzinfo=UTC)


def feedback_row(item: Feedback, run_id: int | None, now: datetime) -> dict[str, Any]:
    """The table row for one feedback item."""
    ticket = item.ticket
    return {
        "id": item.id,
        "source": item.source,
        "external_id": item.external_id,
        "channel": item.channel,
        "created_at": to_utc_naive(item.created_at),
        "text": item.text,
        "customer_key": item.customer_key,
        "csat": item.csat,
        "nps": item.nps,
        "rating": item.rating,
        "product": item.product,
        "app_version": item.app_version,
        "touchpoint_hint": item.touchpoint_hint,
        "branch": item.branch,
        "turns": [t.model_dump() for t in item.turns] if item.turns else None,
        "ticket_opened_at": to_utc_naive(ticket.opened_at) if ticket else None,
        "ticket_first_response_at": to_utc_naive(ticket.first_response_at) if ticket else None,
        "ticket_closed_at": to_utc_naive(ticket.closed_at) if ticket else None,
        "ticket_category": ticket.category if ticket else None,
        "ticket_status": ticket.status if ticket else None,
        "ticket_resolution": ticket.resolution if ticket else None,
        "meta": item.meta or None,
        "ingest_run_id": run_id,
        "ingested_at": now,
    }


def feedback_from_row(row: Any) -> Feedback:
    """A `Feedback` from a table row (timestamps back to aware UTC)."""
    m = row._mapping
    ticket = None
    if m["ticket_opened_at"] is not None:
        ticket = {
            "opened_at": from_utc_naive(m["ticket_opened_at"]),
            "first_response_at": from_utc_naive(m["ticket_first_response_at"]),
            "closed_at": from_utc_naive(m["ticket_closed_at"]),
            "category": m["ticket_category"],
            "status": m["ticket_status"],
            "resolution": m["ticket_resolution"],
        }
    return Feedback(
        id=m["id"],
        source=m["source"],
        external_id=m["external_id"],
        channel=m["channel"],
        created_at=from_utc_naive(m["created_at"]),
        text=m["text"],
        customer_key=m["customer_key"],
        csat=m["csat"],
        nps=m["nps"],
        rating=m["rating"],
        product=m["product"],
        app_version=m["app_version"],
        touchpoint_hint=m["touchpoint_hint"],
        branch=m["branch"],
        turns=m["turns"] or [],
        ticket=ticket,
        meta=m["meta"] or {},
        ingested_at=from_utc_naive(m["ingested_at"]),
    )


def existing_ids(connection: Connection, ids: Sequence[str]) -> set[str]:
    """Which of `ids` are stored already (chunked to stay under bind-parameter limits)."""
    found: set[str] = set()
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        found.update(connection.scalars(select(feedback.c.id).where(feedback.c.id.in_(chunk))))
    return found


def insert_ignoring_conflicts(connection: Connection, table: Any, rows: list[dict]) -> None:
    if not rows:
        return
    dialect = connection.dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        connection.execute(insert(table), rows)
        return
    connection.execute(dialect_insert(table).on_conflict_do_nothing(), rows)


def insert_feedback(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert rows; a row whose id exists already is skipped (a concurrent ingest won)."""
    insert_ignoring_conflicts(connection, feedback, rows)


def insert_rejects(
    connection: Connection,
    rows: Iterable[RejectedRow],
    *,
    source: str,
    file_sha256: str,
    run_id: int,
    now: datetime,
) -> None:
    """Keep rejected rows for review; the same file line is kept once across re-runs."""
    values = [
        {
            "ingest_run_id": run_id,
            "source": source,
            "path": r.path,
            "file_sha256": file_sha256,
            "line": r.line,
            "reason": r.reason,
            "raw": r.raw,
            "created_at": now,
        }
        for r in rows
    ]
    insert_ignoring_conflicts(connection, rejects, values)


def start_run(engine: Engine, path: str, file_sha256: str, source: str) -> int:
    """Record that an ingest began; its row stays 'running' if the process dies."""
    with engine.begin() as connection:
        result = connection.execute(
            insert(ingest_runs).values(
                path=path,
                file_sha256=file_sha256,
                source=source,
                status="running",
                started_at=datetime.now(UTC).replace(tzinfo=None),
                n_read=0,
                n_stored=0,
                n_duplicates=0,
                n_rejected=0,
            )
        )
        return int(result.inserted_primary_key[0])


def finish_run(
    engine: Engine, run_id: int, status: str, counts: dict[str, int], error: str = ""
) -> None:
    """Close an ingest run with its counts."""
    with engine.begin() as connection:
        connection.execute(
            update(ingest_runs)
            .where(ingest_runs.c.id == run_id)
            .values(
                status=status,
                finished_at=datetime.now(UTC).replace(tzinfo=None),
                n_read=counts.get("read", 0),
                n_stored=counts.get("stored", 0),
                n_duplicates=counts.get("duplicates", 0),
                n_rejected=counts.get("rejected", 0),
                error=error or None,
            )
        )


def iter_feedback(
    engine: Engine, source: str | None = None, batch_size: int = 1000
) -> Iterator[Feedback]:
    """Stored feedback in creation order, streamed in keyset pages (flat memory)."""
    last: tuple[datetime, str] | None = None
    while True:
        query = select(feedback).order_by(feedback.c.created_at, feedback.c.id).limit(batch_size)
        if source:
            query = query.where(feedback.c.source == source)
        if last:
            query = query.where(
                (feedback.c.created_at > last[0])
                | ((feedback.c.created_at == last[0]) & (feedback.c.id > last[1]))
            )
        with engine.connect() as connection:
            rows = connection.execute(query).fetchall()
        if not rows:
            return
        for row in rows:
            yield feedback_from_row(row)
        last = (rows[-1].created_at, rows[-1].id)


def count_by_source(engine: Engine) -> dict[str, int]:
    """Number of stored feedback items per source."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(feedback.c.source, func.count()).group_by(feedback.c.source)
        ).fetchall()
    return {source: count for source, count in rows}


def list_rejects(
    engine: Engine, limit: int = 100, source: str | None = None
) -> list[dict[str, Any]]:
    """The most recent rejected rows, newest first."""
    query = select(rejects).order_by(rejects.c.id.desc()).limit(limit)
    if source:
        query = query.where(rejects.c.source == source)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]
