"""One frozen payload type per event kind.

An event's payload is stored as JSON and hashed into the chain, so its shape is part of the
record: a misspelt field written once stays in the log for ever, and a fold that reads the right
spelling silently misses it. Every kind therefore has one type here (:data:`PAYLOAD_TYPES`),
and events are built from these types, so a wrong or missing field fails when the event is made,
not when someone later reads it.

``to_payload()`` gives exactly the JSON that is stored and hashed, and ``from_payload()``
accepts exactly that JSON: a field that an act did not write is :data:`ABSENT` (left out),
which is not the same as one written as ``null``. Events already in the log are never rewritten;
they re-serialise byte for byte through these types (a test folds a stored log to prove it).

Kinds whose acts vary (a note, a setting change, an access change) have one type with the
union of the fields their acts write, all but the discriminating one optional."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar, Final, Self

from tarazu.domain.events import EventKind, ModerationEvent


class PayloadError(ValueError):
    """A payload does not have the fields its event kind has; the message names them."""


class Absent:
    """Marks a field an act did not write: it is left out of the JSON (``None`` is written)."""

    _instance: ClassVar[Absent | None] = None

    def __new__(cls) -> Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = Absent()

#: Every event kind's payload type.
PAYLOAD_TYPES: dict[EventKind, type[EventPayload]] = {}


@dataclass(frozen=True, kw_only=True)
class EventPayload:
    """Base of the payload types; a subclass names its kind: ``class X(EventPayload,
    kind=EventKind.X)``."""

    KIND: ClassVar[EventKind]

    def __init_subclass__(cls, *, kind: EventKind, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if kind in PAYLOAD_TYPES:
            raise TypeError(f"{kind.value} already has the payload type "
                            f"{PAYLOAD_TYPES[kind].__name__}")
        cls.KIND = kind
        PAYLOAD_TYPES[kind] = cls

    def to_payload(self) -> dict[str, Any]:
        """The JSON object stored and hashed for this payload (absent fields left out)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not ABSENT:
                out[f.name] = value
        return out

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        """Read a stored payload; an unknown or a missing field is a :class:`PayloadError`."""
        known = {f.name: f for f in fields(cls)}
        what = f"a {cls.KIND.value} event"
        unknown = sorted(set(payload) - set(known))
        if unknown:
            raise PayloadError(f"{what} has no field {_names(unknown)} "
                               f"(its fields: {', '.join(sorted(known))})")
        missing = [n for n, f in known.items() if n not in payload
                   and f.default is MISSING and f.default_factory is MISSING]
        if missing:
            raise PayloadError(f"{what} needs the field {_names(missing)}")
        return cls(**payload)


def _names(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)


def payload_type(kind: EventKind) -> type[EventPayload]:
    return PAYLOAD_TYPES[kind]


def as_payload(kind: EventKind, payload: EventPayload | Mapping[str, Any] | None
               ) -> EventPayload:
    """``payload`` as the type of ``kind``: a mapping is checked field by field, a typed
    payload must be of that kind."""
    if isinstance(payload, EventPayload):
        if payload.KIND is not kind:
            raise PayloadError(f"a {type(payload).__name__} payload belongs to a "
                               f"{payload.KIND.value} event, not a {kind.value} event")
        return payload
    return payload_type(kind).from_payload(payload or {})


def typed(event: ModerationEvent) -> EventPayload:
    """A stored event's payload as its type (raises :class:`PayloadError` on a bad shape)."""
    return payload_type(event.kind).from_payload(event.payload)


# -- field groups that more than one kind writes ---------------------------------------------------
# Plain dataclasses, not payload types: a kind takes a group as a base, so the fields and their
# meaning are written once. Fields are stored as sorted JSON, so where a group's fields stand
# among a kind's own changes nothing that is stored or hashed.

@dataclass(frozen=True, kw_only=True)
class HashMatchFields:
    """A hash match: which detector matched which bank entry, and how closely. On the report a
    match files, and on the note that records a match set aside."""

    detector: str | Absent = ABSENT
    bank: str | Absent = ABSENT
    bank_id: int | Absent = ABSENT
    signal_type: str | Absent = ABSENT
    distance: int | Absent = ABSENT
    entry_id: int | Absent = ABSENT
    matched_signal: str | Absent = ABSENT
    designation_id: str | None | Absent = ABSENT


