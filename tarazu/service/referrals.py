"""Importing a referral request: store it as received, check every item against the platform's
data, and turn the items that pass into reports on the accounts they name (which opens or
updates their cases). Also: the status of each item, and the response document."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from tarazu.domain.case import UNDER_REVIEW, ReviewState
from tarazu.domain.events import EventKind, SubjectRef, SubjectType
from tarazu.domain.payloads import Escalate, ReferralChecked, Report
from tarazu.domain.platform import Account, Post
from tarazu.domain.text import name_problem
from tarazu.referrals.checks import CheckContext, DesignationLookup, cached, check_request
from tarazu.referrals.evidence import EvidenceRef, RefKind, Verdict, shape_only
from tarazu.referrals.model import CheckResult, Outcome, Reason, ReferralRequest
from tarazu.referrals.parse import ReferralFileError
from tarazu.referrals.response import response_document, response_item
from tarazu.service import cases, request_ids
from tarazu.service.clock import Clock
from tarazu.service.ports import StoreUnitOfWork, UowFactory
from tarazu.service.transaction import read_only
from tarazu.textfiles import FieldProblem

ACTOR = "system:referral-check"
#: How many of an account's posts the evidence check reads (newest first is not needed:
#: a referral names posts, and an account with more posts than this is checked on these).
POSTS_READ = 5000


class DuplicateRequest(ValueError):
    pass


@dataclass(frozen=True)
class ImportResult:
    request_id: str  # as the submitter named it
    results: tuple[CheckResult, ...]
    errors: tuple[FieldProblem, ...]
    already_imported: bool = False
    stored_id: str = ""  # where it is stored (differs when another submitter used the id)

    @property
    def key(self) -> str:
        return self.stored_id or self.request_id

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {o.value: 0 for o in Outcome}
        for r in self.results:
            out[r.outcome.value] += 1
        out["invalid"] = len(self.errors)
        return out


def _norm_url(url: str) -> str:
    u = url.strip().lower().split("://", 1)[-1].removeprefix("www.")
    return u.rstrip("/")


@dataclass
class PlatformEvidence:
    """Evidence checked against the platform store: a post must exist and be the account's;
    media and links must appear in the account's posts (or, for links, its profile). Where
    the store holds no posts of the account there is nothing to check against, and a
    well-formed reference counts as specific but unverified."""

    uow: StoreUnitOfWork
    _posts: dict[tuple[str, str], list[Post]] = field(default_factory=dict)

    def posts(self, account: Account) -> list[Post]:
        key = (account.platform, account.account_id)
        if key not in self._posts:
            self._posts[key] = self.uow.platform.posts_of(account.platform, account.account_id,
                                                          limit=POSTS_READ)
        return self._posts[key]

    def __call__(self, ref: EvidenceRef, account: Account | None) -> Verdict:
        if account is None:
            return shape_only(ref, account)
        # The platform's data first: a post id may be any string (``acc:35:1:p2``), so a
        # reference that names a stored post is that post whatever it looks like.
        if ref.raw and not any(c.isspace() for c in ref.raw):
            post = self.uow.platform.get_post(account.platform, ref.raw)
            if post is not None:
                return (Verdict.SPECIFIC if post.account_id == account.account_id
                        else Verdict.OTHER_ACCOUNT)
        shape = shape_only(ref, account)
        if shape is Verdict.NOT_SPECIFIC:
            return shape
        if ref.kind is RefKind.POST and ref.post_id:
            post = (self.uow.platform.get_post(account.platform, ref.post_id)
                    if ref.post_id != ref.raw else None)  # the raw reference was looked up
            if post is not None:
                return (Verdict.SPECIFIC if post.account_id == account.account_id
                        else Verdict.OTHER_ACCOUNT)
            if shape is Verdict.OTHER_ACCOUNT:
                return shape
            return Verdict.NOT_FOUND if self.posts(account) else Verdict.UNVERIFIED
        posts = self.posts(account)
        if ref.kind is RefKind.MEDIA:
            if any(ref.media_hash in (m.md5, m.pdq) for p in posts for m in p.media):
                return Verdict.SPECIFIC
            return Verdict.NOT_FOUND if posts else Verdict.UNVERIFIED
        if ref.kind is RefKind.LINK:
            want = _norm_url(ref.raw)
            shared = {_norm_url(u) for p in posts for u in p.links} | {
                _norm_url(u) for u in account.links}
            if want in shared:
                return Verdict.SPECIFIC
            return Verdict.NOT_FOUND if posts else Verdict.UNVERIFIED
        return shape


def open_item(uow: StoreUnitOfWork, account: Account) -> str | None:
    """The earliest accepted or escalated item naming the account whose case is still open."""
    status = uow.status.get(SubjectRef.account(account.platform, account.account_id))
    if status is None or status.review_state not in UNDER_REVIEW:
        return None
    for i in uow.referrals.items_naming(account.platform, account.account_id):
        return f"{i.request_id}#{i.line}"
    return None


def context(uow: StoreUnitOfWork, lookup: DesignationLookup) -> CheckContext:
    return CheckContext(
        lookup=cached(lookup),
        find_account=uow.platform.find_account,
        protection=lambda a: uow.platform.protection(a.platform, a.account_id),
        evidence=PlatformEvidence(uow),
        open_item=lambda a: open_item(uow, a))


def _stored_results(uow: StoreUnitOfWork, request_id: str) -> tuple[CheckResult, ...]:
    out = []
    for i in uow.referrals.items(request_id):
        if i.outcome == "invalid":
            continue
        check = i.item.get("check", {})
        out.append(CheckResult(
            i.line, i.account_ref, Outcome(i.outcome), tuple(Reason(r) for r in i.reasons),
            i.account_id, check.get("designation"), tuple(check.get("explanation", ())),
            i.platform, i.item.get("instrument", ""), check.get("duplicate_of")))
    return tuple(out)


def import_request(uow_factory: UowFactory, clock: Clock, request: ReferralRequest,
                   errors: list[FieldProblem], document: bytes, lookup: DesignationLookup,
                   submitted_by: str | None = None,
                   progress: Callable[[int], None] | None = None) -> ImportResult:
    """Idempotent per submitter: the same document again returns the stored outcomes; a
    different document under the submitter's used id is refused. Another submitter's request
    is never found, by its id or its bytes (:mod:`tarazu.service.request_ids`). The names we
    will repeat in notices must be plain text (:func:`tarazu.domain.text.name_problem`)."""
    digest = hashlib.sha256(document).hexdigest()
    own = request.request_id
    if problem := request_ids.reserved_problem(own, submitted_by):
        raise ReferralFileError(f"field 'request_id': {problem}")
    for name, value in (("requester.agency", request.requester.agency),
                        ("requester.country", request.requester.country)):
        if value and (problem := name_problem(value)):
            raise ReferralFileError(f"field {name!r}: {problem}")
    with uow_factory() as uow:
        key = request_ids.storage_id(own, submitted_by, lambda rid: _owner(uow, rid))
        stored = uow.referrals.get_request(key)
        if stored is not None:
            if stored["document_sha256"] != digest:
                raise DuplicateRequest(f"request id {own!r} was already used for a different "
                                       "document")
            return ImportResult(own, _stored_results(uow, key), tuple(errors),
                                already_imported=True, stored_id=key)
        # the received time is tarazu's clock: a requester cannot back- or forward-date a
        # referral (it places the request in transparency counts and exports)
        request = replace(request, request_id=key, received_at=clock.now())
        req = request.requester
        uow.referrals.add_request(
            request_id=request.request_id,
            requester={"type": req.type, "country": req.country, "agency": req.agency,
                       "official": req.official, "contact": req.contact},
            received_at=request.received_at, document_sha256=digest, submitted_by=submitted_by)
        for err in errors:
            uow.referrals.add_item(request_id=request.request_id, line=err.line,
                                   account_ref="", platform="", account_id=None,
                                   item={"error": str(err)}, outcome="invalid",
                                   reasons=[Reason.INVALID_ITEM.value])
        results = check_request(request, context(uow, lookup))
        now = clock.now()
        for item, result in zip(request.items, results, strict=True):
            uow.referrals.add_item(
                request_id=request.request_id, line=item.line, account_ref=item.account,
                platform=item.platform, account_id=result.account_id,
                item=item.to_dict() | {"check": {
                    "designation": result.designation, "duplicate_of": result.duplicate_of,
                    "explanation": list(result.explanation)}},
                outcome=result.outcome.value, reasons=[r.value for r in result.reasons])
            _record(uow, request, item.legal_basis, result, now)
            if progress:
                progress(1)
        uow.commit()
        return ImportResult(own, tuple(results), tuple(errors), stored_id=key)


def _own_item(uow: StoreUnitOfWork, referral_id: str, submitted_by: str) -> bool:
    """Whether ``request_id#line`` is an item of this submitter's (whose id they may see)."""
    return _owner(uow, referral_id.rsplit("#", 1)[0]) == (True, submitted_by)


