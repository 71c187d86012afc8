"""Table definitions (SQLAlchemy Core). Migrations in `migrations/versions` create them.

Timestamps are stored as naive UTC; `voc.store.feedback` turns them back into aware values.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from voc.store.meta import metadata

__all__ = ["metadata"]

feedback = Table(
    "feedback",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("source", String(20), nullable=False),
    Column("external_id", String(200)),
    Column("channel", String(100)),
    Column("created_at", DateTime, nullable=False),
    Column("text", Text, nullable=False),
    Column("customer_key", String(32)),
    Column("csat", SmallInteger),
    Column("nps", SmallInteger),
    Column("rating", SmallInteger),
    Column("product", String(200)),
    Column("app_version", String(50)),
    Column("touchpoint_hint", String(100)),
    Column("branch", String(200)),
    Column("turns", JSON),
    Column("ticket_opened_at", DateTime),
    Column("ticket_first_response_at", DateTime),
    Column("ticket_closed_at", DateTime),
    Column("ticket_category", String(200)),
    Column("ticket_status", String(20)),
    Column("ticket_resolution", Text),
    Column("meta", JSON),
    Column("ingest_run_id", Integer),
    Column("ingested_at", DateTime, nullable=False),
    Index("ix_feedback_created_at", "created_at"),
    Index("ix_feedback_source_created_at", "source", "created_at"),
    Index("ix_feedback_ingested_at", "ingested_at"),
)

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("path", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("source", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("n_read", Integer, nullable=False, default=0),
    Column("n_stored", Integer, nullable=False, default=0),
    Column("n_duplicates", Integer, nullable=False, default=0),
    Column("n_rejected", Integer, nullable=False, default=0),
    Column("error", Text),
)

rejects = Table(
    "rejects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ingest_run_id", Integer),
    Column("source", String(20), nullable=False),
    Column("path", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("line", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("file_sha256", "line", "source", name="uq_rejects_file_line"),
)

embedding_cache = Table(
    "embedding_cache",
    metadata,
    Column("encoder", String(100), primary_key=True),
    Column("kind", String(10), primary_key=True),
    Column("text_hash", String(40), primary_key=True),
    Column("vector", LargeBinary, nullable=False),
)

analyses = Table(
    "analyses",
    metadata,
    Column(
        "feedback_id", String(32), ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("version", String(200), nullable=False),
    Column("sentiment", String(10), nullable=False),
    Column("p_negative", Float, nullable=False),
    Column("p_neutral", Float, nullable=False),
    Column("p_positive", Float, nullable=False),
    Column("touchpoint", String(100)),
    Column("touchpoint_score", Float),
    Column("n_clauses", Integer, nullable=False),
    Column("encoder", String(100), nullable=False),
    Column("embedding", LargeBinary, nullable=False),
    Column("analysed_at", DateTime, nullable=False),
    Index("ix_analyses_analysed_at", "analysed_at"),
)

clauses = Table(
    "clauses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "feedback_id", String(32), ForeignKey("feedback.id", ondelete="CASCADE"), nullable=False
    ),
    Column("position", Integer, nullable=False),
    Column("speaker", String(10), nullable=False),
    Column("text", Text, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("touchpoint", String(100)),
    Column("touchpoint_score", Float),
    Column("sentiment", String(10), nullable=False),
    Column("p_negative", Float, nullable=False),
    Column("p_neutral", Float, nullable=False),
    Column("p_positive", Float, nullable=False),
    Index("ix_clauses_feedback_id", "feedback_id"),
    Index("ix_clauses_touchpoint", "touchpoint"),
)

problems = Table(
    "problems",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("touchpoint", String(100)),
    Column("root_cause", Text, nullable=False),
    Column("fix", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("owner", String(200)),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

problem_links = Table(
    "problem_links",
    metadata,
    Column(
        "problem_id", String(40), ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "feedback_id", String(32), ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("score", Float),
    Column("method", String(10), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_problem_links_feedback_id", "feedback_id"),
)


def _register_owned_tables() -> None:
    """Tables owned by other packages live in their own modules on the same metadata."""
    from voc.store import analytics_tables, api_tables, search_tables, topic_tables  # noqa: F401


_register_owned_tables()