@dataclass(frozen=True, kw_only=True)
class ModelFitFields:
    """A mirror model and what it was fitted on: on the note of a training run and on the
    setting change that puts a model in use."""

    model: str | Absent = ABSENT
    labels: int | Absent = ABSENT
    mirrors: int | Absent = ABSENT
    dev_labels: int | Absent = ABSENT
    fit_ece: float | None | Absent = ABSENT
    dev_ece: float | None | Absent = ABSENT


# -- reports and detection ---------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Report(HashMatchFields, EventPayload, kind=EventKind.REPORT):
    """Something names the subject: a referral item, a public report or a hash match."""

    source: str  # government | public | automated | ...
    reporter: str | Absent = ABSENT
    priority: int | Absent = ABSENT
    # a referral item
    referral_id: str | Absent = ABSENT
    requester_name: str | Absent = ABSENT
    designation: str | None | Absent = ABSENT
    legal_basis: str | Absent = ABSENT
    instrument: str | None | Absent = ABSENT
    nondisclosure: bool | Absent = ABSENT  # a legal bar on naming the requester
    nondisclosure_until: str | None | Absent = ABSENT
    # a public report
    category: str | Absent = ABSENT
    receipt_id: str | Absent = ABSENT
    policy_hint: str | Absent = ABSENT
    new_reporter: bool | Absent = ABSENT
    weight: float | Absent = ABSENT
    held: bool | Absent = ABSENT
    set_aside: bool | Absent = ABSENT
    set_aside_reason: str | Absent = ABSENT
    campaign_id: str | Absent = ABSENT
    protected_target: bool | Absent = ABSENT
    # routing: the policy a report cites and the language of the reported content
    policy: str | Absent = ABSENT
    lang: str | Absent = ABSENT
    # a hash match: HashMatchFields


@dataclass(frozen=True, kw_only=True)
class ReferralChecked(EventPayload, kind=EventKind.REFERRAL_CHECKED):
    referral_id: str
    outcome: str
    reasons: list[str]
    designation: str | None
    legal_basis: str
    instrument: str | None
    duplicate_of: str | None
    explanation: list[str]
    source: str
    country: str | None
    agency: str | None


@dataclass(frozen=True, kw_only=True)
class MirrorFlag(EventPayload, kind=EventKind.MIRROR_FLAG):
    """Mirror detection links the subject to a removed account; the rest is what a reviewer
    and the waterfall read (signal names, levels and weights, never the compared values)."""

    removed_account: str
    probability: float
    total: float | Absent = ABSENT
    prior_weight: float | Absent = ABSENT
    signals: list[dict[str, Any]] | Absent = ABSENT
    missing: list[str] | Absent = ABSENT
    model: str | Absent = ABSENT
    thresholds: dict[str, float] | Absent = ABSENT
    strong_signals: int | Absent = ABSENT
    strong_families: list[str] | Absent = ABSENT
    rank: int | Absent = ABSENT
    policy: str | Absent = ABSENT
    policy_reasons: list[str] | Absent = ABSENT
    detector: str | Absent = ABSENT


# -- review --------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Assign(EventPayload, kind=EventKind.ASSIGN):
    assignee: str | None  # None: given back


@dataclass(frozen=True, kw_only=True)
class Comment(EventPayload, kind=EventKind.COMMENT):
    text: str


@dataclass(frozen=True, kw_only=True)
class Escalate(EventPayload, kind=EventKind.ESCALATE):
    reason: str | Absent = ABSENT  # a reviewer's words
    reasons: list[str] | Absent = ABSENT  # the referral checks' findings


@dataclass(frozen=True, kw_only=True)
class Decision(EventPayload, kind=EventKind.DECISION):
    action: str
    policy: str
    reason: str
    needs_confirmation: bool
    protected: bool
    statement: dict[str, Any] | Absent = ABSENT
    evidence: list[str] | Absent = ABSENT
    until: str | Absent = ABSENT
    country: str | Absent = ABSENT
    designation: str | Absent = ABSENT
    modifies: str | Absent = ABSENT  # the decision an appeal modified
    relied_on: str | list[str] | Absent = ABSENT  # the removed account(s) it rests on


