"""Tables for pain-point topics (`voc.topics`); migration 0005 creates them.

Contract other packages read (analytics, API):
- `topics`: one row per topic id ever issued; ids are stable across refits.
- `feedback_topics`: the topic of each analysed feedback item (NULL topic = unassigned).
- `topic_history`: what each refit did to each topic (kept / new / split / merged / retired).
- `topic_weekly`: per topic and ISO week, volume, negative share and touchpoint mix.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Float, ForeignKey, Index, Integer, String, Table

from voc.store.meta import metadata

topics = Table(
    "topics",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("label", String(200), nullable=False),
    Column("keywords", JSON, nullable=False),
    Column("size", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("model_version", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

feedback_topics = Table(
    "feedback_topics",
    metadata,
    Column(
        "feedback_id", String(32), ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("topic_id", Integer),
    Column("score", Float),
    Column("model_version", String(100), nullable=False),
    Column("assigned_at", DateTime, nullable=False),
    Index("ix_feedback_topics_topic_id", "topic_id"),
    Index("ix_feedback_topics_assigned_at", "assigned_at"),
)

topic_history = Table(
    "topic_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("model_version", String(100), nullable=False),
    Column("event", String(20), nullable=False),
    Column("topic_id", Integer, nullable=False),
    Column("related_ids", JSON, nullable=False),
    Column("detail", JSON),
)

topic_weekly = Table(
    "topic_weekly",
    metadata,
    Column("topic_id", Integer, primary_key=True, autoincrement=False),
    Column("week", String(8), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("negative_share", Float, nullable=False),
    Column("touchpoint_mix", JSON, nullable=False),
)
