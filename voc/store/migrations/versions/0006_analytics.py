"""analytics rollups and alerts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COUNTS = (
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
FLOATS = ("sentiment_sum", "csat_sum", "csat_sumsq", "response_median_s", "close_median_s")


def upgrade() -> None:
    op.create_table(
        "analytics_rollups",
        sa.Column("granularity", sa.String(5), primary_key=True),
        sa.Column("period", sa.String(8), primary_key=True),
        sa.Column("touchpoint", sa.String(100), primary_key=True),
        sa.Column("dim", sa.String(20), primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
        *(sa.Column(name, sa.Integer, nullable=False) for name in COUNTS),
        *(sa.Column(name, sa.Float) for name in FLOATS),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index(
        "ix_analytics_rollups_slice",
        "analytics_rollups",
        ["granularity", "dim", "value", "period"],
    )
    op.create_table(
        "analytics_state",
        sa.Column("key", sa.String(50), primary_key=True),
        sa.Column("value", sa.String(100), nullable=False),
    )
    op.create_table(
        "analytics_alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(300), nullable=False, unique=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("touchpoint", sa.String(100)),
        sa.Column("topic_id", sa.Integer),
        sa.Column("topic_label", sa.String(200)),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("first_period", sa.String(10), nullable=False),
        sa.Column("last_period", sa.String(10), nullable=False),
        sa.Column("peak_period", sa.String(10), nullable=False),
        sa.Column("n_periods", sa.Integer, nullable=False),
        sa.Column("baseline", sa.Float),
        sa.Column("current", sa.Float),
        sa.Column("effect", sa.Float),
        sa.Column("score", sa.Float),
        sa.Column("detail", sa.JSON),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("acked_at", sa.DateTime),
        sa.Column("ack_note", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_analytics_alerts_last_period", "analytics_alerts", ["last_period"])


def downgrade() -> None:
    op.drop_index("ix_analytics_alerts_last_period", "analytics_alerts")
    op.drop_table("analytics_alerts")
    op.drop_table("analytics_state")
    op.drop_index("ix_analytics_rollups_slice", "analytics_rollups")
    op.drop_table("analytics_rollups")