@dataclass(frozen=True, kw_only=True)
class Confirm(EventPayload, kind=EventKind.CONFIRM):
    decision_id: str


@dataclass(frozen=True, kw_only=True)
class RejectDecision(EventPayload, kind=EventKind.REJECT_DECISION):
    decision_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class WithdrawDecision(EventPayload, kind=EventKind.WITHDRAW_DECISION):
    decision_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ActionDelivered(EventPayload, kind=EventKind.ACTION_DELIVERED):
    decision_id: str | None
    kind: str  # the outbox message kind
    action: str | None
    delivery: str  # the message's idempotency key


@dataclass(frozen=True, kw_only=True)
class Notice(EventPayload, kind=EventKind.NOTICE):
    decision_id: str
    notice: str  # decision | outcome:<outcome>
    puid: str
    languages: list[str]
    sha256: dict[str, str]  # per language, of what was sent
    appeal_until: str | Absent = ABSENT
    statement_of_reasons: dict[str, Any] | Absent = ABSENT
    outcome: str | Absent = ABSENT


@dataclass(frozen=True, kw_only=True)
class Appeal(EventPayload, kind=EventKind.APPEAL):
    decision_id: str
    statement: str


@dataclass(frozen=True, kw_only=True)
class AppealDecision(EventPayload, kind=EventKind.APPEAL_DECISION):
    appeal_id: str | None
    decision_id: str | None
    outcome: str  # upheld | reversed | modified
    reason: str


@dataclass(frozen=True, kw_only=True)
class Reversal(EventPayload, kind=EventKind.REVERSAL):
    """``cause`` is absent only on events written before it existed (see
    :func:`tarazu.domain.events.reversal_cause`)."""

    decision_id: str
    reason: str
    cause: str | Absent = ABSENT
    reopen: bool | Absent = ABSENT
    was: str | Absent = ABSENT
    relied_on: str | Absent = ABSENT
    reversed_decision: str | Absent = ABSENT
    withdrawn_candidate: str | Absent = ABSENT


@dataclass(frozen=True, kw_only=True)
class Expiry(EventPayload, kind=EventKind.EXPIRY):
    decision_id: str
    until: str


@dataclass(frozen=True, kw_only=True)
class MuteReporter(EventPayload, kind=EventKind.MUTE_REPORTER):
    reporter: str
    muted: bool
    reason: str


@dataclass(frozen=True, kw_only=True)
class DataAccess(EventPayload, kind=EventKind.DATA_ACCESS):
    fields: list[str]
    purpose: str
    authority: str


@dataclass(frozen=True, kw_only=True)
class Note(HashMatchFields, ModelFitFields, EventPayload, kind=EventKind.NOTE):
    """A system note; which act wrote it shows in the fields it has (a suppressed hash match:
    :class:`HashMatchFields`; a trained mirror model: :class:`ModelFitFields`)."""

    reason: str | Absent = ABSENT
    decision_id: str | None | Absent = ABSENT
    source: str | Absent = ABSENT
    # an automatic action withheld (detector: HashMatchFields), a suppressed hash match
    auto_action: str | Absent = ABSENT
    removed_account: str | Absent = ABSENT
    probability: float | Absent = ABSENT
    reporter: str | Absent = ABSENT
    suppressed: bool | Absent = ABSENT
    negative_bank: str | Absent = ABSENT
    negative_entry_id: int | Absent = ABSENT
    # an account withdrawn from the mirror reference set
    reference: str | Absent = ABSENT
    # an account protected
    protected: str | Absent = ABSENT
    note: str | Absent = ABSENT
    # a coordinated campaign of reports
    flag: str | Absent = ABSENT
    campaign_id: str | Absent = ABSENT
    reports: int | Absent = ABSENT
    reporters: int | Absent = ABSENT
    new_reporters: int | Absent = ABSENT
    minutes: float | Absent = ABSENT
    description: str | Absent = ABSENT
    effect: str | Absent = ABSENT
    # a step of a data request (notices, deadlines)
    step: str | Absent = ABSENT
    due_at: str | Absent = ABSENT
    nondisclosure_until: str | Absent = ABSENT
    accounts: list[str] | Absent = ABSENT
    deadline: str | None | Absent = ABSENT


