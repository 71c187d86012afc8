"""similar-case search: problem match per feedback

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "problem_matches",
        sa.Column(
            "feedback_id",
            sa.String(32),
            sa.ForeignKey("feedback.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("problem_id", sa.String(40)),
        sa.Column("score", sa.Float),
        sa.Column("matched", sa.Boolean, nullable=False),
        sa.Column("version", sa.String(200), nullable=False),
        sa.Column("matched_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_problem_matches_problem_id", "problem_matches", ["problem_id"])
    op.create_index("ix_problem_matches_matched", "problem_matches", ["matched"])


def downgrade() -> None:
    op.drop_index("ix_problem_matches_matched", "problem_matches")
    op.drop_index("ix_problem_matches_problem_id", "problem_matches")
    op.drop_table("problem_matches")
