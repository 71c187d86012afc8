"""A tiny analysed store built with the real SQLite schema: feedback, analyses, clauses, topics."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import Engine, insert

from voc.store.tables import analyses, clauses, feedback
from voc.store.topic_tables import feedback_topics, topics

SHANGHAI = ZoneInfo("Asia/Shanghai")
_ids = itertools.count(1)
NOW = datetime(2026, 11, 20, tzinfo=UTC).replace(tzinfo=None)


@dataclass
class Item:
    """What a test says about one feedback item; the rest gets plain defaults."""

    when: datetime  # local Shanghai time, naive
    touchpoint: str | None = "app_transfer"
    sentiment: str = "neutral"
    source: str = "survey"
    text: str = "转账一直转圈"
    csat: int | None = None
    nps: int | None = None
    customer: str | None = None
    channel: str | None = None
    app_version: str | None = None
    topic_id: int | None = None
    opened: datetime | None = None
    responded: datetime | None = None
    closed: datetime | None = None
    analysed_at: datetime = NOW


def _utc(local: datetime | None) -> datetime | None:
    if local is None:
        return None
    return local.replace(tzinfo=SHANGHAI).astimezone(UTC).replace(tzinfo=None)


def add_items(engine: Engine, items: list[Item]) -> list[str]:
    """Insert items (feedback + analysis + one clause each); returns their ids."""
    probs = {"negative": (0.8, 0.1, 0.1), "neutral": (0.1, 0.8, 0.1), "positive": (0.1, 0.1, 0.8)}
    f_rows, a_rows, c_rows, t_rows = [], [], [], []
    for item in items:
        fid = f"f{next(_ids):08d}"
        f_rows.append(
            {
                "id": fid,
                "source": item.source,
                "channel": item.channel,
                "created_at": _utc(item.when),
                "text": item.text,
                "customer_key": item.customer,
                "csat": item.csat,
                "nps": item.nps,
                "app_version": item.app_version,
                "ticket_opened_at": _utc(item.opened),
                "ticket_first_response_at": _utc(item.responded),
                "ticket_closed_at": _utc(item.closed),
                "ingested_at": item.analysed_at,
            }
        )
        neg, neu, pos = probs[item.sentiment]
        a_rows.append(
            {
                "feedback_id": fid,
                "version": "test",
                "sentiment": item.sentiment,
                "p_negative": neg,
                "p_neutral": neu,
                "p_positive": pos,
                "touchpoint": item.touchpoint,
                "touchpoint_score": 1.0,
                "n_clauses": 1,
                "encoder": "test",
                "embedding": np.zeros(4, dtype=np.float32).tobytes(),
                "analysed_at": item.analysed_at,
            }
        )
        c_rows.append(
            {
                "feedback_id": fid,
                "position": 0,
                "speaker": "customer",
                "text": item.text,
                "start": 0,
                "end": len(item.text),
                "touchpoint": item.touchpoint,
                "touchpoint_score": 1.0,
                "sentiment": item.sentiment,
                "p_negative": neg,
                "p_neutral": neu,
                "p_positive": pos,
            }
        )
        if item.topic_id is not None:
            t_rows.append(
                {
                    "feedback_id": fid,
                    "topic_id": item.topic_id,
                    "score": 0.9,
                    "model_version": "test",
                    "assigned_at": item.analysed_at,
                }
            )
    with engine.begin() as connection:
        connection.execute(insert(feedback), f_rows)
        connection.execute(insert(analyses), a_rows)
        connection.execute(insert(clauses), c_rows)
        if t_rows:
            connection.execute(insert(feedback_topics), t_rows)
    return [r["id"] for r in f_rows]


def add_topic(engine: Engine, topic_id: int, label: str, keywords: list[str]) -> None:
    """One row of the topics table, per its documented contract."""
    with engine.begin() as connection:
        connection.execute(
            insert(topics),
            [
                {
                    "id": topic_id,
                    "label": label,
                    "keywords": [[word, 0.5] for word in keywords],  # [word, weight] pairs
                    "size": 0,
                    "status": "active",
                    "model_version": "test",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            ],
        )


def monday(week: int) -> datetime:
    """10:00 local on the Monday of ISO week `week` of 2026."""
    return datetime.fromisocalendar(2026, week, 1) + timedelta(hours=10)


def weekly_items(
    counts: dict[int, int], touchpoint: str = "app_transfer", **fields: object
) -> list[Item]:
    """`counts[week]` items per ISO week of 2026, spread over the week."""
    out = []
    for week, n in counts.items():
        for k in range(n):
            when = monday(week) + timedelta(hours=(k * 7) % 150)
            out.append(Item(when=when, touchpoint=touchpoint, **fields))  # type: ignore[arg-type]
    return out


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261128)
