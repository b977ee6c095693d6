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
    op.create_table(
        "public_reports",
        sa.Column("receipt_id", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_ref", sa.String(length=500), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=300), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact_enc", sa.LargeBinary(), nullable=True),
        sa.Column("reporter_key", sa.String(length=64), nullable=False),
        sa.Column("new_reporter", sa.Boolean(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("set_aside", sa.Boolean(), nullable=False),
        sa.Column("campaign_id", sa.String(length=40), nullable=True),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("receipt_id", name=op.f("pk_public_reports")),
    )
    op.create_index("ix_public_reports_subject", "public_reports",
                    ["subject_type", "subject_id", "received_at"])
    op.create_index("ix_public_reports_reporter", "public_reports",
                    ["reporter_key", "received_at"])
    op.create_table(
        "reporters",
        sa.Column("reporter_key", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", sa.String(length=32), nullable=False),
        sa.Column("account_created_at", sa.String(length=32), nullable=True),
        sa.Column("muted", sa.Boolean(), nullable=False),
        sa.Column("muted_at", sa.String(length=32), nullable=True),
        sa.Column("mute_reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("reporter_key", name=op.f("pk_reporters")),
    )
    op.create_table(
        "rate_buckets",
        sa.Column("bucket_key", sa.String(length=100), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("bucket_key", name=op.f("pk_rate_buckets")),
    )
    op.create_table(
        "report_campaigns",
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=300), nullable=False),
        sa.Column("detected_at", sa.String(length=32), nullable=False),
        sa.Column("first_at", sa.String(length=32), nullable=False),
        sa.Column("last_at", sa.String(length=32), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("reporters", sa.Integer(), nullable=False),
        sa.Column("new_reporters", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_report_campaigns")),
    )
    op.create_index("ix_report_campaigns_subject", "report_campaigns",
                    ["subject_type", "subject_id", "last_at"])


def downgrade() -> None:
    op.drop_index("ix_report_campaigns_subject", table_name="report_campaigns")
    op.drop_table("report_campaigns")
    op.drop_table("rate_buckets")
    op.drop_table("reporters")
    op.drop_index("ix_public_reports_reporter", table_name="public_reports")
    op.drop_index("ix_public_reports_subject", table_name="public_reports")
    op.drop_table("public_reports")
