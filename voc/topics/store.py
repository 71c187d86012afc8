"""Write and read the topic tables (`voc.store.topic_tables`).

`topic_weekly.touchpoint_mix` holds counts per touchpoint id (`"none"` for items without
one), so weeks can be summed; shares are `count / topic_weekly.count`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from voc.store.tables import analyses, clauses, feedback
from voc.store.topic_tables import feedback_topics, topic_history, topic_weekly, topics
from voc.text.pii import mask_pii
from voc.topics.stability import TopicEvent

ACTIVE = "active"


def utcnow() -> datetime:
    """Naive UTC, the form the store keeps."""
    return datetime.now(UTC).replace(tzinfo=None)


def iso_week(moment: datetime, zone: ZoneInfo) -> str:
    """`2026-W41` for a naive-UTC timestamp, in the bank's time zone."""
    local = moment.replace(tzinfo=UTC).astimezone(zone)
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def issued_ids(connection: Connection) -> list[int]:
    """Every topic id issued so far (active or not)."""
    return [int(r[0]) for r in connection.execute(select(topics.c.id))]


def write_topics(
    connection: Connection,
    model,  # type: ignore[no-untyped-def]
    version: str,
    events: list[TopicEvent],
) -> None:
    """Upsert the model's topics as active; retire/merge the old ones the events name."""
    now = utcnow()
    existing = set(issued_ids(connection))
    for topic in model.topic_ids_:
        values = {
            "label": model.labels_[topic][:200],
            "keywords": [[w, s] for w, s in model.keywords_[topic]],
            "size": int(model.sizes_[topic]),
            "status": ACTIVE,
            "model_version": version,
            "updated_at": now,
        }
        if topic in existing:
            connection.execute(update(topics).where(topics.c.id == topic).values(**values))
        else:
            connection.execute(insert(topics).values(id=topic, created_at=now, **values))
    active = set(model.topic_ids_)
    for event in events:
        if event.event in ("merged", "retired") and event.topic_id not in active:
            connection.execute(
                update(topics)
                .where(topics.c.id == event.topic_id)
                .values(status=event.event, size=0, updated_at=now)
            )
    # Anything still marked active but absent from the model (e.g. no history) is retired.
    connection.execute(
        update(topics)
        .where(topics.c.status == ACTIVE, topics.c.id.not_in(list(active) or [-1]))
        .values(status="retired", size=0, updated_at=now)
    )


def write_history(
    connection: Connection, version: str, events: list[TopicEvent], at: datetime | None = None
) -> None:
    """One `topic_history` row per event of this refit."""
    at = at or utcnow()
    rows = [
        {
            "at": at,
            "model_version": version,
            "event": e.event,
            "topic_id": int(e.topic_id),
            "related_ids": [int(r) for r in e.related_ids],
            "detail": e.detail,
        }
        for e in events
    ]
    if rows:
        connection.execute(insert(topic_history), rows)


def write_assignments(
    connection: Connection,
    feedback_ids: list[str],
    topic_ids: np.ndarray,
    scores: np.ndarray,
    version: str,
    replace: bool = False,
) -> None:
    """Store one topic per item (NULL when unassigned); `replace` clears the table first."""
    now = utcnow()
    if replace:
        connection.execute(delete(feedback_topics))
    else:
        for start in range(0, len(feedback_ids), 900):
            chunk = feedback_ids[start : start + 900]
            connection.execute(
                delete(feedback_topics).where(feedback_topics.c.feedback_id.in_(chunk))
            )
    rows = [
        {
            "feedback_id": fid,
            "topic_id": None if int(t) == -1 else int(t),
            "score": round(float(s), 5),
            "model_version": version,
            "assigned_at": now,
        }
        for fid, t, s in zip(feedback_ids, topic_ids.tolist(), scores.tolist(), strict=True)
    ]
    for start in range(0, len(rows), 5000):
        connection.execute(insert(feedback_topics), rows[start : start + 5000])


def refresh_sizes(connection: Connection) -> None:
    """`topics.size` = items currently assigned to each active topic."""
    counts = dict(
        connection.execute(
            select(feedback_topics.c.topic_id, func.count())
            .where(feedback_topics.c.topic_id.is_not(None))
            .group_by(feedback_topics.c.topic_id)
        ).fetchall()
    )
    for topic_id, status in connection.execute(select(topics.c.id, topics.c.status)).fetchall():
        if status == ACTIVE:
            connection.execute(
                update(topics).where(topics.c.id == topic_id).values(size=counts.get(topic_id, 0))
            )


