"""What the use cases need from the outside, as protocols the service layer owns.

Adapters implement these (:mod:`tarazu.adapters.db.uow` on SQL,
:mod:`tarazu.adapters.memory_uow` in memory); both pass one contract suite
(``tests/unit/service/test_uow_contract.py``), so a use case written against :class:`UnitOfWork`
behaves the same on either and its tests can run without a database. The records that cross a
port (:class:`QueueRow`, :class:`OutboxMessage`) are defined here for the same reason: the
service layer must not import the adapter that happens to produce them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from tarazu.domain.case import CaseState
from tarazu.domain.checkpoint import Checkpoint
from tarazu.domain.events import ModerationEvent, RecordedEvent, SubjectRef, SubjectType
from tarazu.domain.platform import Account, Post


@dataclass(frozen=True)
class QueueRow:
    """One subject's row in the case projection."""

    subject: SubjectRef
    review_state: str
    queue: str | None
    priority: int
    enforcement: str | None
    protected: bool
    assigned_to: str | None
    last_event_at: str | None


@dataclass(frozen=True)
class OutboxMessage:
    """A push to another system, written with the event that caused it."""

    id: int
    idempotency_key: str
    destination: str
    kind: str
    payload: dict[str, Any]
    attempts: int


class EventLog(Protocol):
    """The append-only, hash-chained log of moderation events."""

    def append(self, event: ModerationEvent, idempotency_key: str | None = None
               ) -> RecordedEvent: ...

    def for_subject(self, subject: SubjectRef) -> list[ModerationEvent]: ...

    def get(self, event_id: str) -> RecordedEvent | None: ...

    def iter_all(self, after_seq: int = 0, batch: int = 5000) -> Iterator[RecordedEvent]: ...

    def head(self) -> tuple[int, str]: ...

    def subjects_with_kind(self, kind: str, subject_type: SubjectType | None = None
                           ) -> list[SubjectRef]: ...

    def payloads(self, kind: str) -> Iterator[tuple[RecordedEvent, dict]]: ...


class CaseProjection(Protocol):
    """One row per subject, refreshed with every event on it (queues and counts)."""

    def save(self, state: CaseState, queue: str | None, protected: bool,
             last_seq: int) -> None: ...

    def queue(self, review_states: tuple[str, ...] = ("open", "escalated"),
              queue: str | None = None, limit: int = 200, offset: int = 0
              ) -> list[QueueRow]: ...

    def get(self, subject: SubjectRef) -> QueueRow | None: ...

    def counts(self) -> dict[str, int]: ...

    def queue_counts(self, review_states: tuple[str, ...] = ("open", "escalated")
                     ) -> dict[str, int]: ...


class Outbox(Protocol):
    """Messages to other systems, committed with their event, sent after commit."""

    def add(self, *, idempotency_key: str, destination: str, kind: str,
            payload: dict[str, Any], at: datetime, event_seq: int | None = None) -> bool: ...

    def due(self, now: datetime, limit: int = 50) -> list[OutboxMessage]: ...

    def claim(self, now: datetime, lease: timedelta, limit: int = 50
              ) -> list[OutboxMessage]: ...

    def delivered(self, message_id: int, at: datetime) -> None: ...

    def failed(self, message_id: int, at: datetime, error: str, attempts: int) -> None: ...

    def pending_count(self) -> int: ...


class SubjectDirectory(Protocol):
    """The platform's accounts and posts as far as deciding a case needs them: who they are
    and what protects them."""

    def upsert_account(self, a: Account) -> str: ...

    def upsert_post(self, p: Post) -> str: ...

    def get_account(self, platform: str, account_id: str, with_identifiers: bool = False
                    ) -> Account | None: ...

    def get_post(self, platform: str, post_id: str) -> Post | None: ...

    def protect(self, platform: str, account_id: str, category: str, source: str,
                added_by: str, at: datetime, note: str = "") -> bool: ...

    def protection(self, platform: str, account_id: str) -> str | None: ...


class Deadlines(Protocol):
    """When each open case is due (from its queue's service level)."""

    def save_deadline(self, subject: SubjectRef, queue: str | None,
                      due: datetime | None) -> None: ...

    def deadlines(self, subjects: list[SubjectRef]) -> dict[SubjectRef, datetime | None]: ...


class UnitOfWork(Protocol):
    """One transaction: ``with uow: ...; uow.commit()``; leaving without commit rolls back.

    These are the repositories every case use case needs; the SQL unit of work carries more
    (referrals, reports, data requests, banks, users) that have no in-memory twin yet."""

    events: EventLog
    status: CaseProjection
    outbox: Outbox
    platform: SubjectDirectory
    due_process: Deadlines

    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


#: A factory of units of work: each use case opens its own and owns its commit.
UowFactory = Callable[[], UnitOfWork]


class PlatformAdapter(Protocol):
    """Sends enforcement to the platform; returns normally only when the platform accepted."""

    def send(self, destination: str, idempotency_key: str, payload: dict) -> None: ...


class CheckpointLog(Protocol):
    """Signed checkpoints of the chain, kept outside the database
    (:class:`tarazu.adapters.checkpoints.FileCheckpoints`)."""

    def read(self) -> list[Checkpoint]: ...

    def latest(self) -> Checkpoint | None: ...

    def signature_ok(self, cp: Checkpoint) -> bool: ...

    def signer(self) -> tuple[str, Callable[[bytes], str]]: ...

    def appending(self) -> AbstractContextManager[Callable[[Checkpoint], None]]: ...
