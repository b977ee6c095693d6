"""queues, notices, appeals, exports

Revision ID: 0004_due_process
Revises: 0003_referrals
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0004_due_process"
down_revision = "0003_referrals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
