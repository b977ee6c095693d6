"""Checking one referral item: is there a legal basis, a designation on a recognised list,
specific evidence, and is the target someone the law protects from vague demands?

Every item gets an outcome and machine-readable reasons. The most severe reason decides the
outcome: refused > returned > escalated > accepted. A protected target is never accepted."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from tarazu.domain.platform import Account
from tarazu.referrals.model import CheckResult, Outcome, ReferralItem, Reason, Requester

#: Grounds that name no rule and no group. Alone, they are never a ground for action.
VAGUE_GROUNDS = (
    "anti-state", "anti state", "antistate", "against the state", "against national interest",
    "national interest", "defamation of institutions", "defaming institutions",
    "maligning institutions", "anti-army", "anti army", "against the army",
    "against state institutions", "anti-national", "ideology of pakistan", "fake news",
    "propaganda against the state", "hurting national sentiment", "anti-pakistan",
    "anti pakistan", "negative propaganda", "spreading hatred against the state",
    "ریاست مخالف", "ملک دشمن", "اداروں کے خلاف", "ریاست کے خلاف",
)

OUTCOME_OF: dict[Reason, Outcome] = {
    Reason.INVALID_ITEM: Outcome.RETURNED,
    Reason.UNKNOWN_ACCOUNT: Outcome.RETURNED,
    Reason.MISSING_LEGAL_BASIS: Outcome.RETURNED,
    Reason.NO_SPECIFIC_EVIDENCE: Outcome.RETURNED,
    Reason.NO_DESIGNATION: Outcome.REFUSED,
    Reason.VAGUE_GROUND: Outcome.REFUSED,
    Reason.DUPLICATE: Outcome.REFUSED,
    Reason.PROTECTED_TARGET: Outcome.ESCALATED,
    Reason.DOMESTIC_LIST_ONLY: Outcome.ESCALATED,
}
SEVERITY = [Outcome.ACCEPTED, Outcome.ESCALATED, Outcome.RETURNED, Outcome.REFUSED]


@dataclass(frozen=True)
class DesignationHit:
    """What the registry says about the group an item names."""

    designation_id: str
    name: str
    authorities: frozenset[str]  # e.g. {"UN", "US", "GB", "EU", "PK"}: who lists it


#: Looks a group name up in the designation registry (any script, any alias).
DesignationLookup = Callable[[str], DesignationHit | None]
#: Tells whether an evidence reference is specific: an existing post, media or link of the
#: account that shows something (not a search page or the profile itself).
EvidenceCheck = Callable[[str, Account | None], bool]


def is_vague(ground: str) -> bool:
    g = ground.casefold()
    return any(v in g for v in VAGUE_GROUNDS)


POST_URL = re.compile(r"/(status|posts?|p|reel|videos?|watch|s)/[\w-]+|[?&]v=|t\.me/[\w_]+/\d+")


def looks_specific(ref: str, account: Account | None) -> bool:
    """Default evidence check: a URL to an individual post or message, or a post id."""
    ref = ref.strip()
    if not ref:
        return False
    if "://" in ref or ref.startswith(("t.me/", "www.")):
        return bool(POST_URL.search(ref))
    return " " not in ref  # a bare platform post id


def check_item(
    item: ReferralItem,
    requester: Requester,
    account: Account | None,
    protection: str | None,
    lookup: DesignationLookup,
    evidence_ok: EvidenceCheck = looks_specific,
    seen_accounts: Collection[str] = (),
) -> CheckResult:
    reasons: list[Reason] = []
    notes: list[str] = []
    hit: DesignationHit | None = None

    if account is None:
        reasons.append(Reason.UNKNOWN_ACCOUNT)
        notes.append(f"no account {item.account!r} on platform {item.platform!r}")
    elif account.account_id in seen_accounts:
        reasons.append(Reason.DUPLICATE)
        notes.append("this account is already named in an open referral item")

    if requester.type == "government" and not item.legal_basis:
        reasons.append(Reason.MISSING_LEGAL_BASIS)
        notes.append("a government request must cite the law that it relies on")

    if item.group:
        hit = lookup(item.group)
        if hit is None:
            reasons.append(Reason.NO_DESIGNATION)
            notes.append(f"{item.group!r} is on no recognised list of designated organisations")
        elif requester.country and hit.authorities <= {requester.country.upper()}:
            reasons.append(Reason.DOMESTIC_LIST_ONLY)
            notes.append(f"{hit.name} is designated only by {requester.country}: at most a "
                         "restriction inside that country")
    if is_vague(item.ground) and hit is None:
        reasons.append(Reason.VAGUE_GROUND)
        notes.append(f"the ground {item.ground!r} names no rule and no designated group")
    elif not item.group and not item.ground:
        reasons.append(Reason.NO_DESIGNATION)
        notes.append("the item names neither a group nor a ground")

    if not any(evidence_ok(e, account) for e in item.evidence):
        reasons.append(Reason.NO_SPECIFIC_EVIDENCE)
        notes.append("no post, media or link that shows the violation")

    if protection:
        reasons.append(Reason.PROTECTED_TARGET)
        notes.append(f"the account is protected ({protection}): senior review only")

    outcome = max((OUTCOME_OF[r] for r in reasons), key=SEVERITY.index,
                  default=Outcome.ACCEPTED)
    if protection and outcome is Outcome.ACCEPTED:  # belt and braces: never accepted
        outcome = Outcome.ESCALATED
    return CheckResult(
        line=item.line, account=item.account, outcome=outcome,
        reasons=tuple(dict.fromkeys(reasons)),
        account_id=account.account_id if account else None,
        designation=hit.designation_id if hit else None, explanation=tuple(notes))
