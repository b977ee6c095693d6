"""The life of a data request as a pure fold of its events, and the rules for each next step.

A request is received and checked, then decided by a legal reviewer, confirmed by a second
person (legal or senior; a senior one if a target is protected), and only then may a
disclosure package be produced — once, for the approved scope. An emergency may be answered
provisionally by one legal reviewer with the minimum, until a deadline by which legal process
must follow. A preservation request keeps a snapshot and discloses nothing.

:meth:`DataRequestCase.authorisation` is the single gate every disclosure passes: it returns
the recorded authorisation or raises :class:`NotAuthorised` saying why not."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import reduce
from typing import Any

from tarazu.datarequests.checks import CheckReport, Outcome, RequestPath
from tarazu.datarequests.model import Category, DataRequest, Period
from tarazu.domain.aggregate import Aggregate
from tarazu.domain.events import (
    EventKind,
    ModerationEvent,
    SubjectRef,
    SubjectType,
    is_automated,
)
from tarazu.domain.payloads import (
    Confirm,
    DataRequestReceived,
    Disclosure,
    LegalDecision,
    Note,
    Preservation,
    RejectDecision,
)
from tarazu.domain.roles import Role


class DataRequestRuleError(ValueError):
    """A step that the rules for data requests do not allow; the message says which."""


class NotAuthorised(DataRequestRuleError):
    """No recorded, approved legal authorisation covers a disclosure."""


def subject_of(request_id: str) -> SubjectRef:
    return SubjectRef(SubjectType.DATA_REQUEST, request_id)


@dataclass(frozen=True)
class Target:
    platform: str
    account_id: str
    ref: str = ""
    protection: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"platform": self.platform, "account_id": self.account_id, "ref": self.ref,
                "protection": self.protection}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Target:
        return cls(d["platform"], d["account_id"], d.get("ref", ""), d.get("protection"))


@dataclass(frozen=True)
class Scope:
    """What may be disclosed: categories of data, for a period, about these targets."""

    categories: tuple[Category, ...]
    period: Period | None
    targets: tuple[Target, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"categories": [c.value for c in self.categories],
                "period": self.period.to_dict() if self.period else None,
                "targets": [t.to_dict() for t in self.targets]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Scope:
        return cls(tuple(Category(c) for c in d.get("categories", ())),
                   Period.from_dict(d["period"]) if d.get("period") else None,
                   tuple(Target.from_dict(t) for t in d.get("targets", ())))

    @property
    def protected(self) -> bool:
        return any(t.protection for t in self.targets)


@dataclass(frozen=True)
class Authorisation:
    """The recorded legal authority for one disclosure (quoted in every DATA_ACCESS event)."""

    request_id: str
    decision_id: str
    approved_by: str
    confirmed_by: str | None  # None only for a provisional emergency answer
    instrument_type: str
    instrument_reference: str
    scope: Scope
    provisional: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "decision_id": self.decision_id,
                "approved_by": self.approved_by, "confirmed_by": self.confirmed_by,
                "instrument_type": self.instrument_type,
                "instrument_reference": self.instrument_reference,
                "provisional": self.provisional}


class RequestStatus(StrEnum):
    """Where a data request stands; the values are those the request projection stores."""
    NONE = "none"  # not received yet
    PENDING_LEGAL = "pending_legal"  # awaits a legal decision
    APPROVED = "approved"  # awaits a second person's confirmation
    AUTHORISED = "authorised"  # confirmed (or a provisional emergency answer): may disclose
    DISCLOSED = "disclosed"
    REFUSED = "refused"
    RETURNED = "returned"  # nothing to act on: the requester can fix it
    PRESERVED = "preserved"
    PRESERVATION_ENDED = "preservation_ended"


class PreservationStep(StrEnum):
    """A step of a preservation, as preservation events carry it."""
    PRESERVED = "preserved"
    EXTENDED = "extended"
    RELEASED = "released"  # ended before its time
    EXPIRED = "expired"  # ended at its time


#: Requests that end without disclosure at intake or by a legal decision.
REFUSED_OR_RETURNED = (RequestStatus.REFUSED, RequestStatus.RETURNED)
#: The legal queue: requests awaiting a decision or a confirmation.
LEGAL_QUEUE = (RequestStatus.PENDING_LEGAL, RequestStatus.APPROVED)


@dataclass(frozen=True)
class RequestState:
    request_id: str
    status: RequestStatus = RequestStatus.NONE
    path: RequestPath | None = None
    outcome: Outcome | None = None
    reasons: tuple[str, ...] = ()
    explanation: tuple[str, ...] = ()
    country: str = ""
    agency: str = ""
    instrument: Mapping[str, Any] | None = None
    submitted_by: str | None = None
    received_at: datetime | None = None
    checked: Scope | None = None  # the most the checks allow
    scope: Scope | None = None  # what legal approved
    targets_named: int = 0
    decision_id: str | None = None
    decided_by: str | None = None
    senior_required: bool = False
    confirmed_by: str | None = None
    refusal: str | None = None
    provisional: bool = False
    followup_deadline: datetime | None = None
    followup_reference: str | None = None
    overdue_flagged: bool = False
    preserved_until: datetime | None = None
    extensions: int = 0
    nondisclosure_until: date | None = None
    nondisclosure_extensions: int = 0
    notice_due_at: datetime | None = None
    notice_sent_at: datetime | None = None
    packages: tuple[str, ...] = ()
    disclosed_at: datetime | None = None
    last_event_at: datetime | None = None

    def overdue(self, now: datetime) -> bool:
        """A provisional emergency answer whose legal process has not followed in time."""
        return bool(self.provisional and self.followup_deadline
                    and now > self.followup_deadline)

    @property
    def produced(self) -> bool:
        return bool(self.packages)


def _t(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


def step(s: RequestState, e: ModerationEvent) -> RequestState:
    p = e.payload
    s = replace(s, last_event_at=e.occurred_at)
    k = e.kind
    if k is EventKind.DATA_REQUEST:
        report = p["checks"]
        outcome = Outcome(report["outcome"])
        status = {Outcome.REFUSED: RequestStatus.REFUSED,
                  Outcome.RETURNED: RequestStatus.RETURNED}.get(outcome,
                                                                RequestStatus.PENDING_LEGAL)
        targets = tuple(Target(t["platform"], t["account_id"], t["ref"], t.get("protection"))
                        for t in report["targets"] if t.get("account_id"))
        nd = report.get("nondisclosure_until")
        return replace(
            s, status=status, path=RequestPath(report["path"]), outcome=outcome,
            reasons=tuple(report["reasons"]), explanation=tuple(report["explanation"]),
            country=p["request"]["country"], agency=p["request"]["agency"],
            instrument=p["request"]["instrument"], submitted_by=p.get("submitted_by"),
            received_at=_t(p.get("received_at")),
            targets_named=len(report["targets"]),
            checked=Scope.from_dict({**report, "targets": [t.to_dict() for t in targets]}),
            nondisclosure_until=date.fromisoformat(nd) if nd else None,
            refusal=("; ".join(report["explanation"]) if status != RequestStatus.PENDING_LEGAL
                     else None))
    if k is EventKind.LEGAL_DECISION:
        what = p["decision"]
        if what == "refuse":
            return replace(s, status=RequestStatus.REFUSED, refusal=p["reason"], decided_by=e.actor,
                           decision_id=e.event_id)
        if what == "approve":
            provisional = bool(p.get("provisional"))
            return replace(
                s, status=RequestStatus.AUTHORISED if provisional else RequestStatus.APPROVED,
                scope=Scope.from_dict(p["scope"]), decision_id=e.event_id, decided_by=e.actor,
                senior_required=bool(p.get("senior_required")), confirmed_by=None,
                provisional=provisional, followup_deadline=_t(p.get("followup_deadline")))
        if what == "follow_up_process":
            return replace(s, provisional=False, followup_reference=p["instrument"]["reference"])
        if what == "extend_nondisclosure":
            until = date.fromisoformat(p["until"])
            due = (datetime.combine(until, time(0, 0), tzinfo=UTC) if s.notice_due_at
                   else None)
            return replace(s, nondisclosure_until=until, notice_due_at=due,
                           nondisclosure_extensions=s.nondisclosure_extensions + 1)
        return s
    if k is EventKind.CONFIRM:
        return replace(s, status=RequestStatus.AUTHORISED, confirmed_by=e.actor)
    if k is EventKind.REJECT_DECISION:
        return replace(s, status=RequestStatus.PENDING_LEGAL, scope=None, decision_id=None,
                       decided_by=None, senior_required=False)
    if k is EventKind.DISCLOSURE:
        return replace(s, status=RequestStatus.DISCLOSED, packages=s.packages + (p["package_id"],),
                       disclosed_at=e.occurred_at)
    if k is EventKind.PRESERVATION:
        what = p["step"]
        if what in (PreservationStep.PRESERVED, PreservationStep.EXTENDED):
            return replace(s, status=RequestStatus.PRESERVED, preserved_until=_t(p["until"]),
                           extensions=s.extensions + (what == PreservationStep.EXTENDED),
                           scope=Scope.from_dict(p["scope"]) if p.get("scope") else s.scope)
        return replace(s, status=RequestStatus.PRESERVATION_ENDED, preserved_until=None)
    if k is EventKind.NOTE:
        what = p.get("step")
        if what == "notice_scheduled":
            return replace(s, notice_due_at=_t(p["due_at"]))
        if what == "notice_queued":
            return replace(s, notice_sent_at=e.occurred_at)
        if what == "emergency_overdue":
            return replace(s, overdue_flagged=True)
    return s


def fold(request_id: str, events: Iterable[ModerationEvent]) -> RequestState:
    return reduce(step, events, RequestState(request_id))


def _within(narrow: Period | None, wide: Period | None) -> bool:
    if narrow is None or wide is None:
        return narrow is None and wide is None
    return wide.start <= narrow.start and narrow.end <= wide.end


class DataRequestCase(Aggregate[RequestState]):
    """The aggregate: a request's history and the rules for what may happen next."""

    def __init__(self, request_id: str, history: Iterable[ModerationEvent] = ()) -> None:
        super().__init__(subject_of(request_id), history, lambda h: fold(request_id, h), step)

    # -- intake ------------------------------------------------------------------------------
    def receive(self, *, at: datetime, request: DataRequest, report: CheckReport,
                submitted_by: str | None, document_sha256: str) -> ModerationEvent:
        if self.state.status != RequestStatus.NONE:
            raise DataRequestRuleError(f"request {request.request_id!r} was already received")
        return self._record(DataRequestReceived(
            request=request.to_dict(), checks=report.to_dict(), submitted_by=submitted_by,
            document_sha256=document_sha256, received_at=request.received_at.isoformat()),
            "system:datarequest-check", at)

    # -- legal decision ----------------------------------------------------------------------
    @staticmethod
    def _person(actor: str, roles: frozenset[Role], *allowed: Role) -> None:
        if is_automated(actor):
            raise DataRequestRuleError("a person must decide on a data request, not the system")
        if not roles & set(allowed):
            names = " or ".join(r.value for r in allowed)
            raise DataRequestRuleError(f"this step needs the role {names}")

    def approve(self, *, actor: str, roles: frozenset[Role], at: datetime, reason: str,
                categories: Iterable[Category] | None = None, period: Period | None = None,
                account_ids: Iterable[str] | None = None,
                followup_days: int = 7, max_targets: int | None = None,
                proportionality: str = "") -> ModerationEvent:
        """Approve within (never beyond) what the checks allow; the reviewer may narrow. More
        than ``max_targets`` accounts (a bulk request) only with a recorded
        ``proportionality`` justification, and then a senior reviewer confirms."""
        self._person(actor, roles, Role.LEGAL)
        s = self.state
        if s.status != RequestStatus.PENDING_LEGAL or s.checked is None:
            raise DataRequestRuleError(f"nothing to approve: the request is {s.status}")
        if s.path is RequestPath.PRESERVATION:
            raise DataRequestRuleError("a preservation request is preserved, not approved for "
                                       "disclosure")
        if not reason.strip():
            raise DataRequestRuleError("an approval needs reasons")
        cats = tuple(categories) if categories is not None else s.checked.categories
        beyond = [c.value for c in cats if c not in s.checked.categories]
        if beyond:
            raise DataRequestRuleError(f"the instrument does not reach {', '.join(beyond)}")
        per = period or s.checked.period
        if not _within(per, s.checked.period):
            raise DataRequestRuleError("the period must lie within the checked period")
        ids = set(account_ids) if account_ids is not None else None
        targets = tuple(t for t in s.checked.targets if ids is None or t.account_id in ids)
        if ids is not None and ids - {t.account_id for t in targets}:
            raise DataRequestRuleError("only targets the checks found may be approved")
        if not cats or not targets:
            raise DataRequestRuleError("an approval names at least one category and one target; "
                                       "refuse the request instead")
        scope = Scope(tuple(c for c in s.checked.categories if c in cats), per, targets)
        bulk = max_targets is not None and len(targets) > max_targets
        if bulk and not proportionality.strip():
            raise DataRequestRuleError(
                f"{len(targets)} accounts is more than {max_targets}: narrow the request, or "
                "record why disclosure about each is necessary and proportionate")
        payload = LegalDecision(decision="approve", reason=reason, scope=scope.to_dict(),
                                senior_required=scope.protected or bulk)
        if bulk:
            payload = replace(payload, proportionality=proportionality.strip())
        if s.path is RequestPath.EMERGENCY:
            if bulk:
                raise DataRequestRuleError("no provisional emergency answer about more than "
                                           f"{max_targets} accounts: narrow it")
            if scope.protected:
                raise DataRequestRuleError("no provisional emergency answer about a protected "
                                           "account: ask for legal process")
            payload = replace(payload, provisional=True, followup_deadline=(
                at + timedelta(days=followup_days)).isoformat())
        return self._record(payload, actor, at)

    def refuse(self, *, actor: str, roles: frozenset[Role], at: datetime, reason: str
               ) -> ModerationEvent:
        self._person(actor, roles, Role.LEGAL)
        if self.state.status not in LEGAL_QUEUE:
            raise DataRequestRuleError(f"the request is {self.state.status}: it cannot be "
                                       "refused now")
        if not reason.strip():
            raise DataRequestRuleError("a refusal needs reasons")
        return self._record(LegalDecision(decision="refuse", reason=reason), actor, at)

    def confirm(self, *, actor: str, roles: frozenset[Role], at: datetime) -> ModerationEvent:
        """The second person of the two-person rule (a senior one for a protected target)."""
        self._person(actor, roles, Role.LEGAL, Role.SENIOR_REVIEWER)
        s = self.state
        if s.status != RequestStatus.APPROVED or s.decision_id is None:
            raise DataRequestRuleError(f"no approval awaits confirmation (the request is "
                                       f"{s.status})")
        if actor == s.decided_by:
            raise DataRequestRuleError("the two-person rule needs a second person, not the "
                                       "approver")
        if s.senior_required and Role.SENIOR_REVIEWER not in roles:
            raise DataRequestRuleError("a protected account is named, or a bulk request was "
                                       "approved: a senior reviewer must confirm")
        return self._record(Confirm(decision_id=s.decision_id), actor, at)

    def reject(self, *, actor: str, roles: frozenset[Role], at: datetime, reason: str
               ) -> ModerationEvent:
        """The second person declines to confirm: the request goes back to legal."""
        self._person(actor, roles, Role.LEGAL, Role.SENIOR_REVIEWER)
        s = self.state
        if s.status != RequestStatus.APPROVED or s.decision_id is None:
            raise DataRequestRuleError("no approval awaits confirmation")
        if actor == s.decided_by:
            raise DataRequestRuleError("the approver cannot review their own approval")
        if not reason.strip():
            raise DataRequestRuleError("declining to confirm needs reasons")
        return self._record(RejectDecision(decision_id=s.decision_id, reason=reason), actor, at)

    def follow_up(self, *, actor: str, roles: frozenset[Role], at: datetime,
                  instrument: Mapping[str, Any], problems: list[str]) -> ModerationEvent:
        """Record the legal process that followed a provisional emergency answer;
        ``problems`` are the checks' findings about that instrument (must be none)."""
        self._person(actor, roles, Role.LEGAL)
        if self.state.path is not RequestPath.EMERGENCY or not self.state.provisional:
            raise DataRequestRuleError("only a provisional emergency answer awaits legal process")
        if problems:
            raise DataRequestRuleError("not valid legal process: " + "; ".join(problems))
        return self._record(LegalDecision(decision="follow_up_process",
                                          instrument=dict(instrument)), actor, at)

    def extend_nondisclosure(self, *, actor: str, roles: frozenset[Role], at: datetime,
                             until: date, reason: str, order: Mapping[str, Any],
                             latest: date) -> ModerationEvent:
        """Legal records a renewed order that keeps the user uninformed past the current end:
        with a reason, the new order's issuer, reference and date (not after today), and an
        end no later than ``latest`` (the cap counted from today)."""
        self._person(actor, roles, Role.LEGAL)
        s = self.state
        if s.nondisclosure_until is None:
            raise DataRequestRuleError("no non-disclosure order applies to this request")
        if s.notice_sent_at is not None:
            raise DataRequestRuleError("the account holders have already been told")
        if not reason.strip():
            raise DataRequestRuleError("extending a non-disclosure order needs a reason")
        missing = [k for k in ("issuer", "reference", "date") if not order.get(k)]
        if missing:
            raise DataRequestRuleError("the renewed order lacks its " + ", ".join(missing))
        if str(order["date"]) > at.date().isoformat():
            raise DataRequestRuleError("the renewed order cannot be dated in the future")
        if until <= s.nondisclosure_until:
            raise DataRequestRuleError(f"the bar already runs until {s.nondisclosure_until}")
        if until > latest:
            raise DataRequestRuleError(f"a non-disclosure order is honoured for at most until "
                                       f"{latest}; the authority must renew it again then")
        return self._record(LegalDecision(
            decision="extend_nondisclosure", until=until.isoformat(),
            previous_until=s.nondisclosure_until.isoformat(), reason=reason,
            order=dict(order)), actor, at)

    # -- the gate ----------------------------------------------------------------------------
    def authorisation(self, now: datetime) -> Authorisation:
        """The recorded authorisation for a disclosure now, or :class:`NotAuthorised`."""
        s = self.state
        if s.path is RequestPath.PRESERVATION:
            raise NotAuthorised("a preservation request discloses nothing")
        if s.status == RequestStatus.DISCLOSED:
            raise NotAuthorised("the disclosure package for this authorisation was already "
                                "produced")
        if s.status != RequestStatus.AUTHORISED or s.scope is None or s.decision_id is None:
            raise NotAuthorised(f"no confirmed legal authorisation: the request is {s.status}")
        if s.provisional:
            if s.path is not RequestPath.EMERGENCY:
                raise NotAuthorised("only an emergency may be answered provisionally")
            if s.overdue(now):
                raise NotAuthorised("the emergency authorisation expired: legal process did "
                                    "not follow by the deadline")
        elif not s.confirmed_by or s.confirmed_by == s.decided_by:
            raise NotAuthorised("the approval has no second person's confirmation")
        ins = s.instrument or {}
        return Authorisation(s.request_id, s.decision_id, s.decided_by or "", s.confirmed_by,
                             str(ins.get("type", "")), str(ins.get("reference", "")), s.scope,
                             s.provisional)

    def disclose(self, *, actor: str, at: datetime, package_id: str, sha256: str,
                 content_sha256: str, fields: Mapping[str, list[str]]) -> ModerationEvent:
        auth = self.authorisation(at)
        return self._record(Disclosure(
            package_id=package_id, sha256=sha256, content_sha256=content_sha256,
            authorisation=auth.to_dict(), scope=auth.scope.to_dict(),
            fields={k: list(v) for k, v in fields.items()}), actor, at)

    # -- preservation ------------------------------------------------------------------------
    def preserve(self, *, actor: str, at: datetime, days: int,
                 roles: frozenset[Role] = frozenset()) -> ModerationEvent:
        s = self.state
        if (s.path is not RequestPath.PRESERVATION or s.status != RequestStatus.PENDING_LEGAL
                or s.checked is None):
            raise DataRequestRuleError(f"nothing to preserve: the request is {s.status}")
        if s.checked.protected and (is_automated(actor) or Role.LEGAL not in roles):
            raise DataRequestRuleError("a protected account is named: legal decides whether to "
                                       "preserve")
        return self._record(Preservation(
            step=PreservationStep.PRESERVED, until=(at + timedelta(days=days)).isoformat(),
            scope=s.checked.to_dict()), actor, at)

    def extend_preservation(self, *, actor: str, roles: frozenset[Role], at: datetime,
                            days: int, max_extensions: int, reason: str) -> ModerationEvent:
        self._person(actor, roles, Role.LEGAL)
        s = self.state
        if s.status != RequestStatus.PRESERVED or s.preserved_until is None:
            raise DataRequestRuleError("nothing is preserved under this request")
        if s.extensions >= max_extensions:
            raise DataRequestRuleError(f"a preservation can be extended {max_extensions} "
                                       "time(s) only: legal process is needed to keep it")
        return self._record(Preservation(
            step=PreservationStep.EXTENDED, reason=reason,
            until=(s.preserved_until + timedelta(days=days)).isoformat()), actor, at)

    def end_preservation(self, *, actor: str, at: datetime, step_name: str) -> ModerationEvent:
        if self.state.status != RequestStatus.PRESERVED:
            raise DataRequestRuleError("nothing is preserved under this request")
        if step_name not in (PreservationStep.RELEASED, PreservationStep.EXPIRED):
            raise DataRequestRuleError("a preservation ends released or expired")
        return self._record(Preservation(step=step_name), actor, at)

    # -- notices and deadlines ---------------------------------------------------------------
    def note(self, *, actor: str, at: datetime, step_name: str, **payload: Any
             ) -> ModerationEvent:
        return self._record(Note(step=step_name, **payload), actor, at)
