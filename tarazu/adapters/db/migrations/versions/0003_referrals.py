"""referral checks, reports and reporters

Revision ID: 0003_referrals
Revises: 0002_designations
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0003_referrals"
down_revision = "0002_designations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
