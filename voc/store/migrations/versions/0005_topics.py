"""pain-point topics, assignments, history, weekly series

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "feedback_topics",
        sa.Column(
            "feedback_id",
            sa.String(32),
            sa.ForeignKey("feedback.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("topic_id", sa.Integer),
        sa.Column("score", sa.Float),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("assigned_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_feedback_topics_topic_id", "feedback_topics", ["topic_id"])
    op.create_table(
        "topic_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("topic_id", sa.Integer, nullable=False),
        sa.Column("related_ids", sa.JSON, nullable=False),
        sa.Column("detail", sa.JSON),
    )
    op.create_table(
        "topic_weekly",
        sa.Column("topic_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("week", sa.String(8), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("negative_share", sa.Float, nullable=False),
        sa.Column("touchpoint_mix", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("topic_weekly")
    op.drop_table("topic_history")
    op.drop_index("ix_feedback_topics_topic_id", "feedback_topics")
    op.drop_table("feedback_topics")
    op.drop_table("topics")
