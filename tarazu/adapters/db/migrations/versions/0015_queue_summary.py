"""the case projection keeps what the queue shows of each case (its reports, their sources,
its last event's kind, a decision awaiting a second reviewer, an open appeal), so a page of
the queue reads its rows and none of the cases' events

Revision ID: 0015_queue_summary
Revises: 0014_queue_due

As in 0012, the backfill folds each open case's events with the domain's own fold, in
batches, here in the migration: the values are a projection of the log defined by the fold
alone. Only open cases are folded (the queue lists no other); a closed case gets its values
the next time an event writes its row, and until then a page that shows it folds it. The
tables are named here as they stand at this revision, not imported.
"""
from alembic import op
import sqlalchemy as sa


revision = "0015_queue_summary"
down_revision = "0014_queue_due"
branch_labels = None
depends_on = None

#: Open cases folded and written per round trip (two bound parameters each in the events'
#: query: under SQLite's oldest limit of 999 a statement).
BATCH = 400
COLUMNS = (sa.Column("reports", sa.Integer(), nullable=True),
           sa.Column("sources", sa.String(length=300), nullable=True),
           sa.Column("last_kind", sa.String(length=32), nullable=True),
           sa.Column("pending_decision", sa.Boolean(), nullable=True),
           sa.Column("appealed", sa.Boolean(), nullable=True))

_status = sa.table("subject_status", sa.column("subject_type"), sa.column("subject_id"),
                   sa.column("review_state"), *(sa.column(c.name) for c in COLUMNS))
_events = sa.table("moderation_events", sa.column("seq"), sa.column("event_id"),
                   sa.column("kind"), sa.column("subject_type"), sa.column("subject_id"),
                   sa.column("actor"), sa.column("occurred_at"), sa.column("payload"))


def _backfill(conn: sa.Connection) -> None:
    """Fold the open cases in key order, a batch at a time (keyset: each batch an index
    range, however many cases there are), and write what the queue shows of each."""
    # imported here, not at the top: reading the revisions (``tarazu db status``) imports
    # every migration module, and must not load the domain and the service layer
    from tarazu.adapters.db.status_store import summary_columns
    from tarazu.domain.case import fold
    from tarazu.domain.chain import event_from_row
    from tarazu.domain.events import SubjectRef, SubjectType
    from tarazu.service.records import CaseSummary

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
        for r in conn.execute(
                sa.select(e).where(sa.tuple_(e.c.subject_type, e.c.subject_id)
                                   .in_(list(history))).order_by(e.c.seq)):
            history[(r.subject_type, r.subject_id)].append(event_from_row(
                event_id=r.event_id, kind=r.kind, subject_type=r.subject_type,
                subject_id=r.subject_id, actor=r.actor, occurred_at=r.occurred_at,
                payload=r.payload))
        conn.execute(
            sa.update(s).where(s.c.subject_type == sa.bindparam("t"),
                               s.c.subject_id == sa.bindparam("i"))
            .values({c.name: sa.bindparam(f"v_{c.name}") for c in COLUMNS}),
            [{"t": t, "i": i, **{f"v_{k}": v for k, v in summary_columns(CaseSummary.of(
                fold(SubjectRef(SubjectType(t), i), events))).items()}}
             for (t, i), events in history.items()])
        after = (keys[-1][0], keys[-1][1])


def upgrade() -> None:
    for c in COLUMNS:
        op.add_column("subject_status", c._copy())
    _backfill(op.get_bind())


def downgrade() -> None:
    for c in reversed(COLUMNS):
        op.drop_column("subject_status", c.name)
