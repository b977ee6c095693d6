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

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "data_requests",
        sa.Column("request_id", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=False),
        sa.Column("agency", sa.String(length=300), nullable=False),
        sa.Column("instrument_type", sa.String(length=32), nullable=False),
        sa.Column("path", sa.String(length=16), nullable=False),
        sa.Column("platform", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.Column("submitted_by", sa.String(length=100), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("targets_named", sa.Integer(), nullable=False),
        sa.Column("produced", sa.Boolean(), nullable=False),
        sa.Column("nondisclosure_until", sa.String(length=10), nullable=True),
        sa.Column("notice_due_at", sa.String(length=32), nullable=True),
        sa.Column("notice_sent_at", sa.String(length=32), nullable=True),
        sa.Column("followup_deadline", sa.String(length=32), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("overdue_flagged", sa.Boolean(), nullable=False),
        sa.Column("preserved_until", sa.String(length=32), nullable=True),
        sa.Column("last_seq", SEQ, nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_data_requests")),
    )
    op.create_index("ix_data_requests_status", "data_requests", ["status", "received_at"])
    op.create_index("ix_data_requests_submitted_by", "data_requests",
                    ["submitted_by", "received_at"])
    op.create_table(
        "data_packages",
        sa.Column("package_id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("package_id", name=op.f("pk_data_packages")),
        sa.UniqueConstraint("request_id", name=op.f("uq_data_packages_request_id")),
    )
    op.create_table(
        "data_preservations",
        sa.Column("request_id", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", "platform", "account_id",
                                name=op.f("pk_data_preservations")),
    )


def downgrade() -> None:
    op.drop_table("data_preservations")
    op.drop_table("data_packages")
    op.drop_index("ix_data_requests_submitted_by", table_name="data_requests")
    op.drop_index("ix_data_requests_status", table_name="data_requests")
    op.drop_table("data_requests")
