"""The event log store: append with a chain link, read by subject or in order."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, select, tuple_, update

from tarazu.adapters.db.tables import chain_head, moderation_events
from tarazu.domain.chain import GENESIS, canonical_json, chain, event_from_row, format_time
from tarazu.domain.events import ModerationEvent, RecordedEvent, SubjectRef, SubjectType


def _row_to_recorded(row) -> RecordedEvent:  # type: ignore[no-untyped-def]
    event = event_from_row(
        event_id=row.event_id, kind=row.kind, subject_type=row.subject_type,
        subject_id=row.subject_id, actor=row.actor, occurred_at=row.occurred_at,
        payload=row.payload,
    )
    return RecordedEvent(row.seq, event, row.prev_hash, row.hash)


class EventStore:
    """The chain's head is read (and locked) once per transaction, at its first append, and
    written once, when the unit of work commits (:meth:`write_head`): a transaction that
    appends many events (a stream worker's batch) pays one statement an event, not three."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._head: tuple[int, str] | None = None  # as this transaction's appends left it
        self._head_moved = False

    def write_head(self) -> None:
        """Write the head this transaction's appends moved to; the caller commits next."""
        if self._head_moved and self._head is not None:
            self.conn.execute(update(chain_head).where(chain_head.c.id == 1)
                              .values(seq=self._head[0], hash=self._head[1]))
        self.forget_head()

    def forget_head(self) -> None:
        """The transaction ended: the next one reads the head again."""
        self._head, self._head_moved = None, False

    def append(self, event: ModerationEvent, idempotency_key: str | None = None
               ) -> RecordedEvent:
        """Append one event, linked to the current head. A retried append with the same
        idempotency key returns the event already stored instead of writing it twice."""
        if idempotency_key:
            existing = self.conn.execute(
                select(moderation_events).where(
                    moderation_events.c.idempotency_key == idempotency_key)
            ).first()
            if existing:
                return _row_to_recorded(existing)
        if self._head is None:  # locked until the transaction ends: no other writer moves it
            head = self.conn.execute(
                select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == 1)
                .with_for_update()
            ).one()
            self._head = (head.seq, head.hash)
        seq, digest = self._head
        prev = RecordedEvent(seq, event, "", digest) if seq else None
        rec = chain(prev, event)
        if prev is None:
            assert rec.prev_hash == GENESIS
        self.conn.execute(moderation_events.insert().values(
            seq=rec.seq, event_id=event.event_id, kind=event.kind.value,
            subject_type=event.subject.type.value, subject_id=event.subject.id,
            actor=event.actor, occurred_at=format_time(event.occurred_at),
            payload=canonical_json(dict(event.payload)), idempotency_key=idempotency_key,
            prev_hash=rec.prev_hash, hash=rec.hash,
        ))
        self._head, self._head_moved = (rec.seq, rec.hash), True
        return rec

    def for_subject(self, subject: SubjectRef) -> list[ModerationEvent]:
        rows = self.conn.execute(
            select(moderation_events)
            .where(moderation_events.c.subject_type == subject.type.value,
                   moderation_events.c.subject_id == subject.id)
            .order_by(moderation_events.c.seq)
        )
        return [_row_to_recorded(r).event for r in rows]

    def for_subjects(self, subjects: Sequence[SubjectRef]
                     ) -> dict[SubjectRef, list[ModerationEvent]]:
        """Each subject's events in order, in one query (a queue page needs fifty)."""
        out: dict[SubjectRef, list[ModerationEvent]] = {s: [] for s in subjects}
        if not out:
            return out
        rows = self.conn.execute(
            select(moderation_events)
            .where(tuple_(moderation_events.c.subject_type, moderation_events.c.subject_id)
                   .in_([(s.type.value, s.id) for s in out]))
            .order_by(moderation_events.c.seq))
        for r in rows:
            out[SubjectRef(SubjectType(r.subject_type), r.subject_id)].append(
                _row_to_recorded(r).event)
        return out

    def get(self, event_id: str) -> RecordedEvent | None:
        row = self.conn.execute(
            select(moderation_events).where(moderation_events.c.event_id == event_id)).first()
        return _row_to_recorded(row) if row else None

    def iter_all(self, after_seq: int = 0, batch: int = 5000) -> Iterator[RecordedEvent]:
        """Every event in sequence order, read in batches (the chain may be large)."""
        last = after_seq
        while True:
            rows = self.conn.execute(
                select(moderation_events).where(moderation_events.c.seq > last)
                .order_by(moderation_events.c.seq).limit(batch)
            ).all()
            if not rows:
                return
            for r in rows:
                yield _row_to_recorded(r)
            last = rows[-1].seq

    def head(self) -> tuple[int, str]:
        if self._head is not None:  # this transaction appended: its own head
            return self._head
        row = self.conn.execute(select(chain_head.c.seq, chain_head.c.hash)
                                .where(chain_head.c.id == 1)).one()
        return row.seq, row.hash

    def subjects_with_kind(self, kind: str, subject_type: SubjectType | None = None
                           ) -> list[SubjectRef]:
        q = select(moderation_events.c.subject_type, moderation_events.c.subject_id).where(
            moderation_events.c.kind == kind).distinct()
        if subject_type:
            q = q.where(moderation_events.c.subject_type == subject_type.value)
        return [SubjectRef(SubjectType(r.subject_type), r.subject_id)
                for r in self.conn.execute(q)]

    def payloads(self, kind: str) -> Iterator[tuple[RecordedEvent, dict]]:
        rows = self.conn.execute(select(moderation_events).where(
            moderation_events.c.kind == kind).order_by(moderation_events.c.seq))
        for r in rows:
            yield _row_to_recorded(r), json.loads(r.payload)
