"""the case projection keeps what each case waits for (its entry state), so the queue's state
filter is a WHERE on an index over open cases in queue order, instead of folding cases until a
page is full

Revision ID: 0012_queue_entry_state
Revises: 0011_queue_counts

The backfill folds each open case's events with the domain's own fold, in batches, here in the
migration. The value is a projection of the log, defined by the fold and nothing else: a copy
of the fold in SQL would be a second definition to keep in step, and filling NULL rows lazily
would put writes (and, on a large queue, minutes of folding) into the first filtered read and
leave the filter wrong until then. Only open cases are folded: the filter reads no other row,
and a closed case gets its value the next time an event writes its row (reopening it is such
an event). The tables are named here as they stand at this revision, not imported.
"""
from alembic import op
import sqlalchemy as sa


revision = "0012_queue_entry_state"
down_revision = "0011_queue_counts"
branch_labels = None
depends_on = None

_WAITING = sa.text("review_state IN ('open', 'escalated')")
_ORDER = (sa.text("priority DESC"), "last_event_at", "subject_id", "subject_type")
#: Open cases folded and written per round trip (two bound parameters each in the events'
#: query: under SQLite's oldest limit of 999 a statement).
BATCH = 400

_status = sa.table("subject_status", sa.column("subject_type"), sa.column("subject_id"),
                   sa.column("review_state"), sa.column("entry_state"))
_events = sa.table("moderation_events", sa.column("seq"), sa.column("event_id"),
                   sa.column("kind"), sa.column("subject_type"), sa.column("subject_id"),
                   sa.column("actor"), sa.column("occurred_at"), sa.column("payload"))


def _backfill(conn: sa.Connection) -> None:
    """Fold the open cases in key order, a batch at a time (keyset, so each batch is an index
    range, however many cases there are)."""
    # imported here, not at the top: reading the revisions (``tarazu db status``) imports
    # every migration module, and must not load the domain and the service layer
    from tarazu.domain.case import fold
    from tarazu.domain.chain import event_from_row
    from tarazu.domain.events import SubjectRef, SubjectType
    from tarazu.service.queue_filters import case_entry_state

    s, e = _status, _events
    after: tuple[str, str] = ("", "")
    while True:
        keys = conn.execute(
            sa.select(s.c.subject_type, s.c.subject_id)
            .where(s.c.review_state.in_(("open", "escalated")),
                   sa.tuple_(s.c.subject_type, s.c.subject_id) > sa.tuple_(*after))
            .order_by(s.c.subject_type, s.c.subject_id).limit(BATCH)).all()
        if not keys:
            return
        history: dict[tuple[str, str], list] = {(k[0], k[1]): [] for k in keys}
        rows = conn.execute(
            sa.select(e).where(sa.tuple_(e.c.subject_type, e.c.subject_id).in_(list(history)))
            .order_by(e.c.seq))
        for r in rows:
            history[(r.subject_type, r.subject_id)].append(event_from_row(
                event_id=r.event_id, kind=r.kind, subject_type=r.subject_type,
                subject_id=r.subject_id, actor=r.actor, occurred_at=r.occurred_at,
                payload=r.payload))
        conn.execute(
            sa.update(s).where(s.c.subject_type == sa.bindparam("t"),
                               s.c.subject_id == sa.bindparam("i"))
            .values(entry_state=sa.bindparam("state")),
            [{"t": t, "i": i, "state": case_entry_state(
                fold(SubjectRef(SubjectType(t), i), events))}
             for (t, i), events in history.items()])
        after = (keys[-1][0], keys[-1][1])


def upgrade() -> None:
    op.add_column("subject_status", sa.Column("entry_state", sa.String(length=16),
                                              nullable=True))
    _backfill(op.get_bind())
    op.create_index("ix_subject_status_open_state_order", "subject_status",
                    ["entry_state", *_ORDER], postgresql_where=_WAITING, sqlite_where=_WAITING)
    op.create_index("ix_subject_status_open_queue_state_order", "subject_status",
                    ["queue", "entry_state", *_ORDER], postgresql_where=_WAITING,
                    sqlite_where=_WAITING)


def downgrade() -> None:
    op.drop_index("ix_subject_status_open_queue_state_order", table_name="subject_status")
    op.drop_index("ix_subject_status_open_state_order", table_name="subject_status")
    op.drop_column("subject_status", "entry_state")
