"""The case projection (``subject_status``): one row per subject, refreshed in the same
transaction as every event on it, so queues and counts are plain queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Table, and_, delete, func, insert, select, update

from tarazu.adapters.db.tables import OPEN_STATES, queue_counts, queue_due_counts, subject_status
from tarazu.domain.case import CaseState
from tarazu.domain.chain import format_time
from tarazu.domain.events import SubjectRef, SubjectType
from tarazu.service.queue_filters import case_entry_state
from tarazu.service.records import CaseSummary, QueueRow


class StatusStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def save(self, state: CaseState, queue: str | None, protected: bool, last_seq: int,
             due_at: datetime | None = None) -> None:
        key = and_(subject_status.c.subject_type == state.subject.type.value,
                   subject_status.c.subject_id == state.subject.id)
        values = dict(
            review_state=state.review_state, queue=queue, priority=state.priority,
            enforcement=state.enforcement, protected=protected, assigned_to=state.assigned_to,
            last_event_at=format_time(state.last_event_at) if state.last_event_at else None,
            last_seq=last_seq, entry_state=case_entry_state(state),
            due_at=format_time(due_at) if due_at else None,
            **summary_columns(CaseSummary.of(state)),
        )
        old = self.conn.execute(select(subject_status.c.review_state, subject_status.c.queue,
                                       subject_status.c.due_at).where(key)).first()
        if old:
            self.conn.execute(update(subject_status).where(key).values(**values))
        else:
            self.conn.execute(insert(subject_status).values(
                subject_type=state.subject.type.value, subject_id=state.subject.id, **values))
        was_open = bool(old) and old.review_state in OPEN_STATES
        is_open = state.review_state in OPEN_STATES
        was = (old.queue or "") if was_open else None
        now = (queue or "") if is_open else None
        if was != now:
            if was is not None:
                self._count(queue_counts, {"queue": was}, -1)
            if now is not None:
                self._count(queue_counts, {"queue": now}, 1)
        was_due = (old.queue or "", old.due_at[:13]) if was_open and old.due_at else None
        now_due = (queue or "", values["due_at"][:13]) if is_open and values["due_at"] else None
        if was_due != now_due:
            if was_due is not None:
                self._count(queue_due_counts, dict(zip(("queue", "due_hour"), was_due,
                                                       strict=True)), -1)
            if now_due is not None:
                self._count(queue_due_counts, dict(zip(("queue", "due_hour"), now_due,
                                                       strict=True)), 1)

    def _count(self, table: Table, key: dict[str, str], delta: int) -> None:
        """Add ``delta`` to the counter row ``key`` of ``table`` (a row at zero is deleted)."""
        where = and_(*(table.c[k] == v for k, v in key.items()))
        done = self.conn.execute(update(table).where(where)
                                 .values(cases=table.c.cases + delta))
        if not done.rowcount:
            self.conn.execute(insert(table).values(**key, cases=delta))
        elif delta < 0:
            self.conn.execute(delete(table).where(where, table.c.cases == 0))

    def queue(self, review_states: tuple[str, ...] = OPEN_STATES,
              queue: str | None = None, limit: int = 200, offset: int = 0,
              entry_state: str | None = None,
              due_before: datetime | None = None) -> list[QueueRow]:
        """Cases in the queue's order (with ``entry_state``, only those waiting for it; with
        ``due_before``, only those due before then). The page's keys are found first, from
        the index alone (the queue-order indexes end with the key), and only then their rows
        read, so a deep page skips index entries rather than whole rows."""
        s = subject_status
        order = (s.c.priority.desc(), s.c.last_event_at, s.c.subject_id)
        keys = select(s.c.subject_type, s.c.subject_id).where(s.c.review_state.in_(review_states))
        if queue:
            keys = keys.where(s.c.queue == queue)
        if entry_state:
            keys = keys.where(s.c.entry_state == entry_state)
        if due_before is not None:
            keys = keys.where(s.c.due_at < format_time(due_before))
        page = keys.order_by(*order).limit(limit).offset(offset).subquery()
        q = select(s).join(page, and_(s.c.subject_type == page.c.subject_type,
                                      s.c.subject_id == page.c.subject_id)).order_by(*order)
        return [self._row(r) for r in self.conn.execute(q)]

    def get(self, subject: SubjectRef) -> QueueRow | None:
        r = self.conn.execute(select(subject_status).where(
            subject_status.c.subject_type == subject.type.value,
            subject_status.c.subject_id == subject.id)).first()
        return self._row(r) if r else None

    def counts(self) -> dict[str, int]:
        rows = self.conn.execute(select(subject_status.c.review_state, func.count())
                                 .group_by(subject_status.c.review_state))
        return {r[0]: r[1] for r in rows}

    def queue_counts(self, review_states: tuple[str, ...] = OPEN_STATES
                     ) -> dict[str, int]:
        """Open cases per named queue (the dashboard), from the counters :meth:`save` keeps;
        other states are counted."""
        if tuple(review_states) == OPEN_STATES:
            kept = self.conn.execute(select(queue_counts.c.queue, queue_counts.c.cases)
                                     .where(queue_counts.c.cases > 0))
            return {r.queue or "unrouted": r.cases for r in kept}
        rows = self.conn.execute(
            select(subject_status.c.queue, func.count())
            .where(subject_status.c.review_state.in_(review_states))
            .group_by(subject_status.c.queue))
        return {r[0] or "unrouted": r[1] for r in rows}

    @staticmethod
    def _row(r) -> QueueRow:  # type: ignore[no-untyped-def]
        summary = None if r.reports is None else CaseSummary(
            r.reports, tuple(s for s in (r.sources or "").split(",") if s), r.last_kind or "",
            bool(r.pending_decision), bool(r.appealed))
        return QueueRow(SubjectRef(SubjectType(r.subject_type), r.subject_id), r.review_state,
                        r.queue, r.priority, r.enforcement, r.protected, r.assigned_to,
                        r.last_event_at, r.entry_state, summary)


def summary_columns(s: CaseSummary) -> dict[str, object]:
    """The projection's columns of a case summary (the migration that added them fills them
    with this too)."""
    return {"reports": s.reports, "sources": ",".join(s.sources), "last_kind": s.last_event,
            "pending_decision": s.pending_decision, "appealed": s.appealed}
