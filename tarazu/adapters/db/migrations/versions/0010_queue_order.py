"""the review queue is read in its order off two partial indexes over open cases (all queues,
and one named queue), instead of sorting every open case for each page

Revision ID: 0010_queue_order
Revises: 0009_outbox_order
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_queue_order"
down_revision = "0009_outbox_order"
branch_labels = None
depends_on = None

# As tarazu.adapters.db.tables (kept here: a migration must not change when the code does).
_WAITING = sa.text("review_state IN ('open', 'escalated')")
_ORDER = (sa.text("priority DESC"), "last_event_at", "subject_id", "subject_type")


def upgrade() -> None:
    op.create_index("ix_subject_status_open_order", "subject_status", list(_ORDER),
                    postgresql_where=_WAITING, sqlite_where=_WAITING)
    op.create_index("ix_subject_status_open_queue_order", "subject_status",
                    ["queue", *_ORDER], postgresql_where=_WAITING, sqlite_where=_WAITING)


def downgrade() -> None:
    op.drop_index("ix_subject_status_open_queue_order", table_name="subject_status")
    op.drop_index("ix_subject_status_open_order", table_name="subject_status")
