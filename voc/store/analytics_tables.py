"""Tables for analytics rollups and alerts (`voc.analytics`); migration 0006 creates them.

- `analytics_rollups`: additive counts plus per-cell distinct/median figures for one
  granularity (week | month) × period × touchpoint (`*` = all, `-` = none) × slice
  (`dim`/`value`: `*`/`*`, or channel, product, source, app_version, topic). A period is
  recomputed whole when any of its items changes, so distinct counts and medians stay exact.
- `analytics_state`: watermarks that tell the next rollup update what is new.
- `analytics_alerts`: one row per alert episode (consecutive weeks merged) with its ack state.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Float, Index, Integer, String, Table, Text

from voc.store.meta import metadata

__all__ = ["analytics_alerts", "analytics_rollups", "analytics_state", "metadata"]

ROLLUP_COUNTS = (
    "n_items",
    "n_negative_docs",
    "n_clauses",
    "n_clauses_negative",
    "n_clauses_positive",
    "csat_n",
    "csat_top2",
    "nps_n",
    "nps_promoters",
    "nps_detractors",
    "complaints",
    "complaint_customers",
    "customers",
    "tickets",
    "tickets_responded",
    "response_within_1h",
    "tickets_closed",
    "close_within_24h",
)
ROLLUP_FLOATS = ("sentiment_sum", "csat_sum", "csat_sumsq", "response_median_s", "close_median_s")

analytics_rollups = Table(
    "analytics_rollups",
    metadata,
    Column("granularity", String(5), primary_key=True),
    Column("period", String(8), primary_key=True),
    Column("touchpoint", String(100), primary_key=True),
    Column("dim", String(20), primary_key=True),
    Column("value", String(200), primary_key=True),
    *(Column(name, Integer, nullable=False, default=0) for name in ROLLUP_COUNTS),
    *(Column(name, Float) for name in ROLLUP_FLOATS),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_analytics_rollups_slice", "granularity", "dim", "value", "period"),
)

analytics_state = Table(
    "analytics_state",
    metadata,
    Column("key", String(50), primary_key=True),
    Column("value", String(100), nullable=False),
)

analytics_alerts = Table(
    "analytics_alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False, unique=True),
    Column("kind", String(30), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("metric", String(40), nullable=False),
    Column("touchpoint", String(100)),
    Column("topic_id", Integer),
    Column("topic_label", String(200)),
    Column("period", String(10), nullable=False),
    Column("first_period", String(10), nullable=False),
    Column("last_period", String(10), nullable=False),
    Column("peak_period", String(10), nullable=False),
    Column("n_periods", Integer, nullable=False),
    Column("baseline", Float),
    Column("current", Float),
    Column("effect", Float),
    Column("score", Float),
    Column("detail", JSON),
    Column("status", String(10), nullable=False),
    Column("acked_at", DateTime),
    Column("ack_note", Text),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_analytics_alerts_last_period", "last_period"),
)
