"""What a committed in-memory database holds (:class:`MemoryState`): one container a table,
each row an immutable value, so a transaction's copy is a shallow copy of each container and
rolling back is dropping the copy.

A row that would break a key the SQL schema declares unique raises :class:`DuplicateKey`, and
one that names a row its foreign key needs and which is not there :class:`MissingReference`:
each an :class:`sqlalchemy.exc.IntegrityError` like the one the database raises, so that what a
caller does about it (nothing, today: the use cases check first) is the same on both."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from tarazu.domain.chain import event_from_row
from tarazu.domain.events import RecordedEvent, SubjectRef
from tarazu.domain.platform import Account, Post
from tarazu.service.records import OutboxMessage, QueueRow, User

K = TypeVar("K")
V = TypeVar("V")


class DuplicateKey(IntegrityError):
    """A second row with a key the schema declares unique (``what``: table and key)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"duplicate key: {what}", None, Exception(what))


class MissingReference(IntegrityError):
    """A row naming another (``what``: the foreign key and the value) that is not stored."""

    def __init__(self, what: str) -> None:
        super().__init__(f"no such row: {what}", None, Exception(what))


def require(table: dict[K, Any], key: K, what: str) -> None:
    """Raise :class:`MissingReference` unless ``table`` holds ``key`` (a foreign key)."""
    if key not in table:
        raise MissingReference(f"{what} {key!r}")


def insert_new(table: dict[K, V], key: K, row: V, what: str) -> None:
    """Add ``row`` under ``key``, or raise :class:`DuplicateKey` as a unique index would."""
    if key in table:
        raise DuplicateKey(f"{what} {key!r}")
    table[key] = row


def next_id(table: dict[int, Any]) -> int:
    """The next integer key (the highest so far plus one, as SQLite assigns it)."""
    return max(table, default=0) + 1


@dataclass(frozen=True)
class EventRow:
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
class OutboxRow:
    message: OutboxMessage
    next_attempt_at: str
    event_seq: int | None
    delivered_at: str | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class UserRow:
    user: User
    password_hash: str
    created_at: str


@dataclass(frozen=True)
class TokenRow:
    user_id: int
    name: str
    created_at: str
    revoked_at: str | None = None


@dataclass(frozen=True)
class SessionRecord:
    user_id: int
    csrf_token: str
    created_at: str
    expires_at: str


@dataclass
class MemoryState:
    """Everything a committed in-memory database holds, one field a table. Text times are
    kept in :func:`tarazu.domain.chain.format_time`'s form, as the SQL stores keep them, so
    comparisons and orderings agree with the database's."""

    events: list[EventRow] = field(default_factory=list)
    status: dict[SubjectRef, tuple[QueueRow, int]] = field(default_factory=dict)
    status_due: dict[SubjectRef, datetime | None] = field(default_factory=dict)
    outbox: dict[int, OutboxRow] = field(default_factory=dict)
    # the platform's records; ``restated``: accounts whose status tarazu set since the
    # platform last sent them (the SQL store's record_hash "changed")
    accounts: dict[tuple[str, str], Account] = field(default_factory=dict)
    restated: dict[tuple[str, str], bool] = field(default_factory=dict)
    posts: dict[tuple[str, str], Post] = field(default_factory=dict)
    protected: dict[tuple[str, str], tuple[tuple[str, Any], ...]] = field(default_factory=dict)
    scoring: dict[tuple[str, str], str] = field(default_factory=dict)
    scoring_due: dict[tuple[str, str], str] = field(default_factory=dict)
    # due process
    deadlines: dict[SubjectRef, datetime | None] = field(default_factory=dict)
    appeal_tokens: dict[str, tuple[SubjectRef, str, str, str, str | None]] = field(
        default_factory=dict)
    withdrawn: dict[tuple[str, str], tuple[str, str | None, str]] = field(default_factory=dict)
    watermarks: dict[str, int] = field(default_factory=dict)
    # users
    users: dict[int, UserRow] = field(default_factory=dict)
    api_tokens: dict[str, TokenRow] = field(default_factory=dict)  # by token hash
    web_sessions: dict[str, SessionRecord] = field(default_factory=dict)  # by id hash
    # referrals
    referral_requests: dict[str, tuple[tuple[str, Any], ...]] = field(default_factory=dict)
    referral_items: dict[tuple[str, int], tuple[tuple[str, Any], ...]] = field(
        default_factory=dict)
    # public reports
    rate_buckets: dict[str, tuple[float, str]] = field(default_factory=dict)
    reporters: dict[str, tuple[tuple[str, Any], ...]] = field(default_factory=dict)
    public_reports: dict[str, tuple[tuple[str, Any], ...]] = field(default_factory=dict)
    campaigns: dict[str, tuple[tuple[str, Any], ...]] = field(default_factory=dict)
    # data requests
    data_requests: dict[str, tuple[tuple[str, Any], ...]] = field(default_factory=dict)
    data_packages: dict[str, tuple[tuple[str, Any], ...]] = field(default_factory=dict)
    data_preservations: dict[tuple[str, str, str], tuple[str, str, bytes]] = field(
        default_factory=dict)
    # hash banks
    hash_banks: dict[int, tuple[tuple[str, Any], ...]] = field(default_factory=dict)
    hash_entries: dict[int, tuple[tuple[str, Any], ...]] = field(default_factory=dict)
    hash_feedback: dict[int, tuple[tuple[str, Any], ...]] = field(default_factory=dict)

    def copy(self) -> MemoryState:
        return MemoryState(**{f.name: type(v)(v) for f in fields(self)
                              if (v := getattr(self, f.name)) is not None})


def frozen(**columns: Any) -> tuple[tuple[str, Any], ...]:
    """A row as an immutable value: its columns in order (read back with ``dict(row)``)."""
    return tuple(columns.items())


def updated(row: tuple[tuple[str, Any], ...], **columns: Any) -> tuple[tuple[str, Any], ...]:
    """``row`` with some columns set (an UPDATE of one row)."""
    return frozen(**{**dict(row), **columns})