def refresh_weekly(connection: Connection, timezone: str) -> int:
    """Rebuild `topic_weekly` from assignments, sentiment and touchpoints; returns rows."""
    zone = ZoneInfo(timezone)
    query = (
        select(
            feedback_topics.c.topic_id,
            feedback.c.created_at,
            analyses.c.sentiment,
            analyses.c.touchpoint,
        )
        .join(feedback, feedback.c.id == feedback_topics.c.feedback_id)
        .join(analyses, analyses.c.feedback_id == feedback_topics.c.feedback_id)
        .where(feedback_topics.c.topic_id.is_not(None))
    )
    counts: Counter[tuple[int, str]] = Counter()
    negative: Counter[tuple[int, str]] = Counter()
    mix: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    for topic_id, created_at, sentiment, touchpoint in connection.execute(query):
        key = (int(topic_id), iso_week(created_at, zone))
        counts[key] += 1
        negative[key] += sentiment == "negative"
        mix[key][touchpoint or "none"] += 1
    connection.execute(delete(topic_weekly))
    rows = [
        {
            "topic_id": topic_id,
            "week": week,
            "count": n,
            "negative_share": round(negative[(topic_id, week)] / n, 4),
            "touchpoint_mix": dict(mix[(topic_id, week)].most_common()),
        }
        for (topic_id, week), n in sorted(counts.items())
    ]
    if rows:
        connection.execute(insert(topic_weekly), rows)
    return len(rows)


def current_assignments(engine: Engine, feedback_ids: list[str]) -> np.ndarray:
    """Stored topic per item (-1 for none or not assigned), aligned with `feedback_ids`."""
    found: dict[str, int] = {}
    with engine.connect() as connection:
        for start in range(0, len(feedback_ids), 900):
            chunk = feedback_ids[start : start + 900]
            rows = connection.execute(
                select(feedback_topics.c.feedback_id, feedback_topics.c.topic_id).where(
                    feedback_topics.c.feedback_id.in_(chunk)
                )
            )
            found.update({f: (-1 if t is None else int(t)) for f, t in rows})
    return np.asarray([found.get(f, -1) for f in feedback_ids], dtype=int)


# ---------------------------------------------------------------------- reading (CLI, API)
def list_topics(engine: Engine, include_inactive: bool = False) -> list[dict]:
    """Topics, biggest first."""
    query = select(topics).order_by(topics.c.size.desc(), topics.c.id)
    if not include_inactive:
        query = query.where(topics.c.status == ACTIVE)
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(query)]


def topic_detail(engine: Engine, topic_id: int, n_examples: int = 5) -> dict | None:
    """One topic with its weekly series and masked example clauses (most negative first)."""
    with engine.connect() as connection:
        row = connection.execute(select(topics).where(topics.c.id == topic_id)).first()
        if row is None:
            return None
        weekly = [
            dict(r._mapping)
            for r in connection.execute(
                select(topic_weekly)
                .where(topic_weekly.c.topic_id == topic_id)
                .order_by(topic_weekly.c.week)
            )
        ]
        members = (
            select(feedback_topics.c.feedback_id)
            .where(feedback_topics.c.topic_id == topic_id)
            .order_by(feedback_topics.c.score.desc())
            .limit(50)
        )
        picked = connection.execute(
            select(clauses.c.feedback_id, clauses.c.text, clauses.c.p_negative)
            .where(clauses.c.feedback_id.in_(members))
            .order_by(clauses.c.p_negative.desc())
        ).fetchall()
        history = [
            dict(r._mapping)
            for r in connection.execute(
                select(topic_history)
                .where(topic_history.c.topic_id == topic_id)
                .order_by(topic_history.c.at)
            )
        ]
    # Clauses that name the topic's keywords first (the most negative clause of an item is
    # often just "太坑了！"), then the more negative ones.
    words = [w for w, _ in row._mapping["keywords"]]
    ranked = sorted(picked, key=lambda r: (-sum(w in r[1] for w in words), -r[2]))
    examples: list[str] = []
    seen_items: set[str] = set()
    for feedback_id, text, _ in ranked:
        if feedback_id in seen_items or text in examples:
            continue
        seen_items.add(feedback_id)
        examples.append(mask_pii(text))
        if len(examples) == n_examples:
            break
    return {**dict(row._mapping), "weekly": weekly, "examples": examples, "history": history}
