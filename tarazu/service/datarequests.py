"""Lawful data requests, end to end: intake and automated checks, the legal queue, approval and
the two-person confirmation, the disclosure package, preservation, user notice, and counts for
the transparency report.

The rule every function here serves: no data leaves without a recorded legal authorisation.
Data is read only inside :func:`_collect`, which is reached only after
``DataRequestCase.authorisation`` (disclosure) or a recorded preservation, and which records a
DATA_ACCESS event on every account it reads, naming the legal authority and the fields."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any

from tarazu.datarequests.case import (
    LEGAL_QUEUE,
    REFUSED_OR_RETURNED,
    DataRequestCase,
    DataRequestRuleError,
    NotAuthorised,
    PreservationStep,
    RequestState,
    RequestStatus,
    Target,
    subject_of,
)
from tarazu.datarequests.checks import (
    CheckPolicy,
    CheckReport,
    Outcome,
    RequestPath,
    TargetInfo,
    check_request,
    instrument_problems,
    nondisclosure_cap,
)
from tarazu.datarequests.intake import received
from tarazu.datarequests.model import (
    Category,
    DataRequest,
    DataRequestFileError,
    InstrumentType,
    Period,
)
from tarazu.datarequests.parse import parse_instrument
from tarazu.domain.events import EventKind, ModerationEvent, RecordedEvent, SubjectRef
from tarazu.domain.roles import Role
from tarazu.domain.text import plain
from tarazu.service import request_ids
from tarazu.service.access_log import log_access
from tarazu.service.clock import Clock
from tarazu.service.ports import StoreUnitOfWork, UowFactory
from tarazu.service.records import RequestRow, StoredPackage
from tarazu.service.transaction import committed, read_only
from tarazu.textfiles import FieldProblem

__all__ = ["DataRequestRuleError", "NotAuthorised", "transparency_counts"]

SYSTEM = "system:datarequests"
NOTICE_KIND = "data_request_notice"
DEFAULT_POLICY = CheckPolicy()

#: Which platform identifiers belong to which category. Anything not listed (device ids,
#: cookies) is never disclosed, whatever the order asks.
IDENTIFIER_CATEGORY: dict[str, Category] = {
    "email": Category.SUBSCRIBER, "phone": Category.SUBSCRIBER, "name": Category.SUBSCRIBER,
    "ip": Category.IP_LOGS, "ip_prefix": Category.IP_LOGS, "ip_address": Category.IP_LOGS,
    "last_ip": Category.IP_LOGS, "location": Category.LOCATION, "geo": Category.LOCATION,
    "country": Category.LOCATION, "city": Category.LOCATION,
}
NEEDS_IDENTIFIERS = frozenset({Category.SUBSCRIBER, Category.IP_LOGS, Category.LOCATION})


class DuplicateRequest(ValueError):
    pass


class UnknownRequest(LookupError):
    pass


@dataclass(frozen=True)
class IntakeResult:
    request_id: str
    report: CheckReport | None
    status: str
    already_imported: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "status": self.status,
                "already_imported": self.already_imported,
                "checks": self.report.to_dict() if self.report else None}


@dataclass(frozen=True)
class PackageResult:
    package_id: str
    sha256: str
    content_sha256: str
    accounts: int
    notices_queued: int
    notice_due_at: datetime | None


# -- loading and saving ----------------------------------------------------------------------
def load(uow: StoreUnitOfWork, request_id: str) -> DataRequestCase:
    if uow.datarequests.get(request_id) is None:
        raise UnknownRequest(f"no data request {request_id!r}")
    return DataRequestCase(request_id, uow.events.for_subject(subject_of(request_id)))


def save(uow: StoreUnitOfWork, case: DataRequestCase) -> list[RecordedEvent]:
    recorded = [uow.events.append(e) for e in case.new_events]
    case.new_events.clear()
    if recorded:
        uow.datarequests.save_state(case.state, recorded[-1].seq)
    return recorded


# -- intake ----------------------------------------------------------------------------------
def resolve_targets(uow: StoreUnitOfWork, refs: Iterable[str], platform: str
                    ) -> list[TargetInfo]:
    out = []
    for ref in refs:
        a = uow.platform.find_account(platform, ref)
        out.append(TargetInfo(ref, platform, a.account_id if a else None,
                              uow.platform.protection(platform, a.account_id) if a else None))
    return out


def import_request(uow_factory: UowFactory, clock: Clock, request: DataRequest,
                   document: bytes, platform: str = "default", submitted_by: str | None = None,
                   policy: CheckPolicy = DEFAULT_POLICY) -> IntakeResult:
    """Store the request as received, check it and queue it for legal (or refuse it).

    The received time is tarazu's clock, not the document's; implausible statements (an
    instrument dated in the future, an absurd non-disclosure end, markup in the agency's name)
    are refused naming the field (:func:`tarazu.datarequests.intake.received`).

    Idempotent per submitter: the same document again returns the stored state; a different
    document under the submitter's used id is refused. Another submitter's id is never seen
    (:mod:`tarazu.service.request_ids`). A valid preservation request about unprotected
    accounts is preserved at once (nothing is disclosed; delay could lose the data)."""
    digest = hashlib.sha256(document).hexdigest()
    if problem := request_ids.reserved_problem(request.request_id, submitted_by):
        raise DataRequestFileError([FieldProblem(None, "request_id", problem)], request.request_id)
    request = received(request, clock.now())
    with uow_factory() as uow:
        own = request.request_id
        key = request_ids.storage_id(own, submitted_by, lambda rid: _owner(uow, rid))
        stored = uow.datarequests.document_sha256(key)
        if stored is not None:
            if stored != digest:
                raise DuplicateRequest(f"request id {own!r} was already used for a different "
                                       "document")
            row = uow.datarequests.get(key)
            assert row is not None
            return IntakeResult(own, None, row.status, already_imported=True)
        report = check_request(request, resolve_targets(uow, request.targets, platform), policy)
        request = replace(request, request_id=key)
        uow.datarequests.add(
            request_id=request.request_id, country=request.country, agency=request.agency,
            instrument_type=request.instrument.type.value, path=report.path.value,
            platform=platform, received_at=request.received_at, submitted_by=submitted_by,
            document_sha256=digest, document=request.to_dict())
        case = DataRequestCase(request.request_id)
        case.receive(at=clock.now(), request=request, report=report,
                     submitted_by=submitted_by, document_sha256=digest)
        if (report.path is RequestPath.PRESERVATION and not report.protected
                and case.state.status == RequestStatus.PENDING_LEGAL):
            _preserve(uow, clock, case, SYSTEM, frozenset(), policy)
        save(uow, case)
        uow.commit()
        return IntakeResult(own, report, case.state.status)


def _owner(uow: StoreUnitOfWork, request_id: str) -> tuple[bool, str | None]:
    row = uow.datarequests.get(request_id)
    return (row is not None, row.submitted_by if row else None)


def find_own(uow: StoreUnitOfWork, request_id: str, submitted_by: str) -> str | None:
    """The stored id of ``submitted_by``'s request ``request_id`` (None: they have none)."""
    return request_ids.find(request_id, submitted_by, lambda rid: _owner(uow, rid))


# -- reading data (only here) ----------------------------------------------------------------
def _in_period(t: datetime, period: Period | None) -> bool:
    return period is None or period.start <= t.date() <= period.end


def authority_text(authority: dict[str, Any]) -> str:
    """The legal authority of a read, as DATA_ACCESS events quote it."""
    parts = [f"data request {authority.get('request_id')}",
             f"{authority.get('instrument_type')} {authority.get('instrument_reference')}"]
    if authority.get("decision_id"):
        parts.append(f"approved by {authority.get('approved_by')}"
                     + (f", confirmed by {authority['confirmed_by']}"
                        if authority.get("confirmed_by") else ", provisional (emergency)"))
    return "; ".join(parts)


def _collect(uow: StoreUnitOfWork, target: Target, categories: tuple[Category, ...],
             period: Period | None, *, actor: str, at: datetime, purpose: str,
             authority: dict[str, Any]) -> dict[str, Any]:
    """The minimum data of ``categories`` about one account, and a DATA_ACCESS event saying
    who read what, why, under which legal authority."""
    cats = set(categories)
    decrypt = bool(cats & NEEDS_IDENTIFIERS)
    account = uow.platform.get_account(target.platform, target.account_id,
                                       with_identifiers=decrypt)
    out: dict[str, Any] = {"platform": target.platform, "account_id": target.account_id}
    fields: list[str] = []
    if account is None:
        out["missing"] = True
    else:
        ids = account.identifiers if decrypt else {}
        if Category.SUBSCRIBER in cats:
            out["subscriber"] = {"handle": account.handle,
                                 "display_name": account.display_name,
                                 "created_at": account.created_at.isoformat(),
                                 "status": account.status}
            fields += ["handle", "display_name", "created_at", "status"]
        for key, value in sorted(ids.items()):
            cat = IDENTIFIER_CATEGORY.get(key)
            if cat in cats:
                out.setdefault(cat.value, {})[key] = value
                fields.append(f"identifiers.{key}")
        if Category.CONTENT in cats:
            posts = [p for p in uow.platform.posts_of(target.platform, target.account_id,
                                                      limit=100_000)
                     if _in_period(p.created_at, period)]
            out["content"] = [{"post_id": p.post_id, "created_at": p.created_at.isoformat(),
                               "text": p.text, "links": list(p.links)} for p in posts]
            fields.append(f"posts[{len(posts)}]")
        if Category.CONTACTS in cats:
            out["contacts"] = {"following": list(account.following),
                               "followers": list(account.followers)}
            fields += ["following", "followers"]
    if decrypt and account is not None:  # decrypting reads every identifier, disclosed or not
        fields += [f"identifiers.{k}" for k in account.identifiers]
    log_access(uow, actor, SubjectRef.account(target.platform, target.account_id),
               fields or ["account"], purpose, authority_text(authority), at=at)
    return out


def _encrypt(uow: StoreUnitOfWork, content: dict[str, Any]) -> tuple[bytes, str, str]:
    """Fernet-encrypt with the app key; return the bytes and the SHA-256 of the ciphertext and
    of the plaintext as :meth:`FieldCipher.decrypt_json` gives it back."""
    ciphertext = uow.cipher.encrypt_json(content)
    assert ciphertext is not None
    plain = json.dumps(content, sort_keys=True).encode()
    return ciphertext, hashlib.sha256(ciphertext).hexdigest(), hashlib.sha256(plain).hexdigest()


# -- the legal decision ----------------------------------------------------------------------
def approve(uow: StoreUnitOfWork, clock: Clock, *, request_id: str, actor: str,
            roles: frozenset[Role], reason: str, categories: Iterable[Category] | None = None,
            period: Period | None = None, account_ids: Iterable[str] | None = None,
            proportionality: str = "", policy: CheckPolicy = DEFAULT_POLICY) -> RequestState:
    """Legal approves within the checked scope (possibly narrower). An emergency answer is
    provisional and produced at once; anything else waits for a second person. More accounts
    than ``policy.max_targets`` need a recorded ``proportionality`` justification."""
    case = load(uow, request_id)
    case.approve(actor=actor, roles=roles, at=clock.now(), reason=reason,
                 categories=categories, period=period, account_ids=account_ids,
                 followup_days=policy.emergency_followup_days,
                 max_targets=policy.max_targets, proportionality=proportionality)
    if case.state.provisional:
        _produce(uow, clock, case, actor)
    save(uow, case)
    return case.state


def refuse(uow: StoreUnitOfWork, clock: Clock, *, request_id: str, actor: str,
           roles: frozenset[Role], reason: str) -> RequestState:
    case = load(uow, request_id)
    case.refuse(actor=actor, roles=roles, at=clock.now(), reason=reason)
    save(uow, case)
    return case.state


def confirm(uow: StoreUnitOfWork, clock: Clock, *, request_id: str, actor: str,
            roles: frozenset[Role]) -> RequestState:
    """The second person confirms; the authorisation takes effect and the package is made."""
    case = load(uow, request_id)
    case.confirm(actor=actor, roles=roles, at=clock.now())
    _produce(uow, clock, case, actor)
    save(uow, case)
    return case.state


def reject(uow: StoreUnitOfWork, clock: Clock, *, request_id: str, actor: str,
           roles: frozenset[Role], reason: str) -> RequestState:
    case = load(uow, request_id)
    case.reject(actor=actor, roles=roles, at=clock.now(), reason=reason)
    save(uow, case)
    return case.state


def follow_up(uow: StoreUnitOfWork, clock: Clock, *, request_id: str, actor: str,
              roles: frozenset[Role], instrument: dict[str, Any],
              policy: CheckPolicy = DEFAULT_POLICY) -> RequestState:
    """Record the legal process that followed a provisional emergency answer."""
    case = load(uow, request_id)
    ins = parse_instrument(instrument)
    problems = [why for _, why in instrument_problems(ins, case.state.country, policy)]
    if ins.type not in (InstrumentType.COURT_ORDER, InstrumentType.WARRANT,
                        InstrumentType.SUBPOENA):
        problems.append(f"a {ins.type.value} is not the legal process an emergency answer needs")
    case.follow_up(actor=actor, roles=roles, at=clock.now(), instrument=ins.to_dict(),
                   problems=problems)
    save(uow, case)
    return case.state


def extend_nondisclosure(uow: StoreUnitOfWork, clock: Clock, *, request_id: str, actor: str,
                         roles: frozenset[Role], until: date, reason: str,
                         order: dict[str, Any], policy: CheckPolicy = DEFAULT_POLICY
                         ) -> RequestState:
    """Legal records a renewed non-disclosure order (issuer, reference, date) and why; the
    bar is extended to ``until``, at most the cap counted from today. Nothing else delays the
    user's notice past the cap."""
    now = clock.now()
    case = load(uow, request_id)
    case.extend_nondisclosure(actor=actor, roles=roles, at=now, until=until, reason=reason,
                              order=order, latest=nondisclosure_cap(now.date(), policy))
    save(uow, case)
    return case.state


# -- disclosure ------------------------------------------------------------------------------
def produce_package(uow: StoreUnitOfWork, clock: Clock, *, request_id: str, actor: str
                    ) -> PackageResult:
    """Produce the disclosure package — only under a recorded authorisation."""
    case = load(uow, request_id)
    result = _produce(uow, clock, case, actor)
    save(uow, case)
    return result


def _produce(uow: StoreUnitOfWork, clock: Clock, case: DataRequestCase, actor: str
             ) -> PackageResult:
    now = clock.now()
    auth = case.authorisation(now)  # raises NotAuthorised before anything is read
    scope = auth.scope
    authority = auth.to_dict()
    accounts = [_collect(uow, t, scope.categories, scope.period, actor=actor, at=now,
                         purpose="disclosure", authority=authority) for t in scope.targets]
    content = {"request_id": auth.request_id, "produced_at": now.isoformat(),
               "authority": authority, "categories": [c.value for c in scope.categories],
               "period": scope.period.to_dict() if scope.period else None,
               "accounts": accounts}
    ciphertext, sha, content_sha = _encrypt(uow, content)
    package_id = uuid.uuid4().hex
    fields = {f"{t.platform}:{t.account_id}": sorted(k for k in a if k not in (
        "platform", "account_id")) for t, a in zip(scope.targets, accounts, strict=True)}
    case.disclose(actor=actor, at=now, package_id=package_id, sha256=sha,
                  content_sha256=content_sha, fields=fields)
    uow.datarequests.add_package(package_id=package_id, request_id=auth.request_id,
                                 created_at=now, created_by=actor, sha256=sha,
                                 content_sha256=content_sha, ciphertext=ciphertext)
    queued, due = _notify_or_schedule(uow, case, now)
    return PackageResult(package_id, sha, content_sha, len(accounts), queued, due)


def read_package(uow: StoreUnitOfWork, clock: Clock, *, request_id: str, actor: str,
                 purpose: str) -> dict[str, Any]:
    """Decrypt a produced package (to hand it over); the read is itself a DATA_ACCESS event."""
    load(uow, request_id)  # raises for an unknown request
    stored = uow.datarequests.package(request_id)
    if stored is None:
        raise NotAuthorised("no disclosure package was produced for this request")
    if hashlib.sha256(stored.ciphertext).hexdigest() != stored.sha256:
        raise ValueError("the stored package does not match its recorded SHA-256")
    content = uow.cipher.decrypt_json(stored.ciphertext)
    log_access(uow, actor, subject_of(request_id), ["package"], purpose,
               authority_text(content["authority"]) + f", package sha256 {stored.sha256}",
               at=clock.now())
    return content


# -- user notice -----------------------------------------------------------------------------
def _notify_or_schedule(uow: StoreUnitOfWork, case: DataRequestCase, now: datetime
                        ) -> tuple[int, datetime | None]:
    """Tell the account holders now, or when the non-disclosure order ends."""
    nd = case.state.nondisclosure_until
    if nd is not None and nd > now.date():
        due = datetime.combine(nd, time(0, 0), tzinfo=UTC)
        case.note(actor=SYSTEM, at=now, step_name="notice_scheduled", due_at=due.isoformat(),
                  nondisclosure_until=nd.isoformat())
        return 0, due
    return _queue_notices(uow, case, now), None


def _queue_notices(uow: StoreUnitOfWork, case: DataRequestCase, now: datetime) -> int:
    s = case.state
    scope = s.scope
    assert scope is not None
    ins = s.instrument or {}
    n = 0
    for t in scope.targets:
        n += uow.outbox.add(
            idempotency_key=f"{NOTICE_KIND}:{s.request_id}:{t.account_id}",
            destination=t.platform, kind=NOTICE_KIND, at=now, payload={
                "type": NOTICE_KIND, "platform": t.platform, "account_id": t.account_id,
                "request_id": s.request_id, "country": s.country,
                # names from the requester, made plain again (intake refuses markup; this
                # covers requests stored before it did)
                "authority": plain(s.agency),
                "instrument": {"type": ins.get("type"), "issuer": plain(ins.get("issuer")),
                               "reference": plain(ins.get("reference"))},
                "categories": [c.value for c in scope.categories],
                "period": scope.period.to_dict() if scope.period else None,
                "disclosed_at": s.disclosed_at.isoformat() if s.disclosed_at else None,
                "delayed_until": (s.nondisclosure_until.isoformat()
                                  if s.nondisclosure_until else None)})
    case.note(actor=SYSTEM, at=now, step_name="notice_queued",
              accounts=[f"{t.platform}:{t.account_id}" for t in scope.targets])
    return n


@dataclass(frozen=True)
class DueReport:
    notices: int
    overdue: int
    preservations_ended: int

    def to_dict(self) -> dict[str, int]:
        return {"notices": self.notices, "overdue_emergencies": self.overdue,
                "preservations_ended": self.preservations_ended}


def run_due(uow_factory: UowFactory, clock: Clock) -> DueReport:
    """The periodic job: notices whose non-disclosure order has ended, emergency answers whose
    legal process is overdue (flagged), and preservations that have run out (data dropped)."""
    notices = overdue = ended = 0
    with uow_factory() as uow:
        now = clock.now()
        for rid in uow.datarequests.notices_due(now):
            case = load(uow, rid)
            notices += _queue_notices(uow, case, now)
            save(uow, case)
            uow.commit()
        for rid in uow.datarequests.followups_overdue(now):
            case = load(uow, rid)
            case.note(actor=SYSTEM, at=now, step_name="emergency_overdue",
                      deadline=case.state.followup_deadline.isoformat()
                      if case.state.followup_deadline else None)
            save(uow, case)
            uow.commit()
            overdue += 1
        for rid in uow.datarequests.preservations_expired(now):
            case = load(uow, rid)
            case.end_preservation(actor=SYSTEM, at=now, step_name=PreservationStep.EXPIRED)
            uow.datarequests.drop_snapshots(rid)
            save(uow, case)
            uow.commit()
            ended += 1
    return DueReport(notices, overdue, ended)


# -- preservation ----------------------------------------------------------------------------
def _preserve(uow: StoreUnitOfWork, clock: Clock, case: DataRequestCase, actor: str,
              roles: frozenset[Role], policy: CheckPolicy) -> None:
    now = clock.now()
    case.preserve(actor=actor, roles=roles, at=now, days=policy.preservation_days)
    s = case.state
    assert s.scope is not None
    ins = s.instrument or {}
    authority = {"request_id": s.request_id, "instrument_type": ins.get("type"),
                 "instrument_reference": ins.get("reference")}
    for t in s.scope.targets:
        snap = _collect(uow, t, s.scope.categories, s.scope.period, actor=actor, at=now,
                        purpose="preservation", authority=authority)
        ciphertext, sha, _ = _encrypt(uow, snap)
        uow.datarequests.add_snapshot(request_id=s.request_id, platform=t.platform,
                                      account_id=t.account_id, created_at=now, sha256=sha,
                                      ciphertext=ciphertext)


def preserve(uow: StoreUnitOfWork, clock: Clock, *, request_id: str, actor: str,
             roles: frozenset[Role], policy: CheckPolicy = DEFAULT_POLICY) -> RequestState:
    """Legal decides to preserve (a preservation request naming a protected account)."""
    case = load(uow, request_id)
    _preserve(uow, clock, case, actor, roles, policy)
    save(uow, case)
    return case.state


def extend_preservation(uow: StoreUnitOfWork, clock: Clock, *, request_id: str, actor: str,
                        roles: frozenset[Role], reason: str,
                        policy: CheckPolicy = DEFAULT_POLICY) -> RequestState:
    case = load(uow, request_id)
    case.extend_preservation(actor=actor, roles=roles, at=clock.now(),
                             days=policy.preservation_days,
                             max_extensions=policy.preservation_extensions, reason=reason)
    save(uow, case)
    return case.state


# -- reading requests ------------------------------------------------------------------------
@dataclass(frozen=True)
class RequestView:
    row: RequestRow
    state: RequestState
    document: dict[str, Any]
    history: tuple[ModerationEvent, ...]
    package: StoredPackage | None
    snapshots: tuple[tuple[str, str, str], ...]

    def to_dict(self, now: datetime) -> dict[str, Any]:
        s = self.state
        checks = next((e.payload["checks"] for e in self.history
                       if e.kind is EventKind.DATA_REQUEST), None)
        return {
            "request_id": s.request_id, "status": s.status,
            "path": s.path.value if s.path else None, "country": s.country,
            "agency": s.agency, "submitted_by": s.submitted_by,
            "received_at": s.received_at.isoformat() if s.received_at else None,
            "instrument": dict(s.instrument or {}), "checks": checks,
            "approved_scope": s.scope.to_dict() if s.scope else None,
            "decided_by": s.decided_by, "confirmed_by": s.confirmed_by,
            "refusal": s.refusal, "provisional": s.provisional,
            "followup_deadline": (s.followup_deadline.isoformat()
                                  if s.followup_deadline else None),
            "overdue": s.overdue(now), "preserved_until": (s.preserved_until.isoformat()
                                                           if s.preserved_until else None),
            "nondisclosure_until": (s.nondisclosure_until.isoformat()
                                    if s.nondisclosure_until else None),
            "notice_due_at": s.notice_due_at.isoformat() if s.notice_due_at else None,
            "notice_sent_at": s.notice_sent_at.isoformat() if s.notice_sent_at else None,
            "package": ({"package_id": self.package.package_id, "sha256": self.package.sha256,
                         "content_sha256": self.package.content_sha256,
                         "created_at": self.package.created_at} if self.package else None),
            "history": [{"kind": e.kind.value, "actor": e.actor,
                         "at": e.occurred_at.isoformat(),
                         "step": e.payload.get("decision") or e.payload.get("step"),
                         "reason": e.payload.get("reason")} for e in self.history],
        }


def view(uow: StoreUnitOfWork, request_id: str) -> RequestView:
    row = uow.datarequests.get(request_id)
    if row is None:
        raise UnknownRequest(f"no data request {request_id!r}")
    case = load(uow, request_id)
    return RequestView(row, case.state, uow.datarequests.document(request_id) or {},
                       tuple(case.history), uow.datarequests.package(request_id),
                       tuple(uow.datarequests.snapshots(request_id)))


def view_for(uow: StoreUnitOfWork, request_id: str, requester: str | None = None
             ) -> RequestView:
    """The request; for a ``requester`` (an authority reading its own) ``request_id`` is
    their own id and only their own request is found."""
    stored = find_own(uow, request_id, requester) if requester is not None else request_id
    if stored is None:
        raise UnknownRequest(request_id)
    return view(uow, stored)


def rows(uow: StoreUnitOfWork, *, statuses: tuple[str, ...] | None = None,
         submitted_by: str | None = None, limit: int | None = None) -> list[RequestRow]:
    """The stored requests, newest first (of those statuses, by that submitter)."""
    return uow.datarequests.list(statuses=statuses, submitted_by=submitted_by, limit=limit)


def queue(uow: StoreUnitOfWork) -> list[RequestRow]:
    """The legal queue: requests awaiting a decision or a confirmation, oldest first."""
    return sorted(uow.datarequests.list(statuses=LEGAL_QUEUE), key=lambda r: r.received_at)


# -- transparency ----------------------------------------------------------------------------
def _counts(rows: list[RequestRow]) -> dict[str, Any]:
    process = [r for r in rows if r.path == RequestPath.DISCLOSURE.value]
    emergency = [r for r in rows if r.path == RequestPath.EMERGENCY.value]
    answerable = process + emergency
    produced = sum(1 for r in answerable if r.produced)
    return {
        "requests": len(rows),
        "legal_process": len(process),
        "emergency": len(emergency),
        "preservation": sum(1 for r in rows if r.path == RequestPath.PRESERVATION.value),
        "accounts_specified": sum(r.targets_named for r in rows),
        "some_data_produced": produced,
        "share_some_data_produced": round(produced / len(answerable), 4) if answerable else None,
        "refused": sum(1 for r in rows if r.status in REFUSED_OR_RETURNED),
        "under_nondisclosure": sum(1 for r in rows if r.nondisclosure_until),
    }


def transparency_counts(uow: StoreUnitOfWork, since: datetime | date,
                        until: datetime | date | None = None) -> dict[str, Any]:
    """User-data request counts for the transparency report, overall and per country:
    requests under legal process vs emergency, accounts specified, the share where some data
    was produced, preservation requests, requests under non-disclosure orders. Counts by the
    time each request was received, in ``[since, until)``."""
    def as_time(d: datetime | date) -> datetime:
        return d if isinstance(d, datetime) else datetime.combine(d, time(0), tzinfo=UTC)

    rows = uow.datarequests.list(since=as_time(since),
                                 until=as_time(until) if until is not None else None)
    countries = sorted({r.country for r in rows})
    return {**_counts(rows),
            "by_country": {c: _counts([r for r in rows if r.country == c]) for c in countries},
            "outcomes": {o.value: sum(1 for r in rows if r.outcome == o.value)
                         for o in Outcome}}



# The legal steps and the package read as the web calls them: each a use case in a unit of
# work of its own that it commits (a refused step keeps nothing).
approve_request = committed(approve)
refuse_request = committed(refuse)
confirm_request = committed(confirm)
reject_request = committed(reject)
follow_up_request = committed(follow_up)
preserve_request = committed(preserve)
extend_request_preservation = committed(extend_preservation)
extend_request_nondisclosure = committed(extend_nondisclosure)
open_package = committed(read_package)

# What the pages and the CLI read, each in a unit of work of its own.
read_view = read_only(view_for)
read_rows = read_only(rows)
read_counts = read_only(transparency_counts)
