"""What the use cases need from the outside, as protocols the service layer owns.

Adapters implement these (:mod:`tarazu.adapters.db.uow` on SQL,
:mod:`tarazu.adapters.memory_uow` in memory); both pass one contract suite
(``tests/integration/storage/test_uow_contract.py``), so a use case written against
:class:`UnitOfWork` behaves the same on either and its tests can run without a database. The
records that cross a port (:class:`QueueRow`, :class:`OutboxMessage`) are defined here for the
same reason: the service layer must not import the adapter that happens to produce them."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from tarazu.datarequests.case import RequestState
from tarazu.domain.case import UNDER_REVIEW, CaseState
from tarazu.domain.checkpoint import Checkpoint
from tarazu.domain.events import ModerationEvent, RecordedEvent, SubjectRef, SubjectType
from tarazu.domain.platform import Account, Post
from tarazu.domain.roles import Role
from tarazu.reports.campaign import Sighting
from tarazu.reports.model import ReporterView
from tarazu.reports.ratelimit import Bucket
from tarazu.service.records import (
    AppealToken,
    Campaign,
    MarkedAccount,
    OutboxMessage,
    QueueRow,
    RequestRow,
    SessionRow,
    StoredItem,
    StoredPackage,
    StoredReport,
    User,
)
from tarazu.signals.banks import Bank, BankEntry
from tarazu.signals.index import BuildCheckpoint


class EventLog(Protocol):
    """The append-only, hash-chained log of moderation events."""

    def append(self, event: ModerationEvent, idempotency_key: str | None = None
               ) -> RecordedEvent: ...

    def for_subject(self, subject: SubjectRef) -> list[ModerationEvent]: ...

    def for_subjects(self, subjects: Sequence[SubjectRef]
                     ) -> dict[SubjectRef, list[ModerationEvent]]: ...

    def get(self, event_id: str) -> RecordedEvent | None: ...

    def iter_all(self, after_seq: int = 0, batch: int = 5000) -> Iterator[RecordedEvent]: ...

    def head(self) -> tuple[int, str]: ...

    def subjects_with_kind(self, kind: str, subject_type: SubjectType | None = None
                           ) -> list[SubjectRef]: ...

    def payloads(self, kind: str) -> Iterator[tuple[RecordedEvent, dict]]: ...


class CaseProjection(Protocol):
    """One row per subject, refreshed with every event on it (queues and counts)."""

    def save(self, state: CaseState, queue: str | None, protected: bool,
             last_seq: int, due_at: datetime | None = None) -> None:
        """``due_at``: when the case is due (None: it has no due date)."""
        ...

    def queue(self, review_states: tuple[str, ...] = UNDER_REVIEW,
              queue: str | None = None, limit: int = 200, offset: int = 0,
              entry_state: str | None = None,
              due_before: datetime | None = None) -> list[QueueRow]:
        """Cases in the queue's order; with ``entry_state``, only the cases waiting for it;
        with ``due_before``, only the cases due before then."""
        ...

    def get(self, subject: SubjectRef) -> QueueRow | None: ...

    def counts(self) -> dict[str, int]: ...

    def queue_counts(self, review_states: tuple[str, ...] = UNDER_REVIEW
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

    def retry_now(self, now: datetime) -> int: ...

    def pending(self, limit: int = 1000) -> list[OutboxMessage]: ...

    def pending_count(self) -> int: ...


class SubjectDirectory(Protocol):
    """The platform's accounts and posts as far as deciding a case needs them: who they are
    and what protects them."""

    def upsert_account(self, a: Account, mark: bool = True) -> str: ...

    def upsert_post(self, p: Post, mark: bool = True) -> str: ...

    def upsert_posts(self, ps: Sequence[Post], mark: bool = True) -> list[str]: ...

    def get_account(self, platform: str, account_id: str, with_identifiers: bool = False
                    ) -> Account | None: ...

    def handles(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]: ...

    def get_post(self, platform: str, post_id: str) -> Post | None: ...

    def protect(self, platform: str, account_id: str, category: str, source: str,
                added_by: str, at: datetime, note: str = "") -> bool: ...

    def protection(self, platform: str, account_id: str) -> str | None: ...


class Deadlines(Protocol):
    """When each open case is due (from its queue's service level)."""

    def save_deadline(self, subject: SubjectRef, queue: str | None,
                      due: datetime | None) -> None: ...

    def deadlines(self, subjects: list[SubjectRef]) -> dict[SubjectRef, datetime | None]: ...


class PostRows(Protocol):
    """Posts as a store read them, decoded into records when asked, in whichever process
    asks: a plain value, so that it can be sent to another process."""

    def decode(self) -> dict[tuple[str, str], list[Post]]:
        """Each (platform, account id) asked for, with its posts in :meth:`Platform.posts_of`
        order."""
        ...


class Platform(SubjectDirectory, Protocol):
    """The repository behind ``uow.platform`` (SQL: :class:`PlatformStore`)."""

    def set_status(self, platform: str, account_id: str, status: str,
                   at: datetime | None = None, reason: str = "") -> None: ...

    def queue_for_scoring(self, platform: str, account_id: str, delay: float = 0.0) -> None: ...

    def queue_many_for_scoring(self, keys: Iterable[tuple[str, str]], delay: float = 0.0
                               ) -> None: ...

    def account_statuses(self, keys: Iterable[tuple[str, str]]
                         ) -> dict[tuple[str, str], str]: ...

    def queued_for_scoring(self, limit: int = 100) -> list[tuple[str, str, str]]: ...

    def account_for_scoring(self, platform: str, account_id: str, posts: int = 0
                            ) -> MarkedAccount | None: ...

    def clear_scoring_mark(self, platform: str, account_id: str, queued_at: str) -> bool: ...

    def clear_scoring_marks(self, keys: list[tuple[str, str]], before: str) -> None: ...

    def scoring_backlog(self) -> int: ...

    def longest_overdue(self) -> float:
        """Seconds since the longest-due scoring mark fell due (0 when none is due)."""
        ...

    def find_account(self, platform: str, ref: str) -> Account | None: ...

    def iter_accounts(self, status: str | None = None, platform: str | None = None,
                      with_identifiers: bool = False) -> Iterator[Account]: ...

    def removed_keys(self) -> set[tuple[str, str]]: ...

    def posts_of(self, platform: str, account_id: str, limit: int = 200) -> list[Post]: ...

    def posts_of_many(self, keys: Sequence[tuple[str, str]], limit: int = 200
                      ) -> dict[tuple[str, str], list[Post]]:
        """:meth:`posts_of` of each (platform, account id) of ``keys``, read together: a
        build of the reference set reads hundreds of thousands of accounts' posts."""
        ...

    def posts_of_many_rows(self, keys: Sequence[tuple[str, str]], limit: int = 200
                           ) -> PostRows:
        """:meth:`posts_of_many`, read but not yet decoded: a build hands the rows to the
        worker process that builds the profiles, which decodes them there (decoding was a
        third of the reading process's time, and that process is the build's bottleneck)."""
        ...

    def count(self) -> dict[str, int]: ...

    def protected_registry(self) -> list[dict[str, Any]]: ...


class DueProcess(Deadlines, Protocol):
    """The repository behind ``uow.due_process`` (SQL: :class:`DueProcessStore`)."""

    def subjects_enforced(self, action: str) -> list[SubjectRef]: ...

    def overdue_counts(self, now: datetime) -> dict[str, int]: ...

    def add_token(self, token: str, subject: SubjectRef, decision_id: str, at: datetime,
                  expires_at: datetime) -> None: ...

    def token(self, token: str) -> AppealToken | None: ...

    def token_used(self, token: str, appeal_id: str) -> None: ...

    def withdraw_reference(self, platform: str, account_id: str, at: datetime,
                           decision_id: str | None, reason: str) -> bool: ...

    def withdrawn_references(self, platform: str | None = None) -> set[tuple[str, str]]: ...

    def watermark(self, name: str) -> int: ...

    def set_watermark(self, name: str, seq: int) -> None: ...


class Users(Protocol):
    """The repository behind ``uow.users`` (SQL: :class:`UserStore`)."""

    def add(self, username: str, password_hash: str, roles: frozenset[Role], at: datetime,
            display_name: str = "", organisation: str = "") -> User: ...

    def by_id(self, user_id: int) -> User | None: ...

    def by_name(self, username: str) -> tuple[User, str] | None: ...

    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...

    def set_active(self, user_id: int, active: bool) -> None: ...

    def end_all_sessions(self, user_id: int, at: datetime) -> tuple[int, int]: ...

    def revoke_tokens(self, user_id: int, at: datetime, name: str | None = None) -> int: ...

    def all(self) -> list[User]: ...

    def add_token(self, user_id: int, name: str, token: str, at: datetime) -> None: ...

    def by_token(self, token: str) -> User | None: ...

    def add_session(self, session_id: str, user_id: int, csrf: str, at: datetime,
                    expires: datetime) -> None: ...

    def session(self, session_id: str, now: datetime) -> SessionRow | None: ...

    def end_session(self, session_id: str) -> None: ...


class Referrals(Protocol):
    """The repository behind ``uow.referrals`` (SQL: :class:`ReferralStore`)."""

    def has_request(self, request_id: str) -> bool: ...

    def add_request(self, *, request_id: str, requester: dict[str, Any], received_at: datetime,
                    document_sha256: str, submitted_by: str | None) -> None: ...

    def add_item(self, *, request_id: str, line: int, account_ref: str, platform: str,
                 account_id: str | None, item: dict[str, Any], outcome: str,
                 reasons: list[str]) -> None: ...

    def set_outcome(self, request_id: str, line: int, outcome: str, reasons: list[str]) -> None: ...

    def items(self, request_id: str) -> list[StoredItem]: ...

    def requests(self, submitted_by: str | None = None) -> list[dict[str, Any]]: ...

    def get_request(self, request_id: str) -> dict[str, Any] | None: ...

    def items_naming(self, platform: str, account_id: str,
                     outcomes: tuple[str, ...] = ("accepted", "escalated")) -> list[StoredItem]: ...

    def outcome_counts(self, request_id: str | None = None) -> dict[str, int]: ...


class PublicReports(Protocol):
    """The repository behind ``uow.reports`` (SQL: :class:`ReportStore`)."""

    def bucket(self, key: str, full: Bucket) -> Bucket:
        """The stored bucket, locked until the transaction ends (a new key starts ``full``)."""
        ...

    def save_bucket(self, key: str, b: Bucket) -> None: ...

    def reporter(self, key: str) -> ReporterView: ...

    def touch_reporter(self, key: str, at: datetime, account_created_at: datetime | None
                       ) -> None: ...

    def set_muted(self, key: str, muted: bool, at: datetime, reason: str) -> None: ...

    def track_record(self, key: str) -> tuple[int, int]: ...

    def add(self, *, receipt_id: str, token_hash: str, platform: str, target_type: str,
            target_ref: str, subject: SubjectRef, category: str, text: str, contact: str,
            reporter_key: str, new_reporter: bool, weight: float, held: bool, set_aside: bool,
            campaign_id: str | None, event_id: str, at: datetime) -> None: ...

    def get(self, receipt_id: str) -> StoredReport | None: ...

    def sightings(self, subject: SubjectRef, since: datetime) -> list[Sighting]: ...

    def counted_weight(self, subject: SubjectRef) -> float: ...

    def counts(self, subject: SubjectRef) -> dict[str, int]: ...

    def add_campaign(self, c: Campaign) -> None: ...

    def update_campaign(self, campaign_id: str, *, last_at: datetime, reports: int,
                        reporters: int, new_reporters: int) -> None: ...

    def campaign_members(self, campaign_id: str) -> set[str]: ...

    def campaign_totals(self, campaign_id: str) -> tuple[int, int, int]: ...

    def mark_campaign(self, subject: SubjectRef, since: datetime, campaign_id: str) -> None: ...

    def campaigns(self, subject: SubjectRef | None = None, limit: int = 200) -> list[Campaign]: ...


class DataRequests(Protocol):
    """The repository behind ``uow.datarequests`` (SQL: :class:`DataRequestStore`)."""

    def document_sha256(self, request_id: str) -> str | None: ...

    def add(self, *, request_id: str, country: str, agency: str, instrument_type: str,
            path: str, platform: str, received_at: datetime, submitted_by: str | None,
            document_sha256: str, document: dict[str, Any]) -> None: ...

    def save_state(self, s: RequestState, last_seq: int) -> None: ...

    def get(self, request_id: str) -> RequestRow | None: ...

    def document(self, request_id: str) -> dict[str, Any] | None: ...

    def list(self, *, statuses: tuple[str, ...] | None = None,
             submitted_by: str | None = None, since: datetime | None = None,
             until: datetime | None = None, limit: int | None = None
             ) -> builtins.list[RequestRow]: ...

    def notices_due(self, now: datetime) -> builtins.list[str]: ...

    def followups_overdue(self, now: datetime) -> builtins.list[str]: ...

    def preservations_expired(self, now: datetime) -> builtins.list[str]: ...

    def add_package(self, *, package_id: str, request_id: str, created_at: datetime,
                    created_by: str, sha256: str, content_sha256: str,
                    ciphertext: bytes) -> None: ...

    def package(self, request_id: str) -> StoredPackage | None: ...

    def package_count(self) -> int: ...

    def add_snapshot(self, *, request_id: str, platform: str, account_id: str,
                     created_at: datetime, sha256: str, ciphertext: bytes) -> None: ...

    def snapshots(self, request_id: str) -> builtins.list[tuple[str, str, str]]: ...

    def drop_snapshots(self, request_id: str) -> int: ...


class HashBanks(Protocol):
    """The repository behind ``uow.hashbanks`` (SQL: :class:`HashBankStore`)."""

    def create_bank(self, name: str, *, by: str, at: datetime, negative: bool = False,
                    thresholds: Mapping[str, int] | None = None, source: str = "manual",
                    designation_id: str | None = None, description: str = "",
                    enabled: bool = True) -> Bank: ...

    def update_bank(self, name: str, *, enabled: bool | None = None,
                    thresholds: Mapping[str, int] | None = None) -> Bank: ...

    def bank(self, name: str) -> Bank | None: ...

    def banks(self) -> list[Bank]: ...

    def entry_counts(self) -> dict[int, int]: ...

    def add_entry(self, bank: Bank, signal_type: str, signal: str, *, by: str, at: datetime,
                  quality: int | None = None, metadata: Mapping[str, Any] | None = None
                  ) -> tuple[int, bool]: ...

    def remove_entry(self, entry_id: int, *, by: str, at: datetime) -> bool: ...

    def entry(self, entry_id: int) -> BankEntry | None: ...

    def entries(self, signal_type: str | None = None, after_id: int = 0,
                bank: Bank | None = None, batch: int = 10_000) -> Iterator[BankEntry]: ...

    def removed_ids(self, signal_type: str) -> set[int]: ...

    def checkpoint(self, signal_type: str) -> BuildCheckpoint: ...

    def add_feedback(self, entry_id: int, verdict: str, *, by: str, at: datetime,
                     event_id: str | None = None, note: str = "") -> int: ...

    def feedback(self, unexported_only: bool = False) -> list[dict[str, Any]]: ...

    def mark_exported(self, feedback_ids: list[int], at: datetime) -> None: ...

    def iter_posts(self, batch: int = 2000) -> Iterator[Post]: ...


class Cipher(Protocol):
    """Encrypts personal data at rest (SQL: :class:`FieldCipher`)."""

    def encrypt_json(self, value: Any) -> bytes | None: ...

    def decrypt_json(self, token: bytes | None) -> Any: ...


class UnitOfWork(Protocol):
    """One transaction: ``with uow: ...; uow.commit()``; leaving without commit rolls back.

    These are the repositories a case use case needs (record, decide, route, queue for the
    platform); both the SQL and the in-memory unit of work provide them."""

    @property
    def events(self) -> EventLog: ...

    @property
    def status(self) -> CaseProjection: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def platform(self) -> SubjectDirectory: ...

    @property
    def due_process(self) -> Deadlines: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class StoreUnitOfWork(UnitOfWork, Protocol):
    """The unit of work with every store: the case repositories and the rest (users,
    referrals, public reports, data requests, hash banks). The SQL and the in-memory unit of
    work both provide all of them (checked statically and at run time by
    ``tests/unit/service/test_memory_uow_shape.py``, their behaviour by the contract suite); a
    use case that needs no more than :class:`UnitOfWork` should still ask for no more."""

    @property
    def platform(self) -> Platform: ...

    @property
    def due_process(self) -> DueProcess: ...

    @property
    def users(self) -> Users: ...

    @property
    def referrals(self) -> Referrals: ...

    @property
    def reports(self) -> PublicReports: ...

    @property
    def datarequests(self) -> DataRequests: ...

    @property
    def hashbanks(self) -> HashBanks: ...

    @property
    def cipher(self) -> Cipher: ...


#: A factory of units of work with every store: each use case opens its own, owns its commit.
UowFactory = Callable[[], StoreUnitOfWork]

#: A factory of units of work for use cases that need only the case repositories (these run
#: on the in-memory unit of work as well).
CaseUowFactory = Callable[[], UnitOfWork]


class DeliveryError(RuntimeError):
    """The platform did not accept a message (refused, unreachable, timed out): the outbox
    keeps it and retries later. Every :class:`PlatformAdapter` raises this, whatever its
    transport."""


class PlatformAdapter(Protocol):
    """Sends enforcement to the platform; returns normally only when the platform accepted,
    raises :class:`DeliveryError` otherwise."""

    def send(self, destination: str, idempotency_key: str, payload: dict) -> None: ...


class CheckpointLog(Protocol):
    """Signed checkpoints of the chain, kept outside the database
    (:class:`tarazu.adapters.checkpoints.FileCheckpoints`)."""

    def read(self) -> list[Checkpoint]: ...

    def latest(self) -> Checkpoint | None: ...

    def signature_ok(self, cp: Checkpoint) -> bool: ...

    def signer(self) -> tuple[str, Callable[[bytes], str]]: ...

    def appending(self) -> AbstractContextManager[Callable[[Checkpoint], None]]: ...