def _owner(uow: StoreUnitOfWork, request_id: str) -> tuple[bool, str | None]:
    row = uow.referrals.get_request(request_id)
    return (row is not None, row["submitted_by"] if row else None)


def _record(uow: StoreUnitOfWork, request: ReferralRequest, legal_basis: str,
            result: CheckResult, now) -> None:  # type: ignore[no-untyped-def]
    referral_id = f"{request.request_id}#{result.line}"
    ref = (SubjectRef.account(result.platform, result.account_id) if result.account_id
           else SubjectRef(SubjectType.REFERRAL, referral_id))
    s = cases.load(uow, ref)
    s.record(EventKind.REFERRAL_CHECKED, ACTOR, now, ReferralChecked(
        referral_id=referral_id, outcome=result.outcome.value,
        reasons=[r.value for r in result.reasons], designation=result.designation,
        legal_basis=legal_basis, instrument=result.instrument,
        duplicate_of=result.duplicate_of, explanation=list(result.explanation),
        source=request.requester.type, country=request.requester.country,
        agency=request.requester.agency))
    if result.account_id and result.outcome in (Outcome.ACCEPTED, Outcome.ESCALATED):
        s.record(EventKind.REPORT, ACTOR, now, Report(
            source=request.requester.type, reporter=request.requester.name,
            requester_name=request.requester.name, referral_id=referral_id,
            designation=result.designation, legal_basis=legal_basis,
            instrument=result.instrument, priority=2))
        if result.outcome is Outcome.ESCALATED:
            s.record(EventKind.ESCALATE, ACTOR, now, Escalate(
                reasons=[r.value for r in result.reasons]))
    cases.save(uow, s)


