"""indexes on the watermark columns analytics polls (ingested_at, analysed_at, assigned_at)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_feedback_ingested_at", "feedback", ["ingested_at"])
    op.create_index("ix_analyses_analysed_at", "analyses", ["analysed_at"])
    op.create_index("ix_feedback_topics_assigned_at", "feedback_topics", ["assigned_at"])


def downgrade() -> None:
    op.drop_index("ix_feedback_topics_assigned_at", "feedback_topics")
    op.drop_index("ix_analyses_analysed_at", "analyses")
    op.drop_index("ix_feedback_ingested_at", "feedback")
