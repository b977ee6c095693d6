"""Moderation as an append-only log of events on subjects (after Bluesky Ozone).

Every act of the system — a report, a referral check, a decision, a confirmation, a notice, an
appeal, a reversal, an access to personal data — is one :class:`ModerationEvent` on one
:class:`SubjectRef`. Nothing else is written as moderation state: case state, queues and counts
are folds over this log, and the log is hash-chained (see :mod:`tarazu.domain.chain`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, ClassVar, Protocol, runtime_checkable


class SubjectType(StrEnum):
    ACCOUNT = "account"
    POST = "post"
    REFERRAL = "referral"
    DATA_REQUEST = "data_request"
    SYSTEM = "system"


@dataclass(frozen=True, order=True)
class SubjectRef:
    """A typed reference to what an event is about; ids are ``platform:native_id``."""

    type: SubjectType
    id: str

    @classmethod
    def account(cls, platform: str, account_id: str) -> SubjectRef:
        return cls(SubjectType.ACCOUNT, f"{platform}:{account_id}")

    @classmethod
    def post(cls, platform: str, post_id: str) -> SubjectRef:
        return cls(SubjectType.POST, f"{platform}:{post_id}")

    @property
    def platform(self) -> str:
        return self.id.split(":", 1)[0]

    @property
    def native_id(self) -> str:
        return self.id.split(":", 1)[1] if ":" in self.id else self.id

    def __str__(self) -> str:
        return f"{self.type.value}/{self.id}"


class EventKind(StrEnum):
    REPORT = "report"  # a referral item, a trusted flag or a public report names the subject
    REFERRAL_CHECKED = "referral_checked"  # the outcome of checking one referral item
    MIRROR_FLAG = "mirror_flag"  # mirror detection links the subject to a removed account
    ASSIGN = "assign"
    COMMENT = "comment"
    ESCALATE = "escalate"
    DECISION = "decision"  # a reviewer's (or an automated) decision with policy and reasons
    CONFIRM = "confirm"  # second reviewer's confirmation under the two-person rule
    REJECT_DECISION = "reject_decision"  # second reviewer refuses to confirm
    WITHDRAW_DECISION = "withdraw_decision"  # a proposal awaiting confirmation taken back
    ACTION_DELIVERED = "action_delivered"  # the platform acknowledged the enforcement
    NOTICE = "notice"  # statement of reasons sent to the user
    APPEAL = "appeal"
    APPEAL_DECISION = "appeal_decision"
    REVERSAL = "reversal"
    EXPIRY = "expiry"  # a timed action ended by itself
    MUTE_REPORTER = "mute_reporter"
    DATA_ACCESS = "data_access"  # any read of personal data, with its legal authority
    NOTE = "note"  # free system notes (imports, anchors)
    DATA_REQUEST = "data_request"  # a request for account-holder data received and checked
    LEGAL_DECISION = "legal_decision"  # legal approves (with a scope) or refuses a data request
    DISCLOSURE = "disclosure"  # a disclosure package produced under a confirmed authorisation
    PRESERVATION = "preservation"  # data preserved, extended or released; nothing disclosed
    ACCESS_CHANGE = "access_change"  # a user added, (dis)enabled, given roles, a password, a
    # token (issued or revoked), or locked out after failed logins: who may do what
    SETTING_CHANGE = "setting_change"  # how the system decides changed (e.g. a bank threshold)


#: Actors that are parts of tarazu rather than people carry this prefix (``system:appeals``).
SYSTEM_ACTOR_PREFIX = "system:"


def is_automated(actor: str) -> bool:
    """Whether an act was done by tarazu itself, not by a person. The one place this is
    decided: statements of reasons, the no-automatic-action rules and training labels all
    depend on it, and must never disagree."""
    return actor.startswith(SYSTEM_ACTOR_PREFIX)


class ReversalCause(StrEnum):
    """Why a decision was reversed outside an appeal of its own subject — a machine field,
    so that code can tell reversals apart without reading the human wording of the reason."""

    #: it rested on another decision that an appeal reversed (a mirror flagged against an
    #: account that was reinstated); such a decision is no verdict on the mirror
    RELIED_ON_REVERSED = "relied_on_reversed_decision"


#: The reason text that reliance reversals carried before :class:`ReversalCause` existed;
#: events in the chain are never rewritten, so it is still read on events without a cause.
LEGACY_RELIANCE_REASON = "relied on a reversed decision"


def reversal_cause(payload: Mapping[str, Any]) -> ReversalCause | None:
    """The cause recorded on a reversal event's payload (older events: from their reason)."""
    cause = payload.get("cause")
    if cause is not None:
        return ReversalCause(cause)
    if payload.get("reason") == LEGACY_RELIANCE_REASON:
        return ReversalCause.RELIED_ON_REVERSED
    return None


@runtime_checkable
class TypedPayload(Protocol):
    """A payload type of :mod:`tarazu.domain.payloads` (declared here, where events are made,
    so that this module need not import that one)."""

    KIND: ClassVar[EventKind]

    def to_payload(self) -> dict[str, Any]: ...


def _freeze(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(payload))


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ModerationEvent:
    """One thing that happened to one subject. ``actor`` is a user name or ``system:<part>``.

    A new event is made from its kind's payload type (:mod:`tarazu.domain.payloads`, with
    :meth:`of`), which checks its fields; ``payload`` holds that type's JSON. An event read
    back from the log is rebuilt from the stored JSON as it is: the log is never rewritten."""

    kind: EventKind
    subject: SubjectRef
    actor: str
    occurred_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must carry a time zone")
        if isinstance(self.payload, TypedPayload):
            raise TypeError("make an event from a typed payload with ModerationEvent.of")
        object.__setattr__(self, "payload", _freeze(self.payload))

    @classmethod
    def of(cls, subject: SubjectRef, actor: str, occurred_at: datetime,
           payload: TypedPayload) -> ModerationEvent:
        """A new event; its kind is its payload's."""
        return cls(payload.KIND, subject, actor, occurred_at, payload.to_payload())

    @property
    def automated(self) -> bool:
        return is_automated(self.actor)


@dataclass(frozen=True)
class RecordedEvent:
    """An event as stored: its place in the log and its link in the hash chain."""

    seq: int
    event: ModerationEvent
    prev_hash: str
    hash: str