# -- status and response ------------------------------------------------------------------

def item_status(uow: StoreUnitOfWork, platform: str, account_id: str | None, outcome: str
                ) -> dict[str, Any]:
    """What has become of an item's account since the check, in words the requester reads."""
    if outcome not in (Outcome.ACCEPTED.value, Outcome.ESCALATED.value) or not account_id:
        return {"state": "no_case", "in_words": "no case was opened for this item"}
    row = uow.status.get(SubjectRef.account(platform, account_id))
    if row is None:
        return {"state": "no_case", "in_words": "no case was opened for this item"}
    if row.review_state in UNDER_REVIEW:
        words = ("awaiting senior review" if row.review_state == ReviewState.ESCALATED
                 else "awaiting review")
        return {"state": row.review_state, "in_words": words}
    if row.enforcement:
        return {"state": "actioned", "action": row.enforcement,
                "in_words": f"decided: {row.enforcement.replace('_', ' ')}"}
    return {"state": "closed", "in_words": "decided: no action"}


class RequestNotFound(LookupError):
    pass


def response_for(uow: StoreUnitOfWork, clock: Clock, request_id: str,
                 submitted_by: str | None = None, with_status: bool = True
                 ) -> dict[str, Any]:
    """The response document of a stored request. With ``submitted_by`` only that user's
    request is found, by the id they gave it (a requester sees their own requests and nobody
    else's, and learns nothing about ids others used)."""
    shown = request_id
    if submitted_by is not None:
        found = request_ids.find(request_id, submitted_by, lambda rid: _owner(uow, rid))
        if found is None:
            raise RequestNotFound(request_id)
        request_id, shown = found, request_ids.own_id(found, submitted_by)
    req = uow.referrals.get_request(request_id)
    if req is None:
        raise RequestNotFound(request_id)
    items = []
    for i in uow.referrals.items(request_id):
        if i.outcome == "invalid":
            items.append(response_item(i.line, "", "", "returned", [Reason.INVALID_ITEM.value],
                                       [i.item.get("error", "")]))
            continue
        status = item_status(uow, i.platform, i.account_id, i.outcome) if with_status else None
        check = i.item.get("check", {})
        explanation = list(check.get("explanation", ()))
        dup = check.get("duplicate_of")
        if submitted_by is not None and dup and not _own_item(uow, dup, submitted_by):
            explanation = [w.replace(f"item {dup}", "item of another requester")
                           for w in explanation]
        items.append(response_item(i.line, i.account_ref, i.platform, i.outcome, i.reasons,
                                   explanation, status))
    items.sort(key=lambda x: x["line"])
    return response_document(shown, json.loads(req["requester"]), req["received_at"],
                             clock.now(), items)


def requests_with_counts(uow: StoreUnitOfWork, submitted_by: str | None = None
                         ) -> list[tuple[dict[str, Any], dict[str, int]]]:
    """The stored requests (only ``submitted_by``'s when given), each with its items'
    outcome counts."""
    return [(r, uow.referrals.outcome_counts(r["request_id"]))
            for r in uow.referrals.requests(submitted_by)]


def all_outcome_counts(uow: StoreUnitOfWork) -> dict[str, int]:
    """The outcome counts of every referral item, over all requests."""
    return uow.referrals.outcome_counts()


# What the portal, the API and the demo's summary read, each in a unit of work of its own.
read_response = read_only(response_for)
read_requests = read_only(requests_with_counts)
read_outcome_counts = read_only(all_outcome_counts)
