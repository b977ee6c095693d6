"""A unit of work held in memory: the same contract as the SQL one
(:class:`tarazu.service.ports.UnitOfWork`, checked by one shared contract suite), so use-case
tests run in milliseconds without a database.

Events are stored as their canonical columns and rebuilt on read, exactly as the SQL store
rebuilds them, so a payload comes back in the same JSON shape (tuples as lists) on both. A
transaction works on a copy of the committed state; ``commit`` publishes it, leaving the block
without one discards it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

from tarazu.domain.case import CaseState
from tarazu.domain.chain import (
    GENESIS,
    canonical_json,
    chain,
    event_from_row,
    format_time,
    parse_time,
)
from tarazu.domain.events import ModerationEvent, RecordedEvent, SubjectRef, SubjectType
from tarazu.domain.platform import Account, Post, verified_protection
from tarazu.service.queue_filters import case_entry_state
from tarazu.service.records import OutboxMessage, QueueRow, subject_key


@dataclass(frozen=True)
class _EventRow:
    seq: int
    event_id: str
    kind: str
    subject_type: str
    subject_id: str
    actor: str
    occurred_at: str
    payload: str
    idempotency_key: str | None
    prev_hash: str
    hash: str

    def recorded(self) -> RecordedEvent:
        event = event_from_row(event_id=self.event_id, kind=self.kind,
                               subject_type=self.subject_type, subject_id=self.subject_id,
                               actor=self.actor, occurred_at=self.occurred_at,
                               payload=self.payload)
        return RecordedEvent(self.seq, event, self.prev_hash, self.hash)


@dataclass(frozen=True)
class _OutboxRow:
    message: OutboxMessage
    next_attempt_at: str
    event_seq: int | None
    delivered_at: str | None = None
    last_error: str | None = None


@dataclass
class MemoryState:
    """Everything a committed in-memory database holds. Every value is immutable, so a
    transaction's copy is a shallow copy of each container."""

    events: list[_EventRow] = field(default_factory=list)
    status: dict[SubjectRef, tuple[QueueRow, int]] = field(default_factory=dict)
    outbox: dict[int, _OutboxRow] = field(default_factory=dict)
    accounts: dict[tuple[str, str], Account] = field(default_factory=dict)
    posts: dict[tuple[str, str], Post] = field(default_factory=dict)
    protected: dict[tuple[str, str], str] = field(default_factory=dict)
    deadlines: dict[SubjectRef, datetime | None] = field(default_factory=dict)
    status_due: dict[SubjectRef, datetime | None] = field(default_factory=dict)  # as status

    def copy(self) -> MemoryState:
        return MemoryState(list(self.events), dict(self.status), dict(self.outbox),
                           dict(self.accounts), dict(self.posts), dict(self.protected),
                           dict(self.deadlines), dict(self.status_due))


class MemoryEventLog:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def append(self, event: ModerationEvent, idempotency_key: str | None = None
               ) -> RecordedEvent:
        if idempotency_key:
            for row in self._s.events:
                if row.idempotency_key == idempotency_key:
                    return row.recorded()
        last = self._s.events[-1].recorded() if self._s.events else None
        rec = chain(last, event)
        assert last is not None or rec.prev_hash == GENESIS
        self._s.events.append(_EventRow(
            rec.seq, event.event_id, event.kind.value, event.subject.type.value,
            event.subject.id, event.actor, format_time(event.occurred_at),
            canonical_json(dict(event.payload)), idempotency_key, rec.prev_hash, rec.hash))
        return self._s.events[-1].recorded()

    def for_subject(self, subject: SubjectRef) -> list[ModerationEvent]:
        return [r.recorded().event for r in self._s.events
                if r.subject_type == subject.type.value and r.subject_id == subject.id]

    def for_subjects(self, subjects: Sequence[SubjectRef]
                     ) -> dict[SubjectRef, list[ModerationEvent]]:
        return {s: self.for_subject(s) for s in subjects}

    def get(self, event_id: str) -> RecordedEvent | None:
        return next((r.recorded() for r in self._s.events if r.event_id == event_id), None)

    def iter_all(self, after_seq: int = 0, batch: int = 5000) -> Iterator[RecordedEvent]:
        for r in list(self._s.events):
            if r.seq > after_seq:
                yield r.recorded()

    def head(self) -> tuple[int, str]:
        if not self._s.events:
            return 0, GENESIS
        return self._s.events[-1].seq, self._s.events[-1].hash

    def subjects_with_kind(self, kind: str, subject_type: SubjectType | None = None
                           ) -> list[SubjectRef]:
        found = {SubjectRef(SubjectType(r.subject_type), r.subject_id): None
                 for r in self._s.events if r.kind == kind
                 and (subject_type is None or r.subject_type == subject_type.value)}
        return list(found)

    def payloads(self, kind: str) -> Iterator[tuple[RecordedEvent, dict]]:
        for r in list(self._s.events):
            if r.kind == kind:
                yield r.recorded(), json.loads(r.payload)


