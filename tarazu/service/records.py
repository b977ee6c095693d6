"""The records that cross the service layer's ports: what a repository hands a use case.

They live here, not beside the SQL that fills them, because the service layer owns its ports
and imports no adapter; every adapter (SQL, in memory) builds the same records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tarazu.domain.case import CaseState
from tarazu.domain.chain import format_time
from tarazu.domain.events import SubjectRef
from tarazu.domain.platform import Account, Post
from tarazu.domain.roles import Role


@dataclass(frozen=True)
class OutboxMessage:
    """A push to another system, written with the event that caused it."""

    id: int
    idempotency_key: str
    destination: str
    kind: str
    payload: dict[str, Any]
    attempts: int


def subject_key(payload: dict[str, Any]) -> str | None:
    """The subject a message is about, if it names one: messages with the same key are
    delivered in the order they were written."""
    if payload.get("subject_type") and payload.get("subject_id") is not None:
        return (f"{payload['subject_type']}:{payload.get('platform', '')}:"
                f"{payload['subject_id']}")[:300]
    if payload.get("account_id") is not None:
        return f"account:{payload.get('platform', '')}:{payload['account_id']}"[:300]
    return None


@dataclass(frozen=True)
class MarkedAccount:
    """What scoring reads of an account first: its mark's time if it is marked for scoring
    (to clear that mark and no newer one), the record with its identifiers (None when only
    its posts came, ahead of it), what protects it and — when asked for — its first posts,
    as ``posts_of`` gives them (None when not asked for, or the record is not there)."""

    queued_at: str | None
    account: Account | None
    protection: str | None
    posts: list[Post] | None = None


@dataclass(frozen=True)
class CaseSummary:
    """What the queue shows of a case beside its row: folded from its events when the row is
    written, so a page of the queue reads its rows and nothing of their histories."""

    reports: int
    sources: tuple[str, ...]
    last_event: str
    pending_decision: bool
    appealed: bool

    @classmethod
    def of(cls, state: CaseState) -> CaseSummary:
        return cls(state.reports, tuple(sorted(state.sources)), state.last_kind,
                   state.pending_decision is not None, state.appeal_open is not None)


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
    #: What the case waits for (:func:`tarazu.service.queue_filters.entry_state`); None only on
    #: a closed case not written since the projection began keeping it.
    entry_state: str | None = None
    #: What the queue shows of the case; None only on a closed case not written since the
    #: projection began keeping it.
    summary: CaseSummary | None = None


@dataclass(frozen=True)
class User:
    id: int
    username: str
    roles: frozenset[Role]
    display_name: str = ""
    organisation: str = ""
    active: bool = True

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))


@dataclass(frozen=True)
class SessionRow:
    user: User
    csrf_token: str
    expires_at: str


@dataclass(frozen=True)
class StoredItem:
    request_id: str
    line: int
    account_ref: str
    platform: str
    account_id: str | None
    item: dict[str, Any]
    outcome: str
    reasons: list[str]


@dataclass(frozen=True)
class StoredReport:
    receipt_id: str
    token_hash: str
    platform: str
    target_type: str
    target_ref: str
    subject: SubjectRef
    category: str
    received_at: str
    set_aside: bool
    held: bool
    campaign_id: str | None


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    subject: SubjectRef
    detected_at: str
    first_at: datetime
    last_at: datetime
    reports: int
    reporters: int
    new_reporters: int
    event_id: str

    @property
    def minutes(self) -> int:
        return max(1, round((self.last_at - self.first_at).total_seconds() / 60))

    def describe(self) -> str:
        return (f"possible coordinated campaign: {self.reports} reports from "
                f"{self.new_reporters} new reporters in {self.minutes} minutes")

    def to_json(self) -> dict:
        return {"campaign_id": self.campaign_id, "subject": str(self.subject),
                "detected_at": self.detected_at, "first_at": format_time(self.first_at),
                "last_at": format_time(self.last_at), "reports": self.reports,
                "reporters": self.reporters, "new_reporters": self.new_reporters,
                "minutes": self.minutes, "description": self.describe()}


@dataclass(frozen=True)
class AppealToken:
    subject: SubjectRef
    decision_id: str
    created_at: datetime
    expires_at: datetime
    appeal_id: str | None


@dataclass(frozen=True)
class Deadline:
    subject: SubjectRef
    queue: str | None
    due_at: datetime | None


@dataclass(frozen=True)
class RequestRow:
    request_id: str
    country: str
    agency: str
    instrument_type: str
    path: str
    platform: str
    received_at: str
    submitted_by: str | None
    document_sha256: str
    status: str
    outcome: str
    protected: bool
    targets_named: int
    produced: bool
    nondisclosure_until: str | None
    notice_due_at: str | None
    notice_sent_at: str | None
    followup_deadline: str | None
    provisional: bool
    overdue_flagged: bool
    preserved_until: str | None


@dataclass(frozen=True)
class StoredPackage:
    package_id: str
    request_id: str
    created_at: str
    created_by: str
    sha256: str
    content_sha256: str
    ciphertext: bytes
