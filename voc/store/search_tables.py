"""Tables for similar-case search and problem linking; migration 0004 creates them.

`problem_matches` keeps, for every analysed complaint-like item, its best known problem
and cosine even when that is below the link threshold ("unmatched"), so a service lead
can list unmatched complaints and a threshold change needs no re-embedding.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Float, ForeignKey, Index, String, Table

from voc.store.meta import metadata

problem_matches = Table(
    "problem_matches",
    metadata,
    Column(
        "feedback_id", String(32), ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("problem_id", String(40)),
    Column("score", Float),
    Column("matched", Boolean, nullable=False),
    Column("version", String(200), nullable=False),
    Column("matched_at", DateTime, nullable=False),
    Index("ix_problem_matches_problem_id", "problem_id"),
    Index("ix_problem_matches_matched", "matched"),
)
