"""Pain-point topics, read only through the topic tables (`voc.store.topic_tables`)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import func, select

from voc.api.deps import EngineDep, PageDep
from voc.api.errors import ERROR_RESPONSES, ApiError
from voc.api.schemas import TopicDetail, TopicList
from voc.api.security import Viewer
from voc.store.tables import feedback
from voc.store.topic_tables import feedback_topics, topic_history, topic_weekly, topics
from voc.text.pii import mask_pii

router = APIRouter(prefix="/v1/topics", tags=["topics"], responses=ERROR_RESPONSES)
MAX_ID = 2**53
EXAMPLES = 5
HISTORY = 50


def _words(keywords: object) -> list[str]:
    """Keywords are stored as [word, weight] pairs (or plain words); callers get the words."""
    if not isinstance(keywords, list):
        return []
    return [str(k[0]) if isinstance(k, list | tuple) and k else str(k) for k in keywords]


def _out(row: Any) -> dict[str, Any]:
    m = dict(row._mapping)
    m["keywords"] = _words(m["keywords"])
    m["updated_at"] = _aware(m["updated_at"])
    return m


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@router.get("", response_model=TopicList, summary="List pain-point topics")
def list_topics(
    principal: Viewer,
    engine: EngineDep,
    page: PageDep,
    status: str | None = Query(default=None, max_length=20, examples=["active"]),
) -> TopicList:
    """Topics, largest first (ties by id); `status` filters (active, retired, …)."""
    query = select(topics).order_by(topics.c.size.desc(), topics.c.id)
    count = select(func.count()).select_from(topics)
    if status:
        query = query.where(topics.c.status == status)
        count = count.where(topics.c.status == status)
    with engine.connect() as connection:
        rows = connection.execute(query.limit(page.limit).offset(page.offset)).fetchall()
        total = int(connection.scalar(count) or 0)
    return TopicList(
        items=[_out(r) for r in rows], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/{topic_id}", response_model=TopicDetail, summary="One topic with its evidence")
def read_topic(
    topic_id: Annotated[int, Path(ge=0, le=MAX_ID)], principal: Viewer, engine: EngineDep
) -> TopicDetail:
    """The topic, its weekly volume/negative share, touchpoint mix, the most recent masked
    example texts and what each refit did to it."""
    with engine.connect() as connection:
        row = connection.execute(select(topics).where(topics.c.id == topic_id)).first()
        if row is None:
            raise ApiError(404, f"unknown topic {topic_id}")
        weekly = connection.execute(
            select(topic_weekly)
            .where(topic_weekly.c.topic_id == topic_id)
            .order_by(topic_weekly.c.week)
        ).fetchall()
        examples = connection.execute(
            select(feedback.c.id, feedback.c.created_at, feedback.c.source, feedback.c.text)
            .select_from(
                feedback_topics.join(feedback, feedback.c.id == feedback_topics.c.feedback_id)
            )
            .where(feedback_topics.c.topic_id == topic_id)
            .order_by(feedback.c.created_at.desc())
            .limit(EXAMPLES)
        ).fetchall()
        history = connection.execute(
            select(topic_history)
            .where(topic_history.c.topic_id == topic_id)
            .order_by(topic_history.c.at.desc(), topic_history.c.id.desc())
            .limit(HISTORY)
        ).fetchall()
    mix: Counter[str] = Counter()
    for week in weekly:
        mix.update({str(k): int(v) for k, v in (week.touchpoint_mix or {}).items()})
    return TopicDetail(
        **_out(row),
        weekly=[
            {
                "week": w.week,
                "count": w.count,
                "negative_share": w.negative_share,
                "touchpoint_mix": {str(k): int(v) for k, v in (w.touchpoint_mix or {}).items()},
            }
            for w in weekly
        ],
        touchpoint_mix=dict(mix.most_common()),
        examples=[
            {
                "feedback_id": e.id,
                "created_at": _aware(e.created_at),
                "source": e.source,
                "text": mask_pii(e.text),  # stored masked; masked again in case rules grew
            }
            for e in examples
        ],
        history=[
            {
                "at": _aware(h.at),
                "model_version": h.model_version,
                "event": h.event,
                "related_ids": list(h.related_ids or []),
                "detail": h.detail,
            }
            for h in history
        ],
    )
