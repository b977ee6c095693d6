"""the case projection keeps when each case is due, so the queue's due filters are a WHERE on
the projection, and open cases are counted per queue and hour they fall due, so the overdue
counts add up past hours instead of joining every deadline to every case

Revision ID: 0014_queue_due
Revises: 0013_report_text_encrypted

The value is the one ``case_deadlines`` already holds for each case (both are written by the
same save of a case), copied over in one statement, and the counts are one GROUP BY of the
result; nothing is folded. The tables are named here as they stand at this revision, not
imported.
"""
from alembic import op
import sqlalchemy as sa


revision = "0014_queue_due"
down_revision = "0013_report_text_encrypted"
branch_labels = None
depends_on = None

_WAITING = sa.text("review_state IN ('open', 'escalated')")

_status = sa.table("subject_status", sa.column("subject_type"), sa.column("subject_id"),
                   sa.column("review_state"), sa.column("queue"), sa.column("due_at"))
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
    counts = op.create_table(
        "queue_due_counts",
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("due_hour", sa.String(length=13), nullable=False),
        sa.Column("cases", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.PrimaryKeyConstraint("queue", "due_hour", name=op.f("pk_queue_due_counts")),
    )
    queue, hour = sa.func.coalesce(s.c.queue, ""), sa.func.substr(s.c.due_at, 1, 13)
    op.get_bind().execute(sa.insert(counts).from_select(
        ["queue", "due_hour", "cases"],
        sa.select(queue, hour, sa.func.count())
        .where(s.c.review_state.in_(("open", "escalated")), s.c.due_at.is_not(None))
        .group_by(queue, hour)))


def downgrade() -> None:
    op.drop_table("queue_due_counts")
    op.drop_index("ix_subject_status_open_due", table_name="subject_status")
    op.drop_column("subject_status", "due_at")
