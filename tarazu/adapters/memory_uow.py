"""A unit of work held in memory: the same contract as the SQL one
(:class:`tarazu.service.ports.StoreUnitOfWork`, every repository of it, checked by one shared
contract suite), so use-case tests run in milliseconds without a database.

Events are stored as their canonical columns and rebuilt on read, exactly as the SQL store
rebuilds them, so a payload comes back in the same JSON shape (tuples as lists) on both. A
transaction works on a copy of the committed state; ``commit`` publishes it, leaving the block
without one discards it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

from cryptography.fernet import Fernet

from tarazu.adapters.db.crypto import FieldCipher
from tarazu.adapters.memory_datarequests import MemoryDataRequests
from tarazu.adapters.memory_hashbanks import MemoryHashBanks
from tarazu.adapters.memory_people import MemoryReferrals, MemoryUsers
from tarazu.adapters.memory_platform import MemoryDueProcess, MemoryPlatform
from tarazu.adapters.memory_reports import MemoryPublicReports
from tarazu.adapters.memory_state import EventRow, MemoryState, OutboxRow
from tarazu.domain.case import UNDER_REVIEW, CaseState
from tarazu.domain.chain import GENESIS, canonical_json, chain, format_time
from tarazu.domain.events import ModerationEvent, RecordedEvent, SubjectRef, SubjectType
from tarazu.service.ports import Cipher
from tarazu.service.queue_filters import case_entry_state
from tarazu.service.records import CaseSummary, OutboxMessage, QueueRow, subject_key

__all__ = ["MemoryDatabase", "MemoryState", "MemoryUnitOfWork"]


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
        self._s.events.append(EventRow(
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
            case_entry_state(state), CaseSummary.of(state)), last_seq)
        self._s.status_due[state.subject] = due_at

    def queue(self, review_states: tuple[str, ...] = UNDER_REVIEW,
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

    def queue_counts(self, review_states: tuple[str, ...] = UNDER_REVIEW
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
        self._s.outbox[new_id] = OutboxRow(
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


class MemoryUnitOfWork:
    """``with uow: ...; uow.commit()`` over a :class:`MemoryState` shared by every unit of
    work of one :class:`MemoryDatabase`: every repository of
    :class:`tarazu.service.ports.StoreUnitOfWork`."""

    events: MemoryEventLog
    status: MemoryCaseProjection
    outbox: MemoryOutbox
    platform: MemoryPlatform
    due_process: MemoryDueProcess
    users: MemoryUsers
    referrals: MemoryReferrals
    reports: MemoryPublicReports
    datarequests: MemoryDataRequests
    hashbanks: MemoryHashBanks

    def __init__(self, database: MemoryDatabase) -> None:
        self._db = database
        self.cipher = database.cipher

    def __enter__(self) -> Self:
        self._begin()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._work = MemoryState()

    def _begin(self) -> None:
        w = self._work = self._db.committed.copy()
        self.events = MemoryEventLog(w)
        self.status = MemoryCaseProjection(w)
        self.outbox = MemoryOutbox(w)
        self.platform = MemoryPlatform(w)
        self.due_process = MemoryDueProcess(w)
        self.users = MemoryUsers(w)
        self.referrals = MemoryReferrals(w)
        self.reports = MemoryPublicReports(w, self.cipher)
        self.datarequests = MemoryDataRequests(w)
        self.hashbanks = MemoryHashBanks(w)

    def commit(self) -> None:
        self._db.committed = self._work.copy()
        self._begin()

    def rollback(self) -> None:
        self._begin()


class MemoryDatabase:
    """The committed state, and the factory of units of work over it
    (a :data:`tarazu.service.ports.UowFactory`). ``cipher`` encrypts what the SQL stores
    encrypt (a fresh key when none is given: nothing outlives the process)."""

    def __init__(self, cipher: Cipher | None = None) -> None:
        self.committed = MemoryState()
        self.cipher: Cipher = cipher or FieldCipher(Fernet.generate_key())

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)
