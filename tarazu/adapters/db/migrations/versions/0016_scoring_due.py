"""a scoring mark says from when the account may be scored, so that the stream worker scores
an account that posts many times once per interval instead of once per post

Revision ID: 0016_scoring_due
Revises: 0015_queue_summary

Marks already there keep no time (None): they are due at once, as before.
"""
from alembic import op
import sqlalchemy as sa


revision = "0016_scoring_due"
down_revision = "0015_queue_summary"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("scoring_queue", sa.Column("due_at", sa.String(length=32), nullable=True))
    op.create_index("ix_scoring_queue_due_at", "scoring_queue", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_scoring_queue_due_at", table_name="scoring_queue")
    op.drop_column("scoring_queue", "due_at")
