"""Checking referral items: is there a legal basis, a designation on a recognised list,
specific evidence that exists and belongs to the account, and is the target someone the law
protects from vague demands?

Every item gets an outcome and machine-readable reasons. The most severe reason decides the
outcome: refused > returned > escalated > accepted. A protected target is never accepted, and
an organisation listed only domestically gets at most an escalation (a senior reviewer may
restrict the account in that country; nothing global follows from one government's list).

The rules, and why:

* ``unknown_account`` (returned): the requester can correct a wrong handle or platform.
* ``missing_legal_basis`` (returned): a government asks under a law; it must say which.
* ``no_designation``: refused when the group named is on no recognised list (asking again
  will not list it); returned when no group is named at all (the requester can name it).
* ``vague_ground`` (refused): "anti-state", "ملک دشمن", "idaron ke khilaf" — alone, never a
  ground. Alongside a designated group the phrase is noted and the item is judged on the
  designation and the evidence, so a clumsy wording does not sink a sound request.
* ``no_specific_evidence`` (returned): no post, media or link of this account that shows the
  violation (a profile page, a search or a sentence is not evidence; a post of someone else
  is not evidence against this account).
* ``duplicate`` (refused): the account is already named by an accepted or escalated item of
  this request, or by an earlier referral item whose case is still open; no second case.
* ``protected_target`` (escalated): journalists, NGOs, officials... senior review only.
* ``domestic_list_only`` (escalated): see above.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from tarazu.domain.platform import Account
from tarazu.referrals.evidence import EvidenceCheck, Verdict, classify, shape_only
from tarazu.referrals.grounds import is_vague
from tarazu.referrals.model import (
    CheckResult,
    Outcome,
    Reason,
    ReferralItem,
    ReferralRequest,
    Requester,
)

SEVERITY = [Outcome.ACCEPTED, Outcome.ESCALATED, Outcome.RETURNED, Outcome.REFUSED]
#: Requester types that must cite the law they rely on.
NEEDS_LEGAL_BASIS = frozenset({"government"})


@dataclass(frozen=True)
class DesignationHit:
    """What the registry says about the group an item names."""

    designation_id: str
    name: str
    authorities: frozenset[str]  # e.g. {"UN", "US", "GB", "EU", "PK"}: who lists it
    domestic_list_only: bool = False


#: Looks a group name up in the designation registry (any script, any alias).
DesignationLookup = Callable[[str], DesignationHit | None]

_EVIDENCE_NOTES = {
    Verdict.NOT_SPECIFIC: "is not a post, media item or link (a profile, search page or text)",
    Verdict.NOT_FOUND: "was not found among the account's content on the platform",
    Verdict.OTHER_ACCOUNT: "belongs to a different account",
}


@dataclass(frozen=True)
class Finding:
    reason: Reason
    outcome: Outcome
    note: str


@dataclass(frozen=True)
class CheckContext:
    """What checking needs from outside the item, injected so the rules stay pure."""

    lookup: DesignationLookup
    find_account: Callable[[str, str], Account | None]  # (platform, reference)
    protection: Callable[[Account], str | None]  # the protected category, if any
    evidence: EvidenceCheck = shape_only
    #: the earlier open referral item ("request#line") naming this account, if any
    open_item: Callable[[Account], str | None] = lambda account: None


def cached(lookup: DesignationLookup, size: int = 1024) -> DesignationLookup:
    """A referral list names the same few groups hundreds of times: look each up once."""
    return lru_cache(maxsize=size)(lookup)


def _evidence(item: ReferralItem, account: Account | None, check: EvidenceCheck
              ) -> tuple[bool, list[str]]:
    ok, notes = False, []
    for raw in item.evidence:
        verdict = check(classify(raw), account)
        if verdict.counts:
            ok = True
            if verdict is Verdict.UNVERIFIED:
                notes.append(f"evidence {raw!r} could not be checked against platform data")
        else:
            notes.append(f"evidence {raw!r} {_EVIDENCE_NOTES[verdict]}")
    if not item.evidence:
        notes.append("no evidence is listed")
    return ok, notes


def check_item(item: ReferralItem, requester: Requester, account: Account | None,
               protection: str | None, lookup: DesignationLookup,
               evidence: EvidenceCheck = shape_only, duplicate_of: str | None = None
               ) -> CheckResult:
    """Check one item whose account has been resolved (``account`` None: not found)."""
    found: list[Finding] = []
    info: list[str] = []

    def add(reason: Reason, outcome: Outcome, note: str) -> None:
        found.append(Finding(reason, outcome, note))

    if account is None:
        add(Reason.UNKNOWN_ACCOUNT, Outcome.RETURNED,
            f"no account {item.account!r} on platform {item.platform!r}")
    elif duplicate_of:
        add(Reason.DUPLICATE, Outcome.REFUSED,
            f"the account is already named in open referral item {duplicate_of}")

    if requester.type in NEEDS_LEGAL_BASIS and not item.legal_basis:
        add(Reason.MISSING_LEGAL_BASIS, Outcome.RETURNED,
            "a government request must cite the law that it relies on")

    hit = lookup(item.group) if item.group else None
    if item.group and hit is None:
        add(Reason.NO_DESIGNATION, Outcome.REFUSED,
            f"{item.group!r} is on no recognised list of designated organisations")
    elif hit is not None and hit.domestic_list_only:
        add(Reason.DOMESTIC_LIST_ONLY, Outcome.ESCALATED,
            f"{hit.name} is designated only on a domestic list: at most a restriction in the "
            "requesting country, after senior review")

    if is_vague(item.ground):
        if hit is None:
            add(Reason.VAGUE_GROUND, Outcome.REFUSED,
                f"the ground {item.ground!r} names no rule and no designated group")
        else:
            info.append(f"the ground {item.ground!r} is vague; the item is judged on the "
                        f"designation ({hit.name}) and the evidence only")
    elif not item.group:
        add(Reason.NO_DESIGNATION, Outcome.RETURNED,
            "the item names no designated organisation")

    ok, notes = _evidence(item, account, evidence)
    if not ok:
        add(Reason.NO_SPECIFIC_EVIDENCE, Outcome.RETURNED,
            "; ".join(notes) or "no post, media or link that shows the violation")
    else:
        info.extend(notes)

    if protection:
        add(Reason.PROTECTED_TARGET, Outcome.ESCALATED,
            f"the account is protected ({protection}): senior review only")

    outcome = max((f.outcome for f in found), key=SEVERITY.index, default=Outcome.ACCEPTED)
    if protection and outcome is Outcome.ACCEPTED:  # belt and braces: never accepted
        outcome = Outcome.ESCALATED
    if item.instrument:
        info.append(f"instrument: {item.instrument}")
    return CheckResult(
        line=item.line, account=item.account, outcome=outcome,
        reasons=tuple(dict.fromkeys(f.reason for f in found)),
        account_id=account.account_id if account else None,
        designation=hit.designation_id if hit else None,
        explanation=tuple(f.note for f in found) + tuple(info),
        platform=item.platform, instrument=item.instrument, duplicate_of=duplicate_of)


def check_request(request: ReferralRequest, ctx: CheckContext) -> list[CheckResult]:
    """Check every item of a request. An item repeats an earlier one when that one (in this
    request, accepted or escalated) or an earlier request's open item names the same account on
    the same platform; the same handle on another platform is another account, and the
    results say so."""
    results: list[CheckResult] = []
    taken: dict[tuple[str, str], str] = {}  # (platform, account_id) -> "request#line"
    by_handle: dict[str, list[tuple[str, int]]] = {}
    for item in request.items:
        account = ctx.find_account(item.platform, item.account)
        dup = None
        if account is not None:
            key = (account.platform, account.account_id)
            dup = taken.get(key) or ctx.open_item(account)
        protection = ctx.protection(account) if account else None
        r = check_item(item, request.requester, account, protection, ctx.lookup, ctx.evidence,
                       duplicate_of=dup)
        if account is not None and r.outcome in (Outcome.ACCEPTED, Outcome.ESCALATED):
            taken.setdefault((account.platform, account.account_id),
                             f"{request.request_id}#{item.line}")
        if account is not None:
            by_handle.setdefault(account.handle.lstrip("@").casefold(), []).append(
                (account.platform, item.line))
        results.append(r)
    return [_cross_platform(r, by_handle) for r in results]


def _cross_platform(r: CheckResult, by_handle: dict[str, list[tuple[str, int]]]
                    ) -> CheckResult:
    for entries in by_handle.values():
        platforms = {p for p, _ in entries}
        if len(platforms) > 1 and any(line == r.line for _, line in entries):
            others = ", ".join(f"{p} (item {n})" for p, n in entries if p != r.platform)
            return replace(r, explanation=r.explanation + (
                f"the same handle is also named on {others}: each platform's account is "
                "checked and decided on its own",))
    return r