class MemoryCaseProjection:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def save(self, state: CaseState, queue: str | None, protected: bool, last_seq: int,
             due_at: datetime | None = None) -> None:
        self._s.status[state.subject] = (QueueRow(
            state.subject, state.review_state, queue, state.priority, state.enforcement,
            protected, state.assigned_to,
            format_time(state.last_event_at) if state.last_event_at else None,
            case_entry_state(state)), last_seq)
        self._s.status_due[state.subject] = due_at

    def queue(self, review_states: tuple[str, ...] = ("open", "escalated"),
              queue: str | None = None, limit: int = 200, offset: int = 0,
              entry_state: str | None = None,
              due_before: datetime | None = None) -> list[QueueRow]:
        def due(r: QueueRow) -> bool:
            at = self._s.status_due.get(r.subject)
            return due_before is None or (at is not None and at < due_before)

        rows = [r for r, _ in self._s.status.values() if r.review_state in review_states
                and (not queue or r.queue == queue)
                and (not entry_state or r.entry_state == entry_state) and due(r)]
        rows.sort(key=lambda r: (-r.priority, r.last_event_at or "", r.subject.id))
        return rows[offset:offset + limit]

    def get(self, subject: SubjectRef) -> QueueRow | None:
        found = self._s.status.get(subject)
        return found[0] if found else None

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r, _ in self._s.status.values():
            out[r.review_state] = out.get(r.review_state, 0) + 1
        return out

    def queue_counts(self, review_states: tuple[str, ...] = ("open", "escalated")
                     ) -> dict[str, int]:
        out: dict[str, int] = {}
        for r, _ in self._s.status.values():
            if r.review_state in review_states:
                out[r.queue or "unrouted"] = out.get(r.queue or "unrouted", 0) + 1
        return out


def _backoff(attempts: int) -> timedelta:
    """The same back-off as the SQL outbox: 2, 4, 8 ... seconds, at most an hour."""
    return timedelta(seconds=min(3600, 2 ** (attempts + 1)))


class MemoryOutbox:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def add(self, *, idempotency_key: str, destination: str, kind: str,
            payload: dict[str, Any], at: datetime, event_seq: int | None = None) -> bool:
        if any(r.message.idempotency_key == idempotency_key
               and r.message.destination == destination for r in self._s.outbox.values()):
            return False
        new_id = max(self._s.outbox, default=0) + 1
        stored = json.loads(canonical_json(payload))
        self._s.outbox[new_id] = _OutboxRow(
            OutboxMessage(new_id, idempotency_key, destination, kind, stored, 0),
            format_time(at), event_seq)
        return True

    def due(self, now: datetime, limit: int = 50) -> list[OutboxMessage]:
        """As the SQL outbox: oldest first, a message waiting behind an undelivered earlier
        one about the same subject."""
        t = format_time(now)
        out, held = [], set()
        for _, r in sorted(self._s.outbox.items()):
            if r.delivered_at is not None:
                continue
            key = (r.message.destination, subject_key(r.message.payload))
            if key[1] is not None and key in held:
                continue
            if key[1] is not None:
                held.add(key)
            if r.next_attempt_at <= t:
                out.append(r.message)
        return out[:limit]

    def retry_now(self, now: datetime) -> int:
        t, n = format_time(now), 0
        for i, r in list(self._s.outbox.items()):
            if r.delivered_at is None and r.next_attempt_at > t:
                self._s.outbox[i] = dataclasses.replace(r, next_attempt_at=t)
                n += 1
        return n

    def claim(self, now: datetime, lease: timedelta, limit: int = 50) -> list[OutboxMessage]:
        msgs = self.due(now, limit)
        for m in msgs:
            self._s.outbox[m.id] = dataclasses.replace(
                self._s.outbox[m.id], next_attempt_at=format_time(now + lease))
        return msgs

    def delivered(self, message_id: int, at: datetime) -> None:
        r = self._s.outbox[message_id]
        self._s.outbox[message_id] = dataclasses.replace(
            r, delivered_at=format_time(at), last_error=None,
            message=dataclasses.replace(r.message, attempts=r.message.attempts + 1))

    def failed(self, message_id: int, at: datetime, error: str, attempts: int) -> None:
        r = self._s.outbox[message_id]
        self._s.outbox[message_id] = dataclasses.replace(
            r, last_error=error[:2000], next_attempt_at=format_time(at + _backoff(attempts)),
            message=dataclasses.replace(r.message, attempts=attempts + 1))

    def pending(self, limit: int = 1000) -> list[OutboxMessage]:
        return [r.message for _, r in sorted(self._s.outbox.items())
                if r.delivered_at is None][:limit]

    def pending_count(self) -> int:
        return sum(1 for r in self._s.outbox.values() if r.delivered_at is None)


