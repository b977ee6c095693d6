"""the case projection keeps when each case is due, so the queue's due filters are a WHERE on
the projection and its overdue counts read one index range, instead of checking due dates row
by row and joining every deadline to every case

Revision ID: 0014_queue_due
Revises: 0013_report_text_encrypted

The value is the one ``case_deadlines`` already holds for each case (both are written by the
same save of a case), copied over in one statement; nothing is folded. The tables are named
here as they stand at this revision, not imported.
"""
from alembic import op
import sqlalchemy as sa


revision = "0014_queue_due"
down_revision = "0013_report_text_encrypted"
branch_labels = None
depends_on = None

_WAITING = sa.text("review_state IN ('open', 'escalated')")

_status = sa.table("subject_status", sa.column("subject_type"), sa.column("subject_id"),
                   sa.column("due_at"))
_deadlines = sa.table("case_deadlines", sa.column("subject_type"), sa.column("subject_id"),
                      sa.column("due_at"))


def upgrade() -> None:
    op.add_column("subject_status", sa.Column("due_at", sa.String(length=32), nullable=True))
    s, d = _status, _deadlines
    op.get_bind().execute(sa.update(s).values(due_at=sa.select(d.c.due_at).where(
        d.c.subject_type == s.c.subject_type, d.c.subject_id == s.c.subject_id)
        .scalar_subquery()))
    op.create_index("ix_subject_status_open_due", "subject_status", ["due_at", "queue"],
                    postgresql_where=_WAITING, sqlite_where=_WAITING)


def downgrade() -> None:
    op.drop_index("ix_subject_status_open_due", table_name="subject_status")
    op.drop_column("subject_status", "due_at")
