"""A data request (contract: ``../shared/contracts/referrals.md``, "Data request") as values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tarazu.textfiles import FieldProblem


class InstrumentType(StrEnum):
    COURT_ORDER = "court_order"
    WARRANT = "warrant"
    SUBPOENA = "subpoena"
    EMERGENCY = "emergency"
    PRESERVATION = "preservation"
    NONE = "none"


class Category(StrEnum):
    SUBSCRIBER = "subscriber"  # who holds the account: handle, names, e-mail, phone
    IP_LOGS = "ip_logs"
    CONTENT = "content"  # posts
    CONTACTS = "contacts"  # who follows whom
    LOCATION = "location"


#: Least to most intrusive; used to show categories in a stable order.
CATEGORY_ORDER = tuple(Category)


@dataclass(frozen=True)
class Instrument:
    type: InstrumentType
    issuer: str = ""
    reference: str = ""
    date: date | None = None
    document_sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type.value, "issuer": self.issuer, "reference": self.reference,
                "date": self.date.isoformat() if self.date else None,
                "document_sha256": self.document_sha256}


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def to_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> Period:
        return cls(date.fromisoformat(d["from"]), date.fromisoformat(d["to"]))


@dataclass(frozen=True)
class Emergency:
    threat_to_life: bool
    description: str = ""


@dataclass(frozen=True)
class NonDisclosure:
    """A bar on telling the user. ``until`` None: the order names no end (see the checks).
    ``reason``: why the authority says the user must not be told (required at intake)."""

    until: date | None
    reason: str = ""


@dataclass(frozen=True)
class DataRequest:
    request_id: str
    country: str
    agency: str
    instrument: Instrument
    targets: tuple[str, ...]
    categories: tuple[Category, ...]
    received_at: datetime
    official: dict[str, str] = field(default_factory=dict)
    period: Period | None = None
    nondisclosure: NonDisclosure | None = None
    emergency: Emergency | None = None

    def to_dict(self) -> dict[str, Any]:
        nd: Any = None
        if self.nondisclosure is not None:
            u = self.nondisclosure.until
            nd = u.isoformat() if u else "indefinite"
        return {
            "request_id": self.request_id, "country": self.country, "agency": self.agency,
            "official": dict(self.official), "instrument": self.instrument.to_dict(),
            "targets": list(self.targets), "categories": [c.value for c in self.categories],
            "period": self.period.to_dict() if self.period else None,
            "nondisclosure_until": nd,
            "nondisclosure_reason": self.nondisclosure.reason if self.nondisclosure else None,
            "emergency": ({"threat_to_life": self.emergency.threat_to_life,
                           "description": self.emergency.description}
                          if self.emergency else None),
        }


class DataRequestFileError(ValueError):
    """The document is not a valid data request; every bad field is named."""

    def __init__(self, errors: list[FieldProblem], request_id: str = "") -> None:
        self.errors = errors
        self.request_id = request_id
        where = f"data request {request_id!r}: " if request_id else "data request: "
        super().__init__(where + "; ".join(str(e) for e in errors))
