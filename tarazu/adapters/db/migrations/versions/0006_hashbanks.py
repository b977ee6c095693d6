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

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "hash_banks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("negative", sa.Boolean(), nullable=False),
        sa.Column("thresholds", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("designation_id", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hash_banks")),
        sa.UniqueConstraint("name", name=op.f("uq_hash_banks_name")),
    )
    op.create_table(
        "hash_entries",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("signal_type", sa.String(length=32), nullable=False),
        sa.Column("signal", sa.Text(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("meta", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("added_at", sa.String(length=32), nullable=False),
        sa.Column("removed_at", sa.String(length=32), nullable=True),
        sa.Column("removed_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["bank_id"], ["hash_banks.id"],
                                name=op.f("fk_hash_entries_bank_id_hash_banks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hash_entries")),
    )
    op.create_index("ix_hash_entries_type", "hash_entries", ["signal_type", "id"])
    op.create_index("ix_hash_entries_bank", "hash_entries", ["bank_id", "signal_type"])
    op.create_table(
        "hash_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("given_by", sa.String(length=200), nullable=False),
        sa.Column("given_at", sa.String(length=32), nullable=False),
        sa.Column("exported_at", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["entry_id"], ["hash_entries.id"],
                                name=op.f("fk_hash_feedback_entry_id_hash_entries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hash_feedback")),
    )


def downgrade() -> None:
    op.drop_table("hash_feedback")
    op.drop_index("ix_hash_entries_bank", table_name="hash_entries")
    op.drop_index("ix_hash_entries_type", table_name="hash_entries")
    op.drop_table("hash_entries")
    op.drop_table("hash_banks")