class MemorySubjectDirectory:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def upsert_account(self, a: Account, mark: bool = True) -> str:
        del mark  # no scoring queue here
        key = (a.platform, a.account_id)
        old = self._s.accounts.get(key)
        self._s.accounts[key] = a
        return "added" if old is None else "unchanged" if old == a else "updated"

    def upsert_post(self, p: Post, mark: bool = True) -> str:
        del mark
        key = (p.platform, p.post_id)
        old = self._s.posts.get(key)
        self._s.posts[key] = p
        return "added" if old is None else "unchanged" if old == p else "updated"

    def upsert_posts(self, ps: Sequence[Post], mark: bool = True) -> list[str]:
        return [self.upsert_post(p, mark) for p in ps]

    def account_statuses(self, keys: Iterable[tuple[str, str]]
                         ) -> dict[tuple[str, str], str]:
        return {k: self._s.accounts[k].status for k in set(keys) if k in self._s.accounts}

    def get_account(self, platform: str, account_id: str, with_identifiers: bool = False
                    ) -> Account | None:
        a = self._s.accounts.get((platform, account_id))
        if a is None or with_identifiers:
            return a
        return dataclasses.replace(a, identifiers={})

    def handles(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        return {k: self._s.accounts[k].handle for k in set(keys) if k in self._s.accounts}

    def get_post(self, platform: str, post_id: str) -> Post | None:
        return self._s.posts.get((platform, post_id))

    def protect(self, platform: str, account_id: str, category: str, source: str,
                added_by: str, at: datetime, note: str = "") -> bool:
        if (platform, account_id) in self._s.protected:
            return False
        self._s.protected[(platform, account_id)] = category
        return True

    def protection(self, platform: str, account_id: str) -> str | None:
        cat = self._s.protected.get((platform, account_id))
        if cat:
            return cat
        a = self._s.accounts.get((platform, account_id))
        return verified_protection(a.verified_categories) if a else None


class MemoryDeadlines:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def save_deadline(self, subject: SubjectRef, queue: str | None, due: datetime | None) -> None:
        # stored at the SQL store's precision (its text form), so both read back the same
        self._s.deadlines[subject] = parse_time(format_time(due)) if due else None

    def deadlines(self, subjects: list[SubjectRef]) -> dict[SubjectRef, datetime | None]:
        return {s: self._s.deadlines.get(s) for s in subjects}


class MemoryUnitOfWork:
    """``with uow: ...; uow.commit()`` over a :class:`MemoryState` shared by every unit of
    work of one :class:`MemoryDatabase`."""

    events: MemoryEventLog
    status: MemoryCaseProjection
    outbox: MemoryOutbox
    platform: MemorySubjectDirectory
    due_process: MemoryDeadlines

    def __init__(self, database: MemoryDatabase) -> None:
        self._db = database

    def __enter__(self) -> Self:
        self._begin()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._work = MemoryState()

    def _begin(self) -> None:
        self._work = self._db.committed.copy()
        self.events = MemoryEventLog(self._work)
        self.status = MemoryCaseProjection(self._work)
        self.outbox = MemoryOutbox(self._work)
        self.platform = MemorySubjectDirectory(self._work)
        self.due_process = MemoryDeadlines(self._work)

    def commit(self) -> None:
        self._db.committed = self._work.copy()
        self._begin()

    def rollback(self) -> None:
        self._begin()


class MemoryDatabase:
    """The committed state, and the factory of units of work over it
    (a :data:`tarazu.service.ports.UowFactory`)."""

    def __init__(self) -> None:
        self.committed = MemoryState()

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)
