"""known-content hash banks

Revision ID: 0006_hashbanks
Revises: 0005_linkage
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0006_hashbanks"
down_revision = "0005_linkage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
