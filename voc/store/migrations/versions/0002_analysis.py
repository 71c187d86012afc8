"""analysis results: per-feedback sentiment and embedding, clauses, embedding cache

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "embedding_cache",
        sa.Column("encoder", sa.String(100), primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("text_hash", sa.String(40), primary_key=True),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "analyses",
        sa.Column(
            "feedback_id",
            sa.String(32),
            sa.ForeignKey("feedback.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("version", sa.String(200), nullable=False),
        sa.Column("sentiment", sa.String(10), nullable=False),
        sa.Column("p_negative", sa.Float, nullable=False),
        sa.Column("p_neutral", sa.Float, nullable=False),
        sa.Column("p_positive", sa.Float, nullable=False),
        sa.Column("touchpoint", sa.String(100)),
        sa.Column("touchpoint_score", sa.Float),
        sa.Column("n_clauses", sa.Integer, nullable=False),
        sa.Column("encoder", sa.String(100), nullable=False),
        sa.Column("embedding", sa.LargeBinary, nullable=False),
        sa.Column("analysed_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "clauses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "feedback_id",
            sa.String(32),
            sa.ForeignKey("feedback.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("speaker", sa.String(10), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("touchpoint", sa.String(100)),
        sa.Column("touchpoint_score", sa.Float),
        sa.Column("sentiment", sa.String(10), nullable=False),
        sa.Column("p_negative", sa.Float, nullable=False),
        sa.Column("p_neutral", sa.Float, nullable=False),
        sa.Column("p_positive", sa.Float, nullable=False),
    )
    op.create_index("ix_clauses_feedback_id", "clauses", ["feedback_id"])
    op.create_index("ix_clauses_touchpoint", "clauses", ["touchpoint"])


def downgrade() -> None:
    op.drop_index("ix_clauses_touchpoint", "clauses")
    op.drop_index("ix_clauses_feedback_id", "clauses")
    op.drop_table("clauses")
    op.drop_table("analyses")
    op.drop_table("embedding_cache")
