"""mirror detection labels and models

Revision ID: 0005_linkage
Revises: 0004_due_process
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0005_linkage"
down_revision = "0004_due_process"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
