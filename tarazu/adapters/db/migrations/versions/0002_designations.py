"""designation registry

Revision ID: 0002_designations
Revises: 0001_core
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0002_designations"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "designations",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.String(length=200), nullable=True),
        sa.Column("countries", sa.Text(), nullable=False),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_designations")),
    )
    op.create_table(
        "designation_aliases",
        sa.Column("designation_id", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["designation_id"], ["designations.id"], ondelete="CASCADE",
                                name=op.f("fk_designation_aliases_designation_id_designations")),
        sa.PrimaryKeyConstraint("designation_id", "position", name=op.f("pk_designation_aliases")),
    )
    op.create_table(
        "designation_listings",
        sa.Column("designation_id", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("authority", sa.String(length=64), nullable=False),
        sa.Column("list_name", sa.Text(), nullable=False),
        sa.Column("listed_on", sa.String(length=32), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("ended_on", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["designation_id"], ["designations.id"], ondelete="CASCADE",
                                name=op.f("fk_designation_listings_designation_id_designations")),
        sa.PrimaryKeyConstraint("designation_id", "position",
                                name=op.f("pk_designation_listings")),
    )


def downgrade() -> None:
    op.drop_table("designation_listings")
    op.drop_table("designation_aliases")
    op.drop_table("designations")
