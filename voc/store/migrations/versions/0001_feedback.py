"""feedback, ingest runs and rejects

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(200)),
        sa.Column("channel", sa.String(100)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("customer_key", sa.String(32)),
        sa.Column("csat", sa.SmallInteger),
        sa.Column("nps", sa.SmallInteger),
        sa.Column("rating", sa.SmallInteger),
        sa.Column("product", sa.String(200)),
        sa.Column("app_version", sa.String(50)),
        sa.Column("touchpoint_hint", sa.String(100)),
        sa.Column("branch", sa.String(200)),
        sa.Column("turns", sa.JSON),
        sa.Column("ticket_opened_at", sa.DateTime),
        sa.Column("ticket_first_response_at", sa.DateTime),
        sa.Column("ticket_closed_at", sa.DateTime),
        sa.Column("ticket_category", sa.String(200)),
        sa.Column("ticket_status", sa.String(20)),
        sa.Column("ticket_resolution", sa.Text),
        sa.Column("meta", sa.JSON),
        sa.Column("ingest_run_id", sa.Integer),
        sa.Column("ingested_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_feedback_created_at", "feedback", ["created_at"])
    op.create_index("ix_feedback_source_created_at", "feedback", ["source", "created_at"])
    op.create_table(
        "ingest_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("n_read", sa.Integer, nullable=False),
        sa.Column("n_stored", sa.Integer, nullable=False),
        sa.Column("n_duplicates", sa.Integer, nullable=False),
        sa.Column("n_rejected", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
    )
    op.create_table(
        "rejects",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ingest_run_id", sa.Integer),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("file_sha256", "line", "source", name="uq_rejects_file_line"),
    )


def downgrade() -> None:
    op.drop_table("rejects")
    op.drop_table("ingest_runs")
    op.drop_index("ix_feedback_source_created_at", "feedback")
    op.drop_index("ix_feedback_created_at", "feedback")
    op.drop_table("feedback")
