"""open cases per queue are kept as counters with the case projection, so the queue page does
not count every open case to label its tabs

Revision ID: 0011_queue_counts
Revises: 0010_queue_order
"""
from alembic import op
import sqlalchemy as sa

revision = "0011_queue_counts"
down_revision = "0010_queue_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_counts",
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("cases", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("queue", name=op.f("pk_queue_counts")),
    )
    op.execute("INSERT INTO queue_counts (queue, cases) SELECT COALESCE(queue, ''), count(*) "
               "FROM subject_status WHERE review_state IN ('open', 'escalated') "
               "GROUP BY COALESCE(queue, '')")


def downgrade() -> None:
    op.drop_table("queue_counts")
