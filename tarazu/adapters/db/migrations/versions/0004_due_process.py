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
    op.create_table(
        "case_deadlines",
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=300), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("due_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("subject_type", "subject_id", name=op.f("pk_case_deadlines")),
    )
    op.create_index("ix_case_deadlines_due", "case_deadlines", ["due_at"])
    op.create_table(
        "appeal_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=300), nullable=False),
        sa.Column("decision_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.String(length=32), nullable=False),
        sa.Column("appeal_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_appeal_tokens")),
    )
    op.create_index("ix_appeal_tokens_decision", "appeal_tokens", ["decision_id"])
    op.create_table(
        "mirror_reference_withdrawn",
        sa.Column("platform", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("withdrawn_at", sa.String(length=32), nullable=False),
        sa.Column("decision_id", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "account_id",
                                name=op.f("pk_mirror_reference_withdrawn")),
    )
    op.create_table(
        "job_watermarks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("last_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_watermarks")),
    )


def downgrade() -> None:
    op.drop_table("job_watermarks")
    op.drop_table("mirror_reference_withdrawn")
    op.drop_index("ix_appeal_tokens_decision", table_name="appeal_tokens")
    op.drop_table("appeal_tokens")
    op.drop_index("ix_case_deadlines_due", table_name="case_deadlines")
    op.drop_table("case_deadlines")
