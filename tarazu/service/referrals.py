"""Importing a referral request: store it as received, check every item, and turn the items
that pass into reports on the accounts they name (which opens or updates their cases)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from tarazu.adapters.db.uow import SqlUnitOfWork
from tarazu.domain.events import EventKind, SubjectRef, SubjectType
from tarazu.referrals.checks import DesignationLookup, check_item
from tarazu.referrals.model import CheckResult, ItemError, Outcome, ReferralRequest
from tarazu.service import cases
from tarazu.service.clock import Clock
from tarazu.service.ports import UowFactory


class DuplicateRequest(ValueError):
    pass


@dataclass(frozen=True)
class ImportResult:
    request_id: str
    results: tuple[CheckResult, ...]
    errors: tuple[ItemError, ...]
    already_imported: bool = False

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {o.value: 0 for o in Outcome}
        for r in self.results:
            out[r.outcome.value] += 1
        out["invalid"] = len(self.errors)
        return out


def _stored_results(uow: SqlUnitOfWork, request_id: str) -> tuple[CheckResult, ...]:
    from tarazu.referrals.model import Reason

    return tuple(
        CheckResult(i.line, i.account_ref, Outcome(i.outcome),
                    tuple(Reason(r) for r in i.reasons), i.account_id)
        for i in uow.referrals.items(request_id)
        if i.outcome != "invalid"
    )


def import_request(uow_factory: UowFactory, clock: Clock, request: ReferralRequest,
                   errors: list[ItemError], document: bytes, lookup: DesignationLookup,
                   submitted_by: str | None = None,
                   progress: Callable[[int], None] | None = None) -> ImportResult:
    """Idempotent: the same document again returns the stored outcomes; a different document
    under a used request id is refused."""
    digest = hashlib.sha256(document).hexdigest()
    with uow_factory() as uow:
        if uow.referrals.has_request(request.request_id):
            stored = next(r for r in uow.referrals.requests()
                          if r["request_id"] == request.request_id)
            if stored["document_sha256"] != digest:
                raise DuplicateRequest(f"request id {request.request_id!r} was already used for "
                                       "a different document")
            return ImportResult(request.request_id, _stored_results(uow, request.request_id),
                                tuple(errors), already_imported=True)
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
                                   reasons=["invalid_item"])
        seen: set[str] = set()
        results = []
        now = clock.now()
        for item in request.items:
            account = uow.platform.find_account(item.platform, item.account)
            protection = (uow.platform.protection(account.platform, account.account_id)
                          if account else None)
            result = check_item(item, req, account, protection, lookup, seen_accounts=seen)
            if account:
                seen.add(account.account_id)
            results.append(result)
            uow.referrals.add_item(
                request_id=request.request_id, line=item.line, account_ref=item.account,
                platform=item.platform, account_id=result.account_id, item=item.to_dict(),
                outcome=result.outcome.value, reasons=[r.value for r in result.reasons])
            _record(uow, request, item.platform, result, now)
            if progress:
                progress(1)
        uow.commit()
        return ImportResult(request.request_id, tuple(results), tuple(errors))


def _record(uow: SqlUnitOfWork, request: ReferralRequest, platform: str, result: CheckResult,
            now) -> None:  # type: ignore[no-untyped-def]
    referral_id = f"{request.request_id}#{result.line}"
    ref = (SubjectRef.account(platform, result.account_id) if result.account_id
           else SubjectRef(SubjectType.REFERRAL, referral_id))
    actor = "system:referral-check"
    s = cases.load(uow, ref)
    s.record(EventKind.REFERRAL_CHECKED, actor, now, {
        "referral_id": referral_id, "outcome": result.outcome.value,
        "reasons": [r.value for r in result.reasons], "designation": result.designation,
        "explanation": list(result.explanation)})
    if result.account_id and result.outcome in (Outcome.ACCEPTED, Outcome.ESCALATED):
        s.record(EventKind.REPORT, actor, now, {
            "source": request.requester.type, "reporter": request.requester.name,
            "requester_name": request.requester.name, "referral_id": referral_id,
            "designation": result.designation, "priority": 2})
        if result.outcome is Outcome.ESCALATED:
            s.record(EventKind.ESCALATE, actor, now, {
                "reasons": [r.value for r in result.reasons]})
    cases.save(uow, s)