# -- data requests -------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class DataRequestReceived(EventPayload, kind=EventKind.DATA_REQUEST):
    request: dict[str, Any]
    checks: dict[str, Any]
    submitted_by: str | None
    document_sha256: str
    received_at: str


@dataclass(frozen=True, kw_only=True)
class LegalDecision(EventPayload, kind=EventKind.LEGAL_DECISION):
    decision: str  # approve | refuse | follow_up_process | extend_nondisclosure
    reason: str | Absent = ABSENT
    scope: dict[str, Any] | Absent = ABSENT
    senior_required: bool | Absent = ABSENT
    proportionality: str | Absent = ABSENT
    provisional: bool | Absent = ABSENT
    followup_deadline: str | Absent = ABSENT
    instrument: dict[str, Any] | Absent = ABSENT
    until: str | Absent = ABSENT
    previous_until: str | Absent = ABSENT
    order: dict[str, Any] | Absent = ABSENT


@dataclass(frozen=True, kw_only=True)
class Disclosure(EventPayload, kind=EventKind.DISCLOSURE):
    package_id: str
    sha256: str
    content_sha256: str
    authorisation: dict[str, Any]
    scope: dict[str, Any]
    fields: dict[str, list[str]]


@dataclass(frozen=True, kw_only=True)
class Preservation(EventPayload, kind=EventKind.PRESERVATION):
    step: str  # preserved | extended | released | expired
    until: str | Absent = ABSENT
    scope: dict[str, Any] | Absent = ABSENT
    reason: str | Absent = ABSENT


# -- who may do what, and how the system decides -------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class AccessChange(EventPayload, kind=EventKind.ACCESS_CHANGE):
    change: str  # user_added | user_updated | password_reset | token_issued | login_locked ...
    roles: list[str] | Absent = ABSENT
    roles_before: list[str] | Absent = ABSENT
    organisation: str | Absent = ABSENT
    active_before: bool | Absent = ABSENT
    password_reset: bool | Absent = ABSENT
    sessions_ended: int | Absent = ABSENT
    tokens_revoked: int | Absent = ABSENT
    token_name: str | None | Absent = ABSENT
    revoked: int | Absent = ABSENT
    scope: str | Absent = ABSENT  # a lockout: of a user, an address or both
    seconds: int | Absent = ABSENT


@dataclass(frozen=True, kw_only=True)
class SettingChange(ModelFitFields, EventPayload, kind=EventKind.SETTING_CHANGE):
    """How the system decides changed: a hash bank's settings or entries, or the mirror model
    in use (with its thresholds, and what it was fitted on: :class:`ModelFitFields`)."""

    change: str
    # a hash bank: its settings after the change, and what changed
    bank: str | Absent = ABSENT
    enabled: bool | Absent = ABSENT
    negative: bool | Absent = ABSENT
    thresholds: dict[str, Any] | Absent = ABSENT
    source: str | None | Absent = ABSENT
    enabled_before: bool | Absent = ABSENT
    thresholds_before: dict[str, Any] | Absent = ABSENT
    entry_id: int | Absent = ABSENT
    signal_type: str | Absent = ABSENT
    signal: str | Absent = ABSENT
    quality: int | None | Absent = ABSENT
    added: int | Absent = ABSENT
    first_entry_id: int | Absent = ABSENT
    last_entry_id: int | Absent = ABSENT
    sha256: str | Absent = ABSENT
    # the mirror model in use (thresholds: its review and auto-action thresholds) and the one
    # it replaced
    fingerprint: str | Absent = ABSENT
    model_before: str | Absent = ABSENT
    fingerprint_before: str | Absent = ABSENT
    #: a model fitted without labels: what it was fitted on
    fitted_on: str | Absent = ABSENT
