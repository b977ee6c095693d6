"""lawful data requests

Revision ID: 0007_data_requests
Revises: 0006_hashbanks
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0007_data_requests"
down_revision = "0006_hashbanks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
