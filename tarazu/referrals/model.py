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
class ItemError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"item {self.line}: field '{self.field}': {self.message}"


@dataclass(frozen=True)
class CheckResult:
    line: int
    account: str
    outcome: Outcome
    reasons: tuple[Reason, ...]
    account_id: str | None = None
    designation: str | None = None
    explanation: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "account": self.account, "account_id": self.account_id,
                "outcome": self.outcome.value, "reasons": [r.value for r in self.reasons],
                "designation": self.designation, "explanation": list(self.explanation)}
