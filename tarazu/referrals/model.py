"""Referral requests and items as values, and the outcome of checking an item."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    ACCEPTED = "accepted"  # goes to the review queue
    ESCALATED = "escalated"  # goes to a senior reviewer only
    RETURNED = "returned"  # the requester can fix it
    REFUSED = "refused"


class Reason(StrEnum):
    MISSING_LEGAL_BASIS = "missing_legal_basis"
    NO_DESIGNATION = "no_designation"
    NO_SPECIFIC_EVIDENCE = "no_specific_evidence"
    VAGUE_GROUND = "vague_ground"
    PROTECTED_TARGET = "protected_target"
    UNKNOWN_ACCOUNT = "unknown_account"
    DUPLICATE = "duplicate"
    DOMESTIC_LIST_ONLY = "domestic_list_only"
    INVALID_ITEM = "invalid_item"

    @property
    def plain(self) -> str:
        """The reason in plain words, for the requester's response document."""
        return PLAIN[self][0]

    @property
    def fix(self) -> str:
        """What the requester can do about it ("" when nothing they send would change it)."""
        return PLAIN[self][1]


PLAIN: dict[Reason, tuple[str, str]] = {
    Reason.MISSING_LEGAL_BASIS: (
        "The item cites no law.",
        "Cite the provision the request relies on (act and section) in 'legal_basis'."),
    Reason.NO_DESIGNATION: (
        "The item names no organisation on a recognised list of designated organisations.",
        "Name the designated organisation the account belongs to or acts for in 'group'."),
    Reason.NO_SPECIFIC_EVIDENCE: (
        "The evidence does not point at content of this account that can be checked.",
        "List the posts, media or links of this account that show the violation (post URLs "
        "or ids; not the profile page, a search page or a description)."),
    Reason.VAGUE_GROUND: (
        "The ground is a general charge that names no rule and no designated organisation; "
        "it is not a ground for action on this platform.",
        ""),
    Reason.PROTECTED_TARGET: (
        "The account belongs to a protected category (for example a journalist); only a "
        "senior reviewer can look at it, and nothing happens automatically.",
        ""),
    Reason.UNKNOWN_ACCOUNT: (
        "No such account was found on the platform named.",
        "Check the handle, profile URL or account id and the platform."),
    Reason.DUPLICATE: (
        "The account is already named in an item that is open or under review.",
        ""),
    Reason.DOMESTIC_LIST_ONLY: (
        "The organisation is designated only on a domestic list; at most a restriction in "
        "the requesting country can follow, after senior review.",
        ""),
    Reason.INVALID_ITEM: (
        "The item could not be read.",
        "Correct the field named in the error and send the item again."),
}


@dataclass(frozen=True)
class Requester:
    type: str  # government | trusted_flagger | public
    country: str = ""
    agency: str = ""
    official: dict[str, Any] = field(default_factory=dict)
    contact: str = ""

    @property
    def name(self) -> str:
        return " / ".join(x for x in (self.agency, self.country) if x) or self.type


@dataclass(frozen=True)
class ReferralItem:
    line: int
    account: str
    platform: str
    group: str = ""
    ground: str = ""
    legal_basis: str = ""
    instrument: str = ""
    evidence: tuple[str, ...] = ()
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"account": self.account, "platform": self.platform, "group": self.group,
                "ground": self.ground, "legal_basis": self.legal_basis,
                "instrument": self.instrument, "evidence": list(self.evidence),
                "note": self.note}


@dataclass(frozen=True)
class ReferralRequest:
    request_id: str
    requester: Requester
    received_at: datetime
    items: tuple[ReferralItem, ...]



@dataclass(frozen=True)
class CheckResult:
    line: int
    account: str
    outcome: Outcome
    reasons: tuple[Reason, ...]
    account_id: str | None = None
    designation: str | None = None
    explanation: tuple[str, ...] = ()
    platform: str = ""
    instrument: str = ""
    duplicate_of: str | None = None  # "request_id#line" of the open item this one repeats

    def to_json(self) -> dict[str, Any]:
        """The documented line of ``tarazu referrals import --out``: line, account, outcome,
        reasons (and more keys, which readers ignore)."""
        return {"line": self.line, "account": self.account, "platform": self.platform,
                "account_id": self.account_id, "outcome": self.outcome.value,
                "reasons": [r.value for r in self.reasons], "designation": self.designation,
                "instrument": self.instrument, "duplicate_of": self.duplicate_of,
                "explanation": list(self.explanation)}
