"""the scoring queue: accounts mirror detection has yet to look at

Revision ID: 0008_ops
Revises: 0007_data_requests
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0008_ops"
down_revision = "0007_data_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scoring_queue",
        sa.Column("platform", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("queued_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("platform", "account_id", name=op.f("pk_scoring_queue")),
    )
    op.create_index("ix_scoring_queue_queued_at", "scoring_queue", ["queued_at"])


def downgrade() -> None:
    op.drop_index("ix_scoring_queue_queued_at", table_name="scoring_queue")
    op.drop_table("scoring_queue")
