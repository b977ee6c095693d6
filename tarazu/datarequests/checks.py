"""Automated checks of a data request, before any person reads it (GNI principles: written
demands through established legal process, naming the law's instrument and the official; read
narrowly; disclose the minimum; notify users where lawful).

Each finding is a reason code; the most severe decides the request's outcome:
refused > returned > escalated > narrowed > accepted. Nothing here discloses anything: an
accepted or narrowed request only reaches the legal queue, with the scope the law allows."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from tarazu.datarequests.model import (
    CATEGORY_ORDER,
    Category,
    DataRequest,
    Instrument,
    InstrumentType,
    Period,
)


class Outcome(StrEnum):
    ACCEPTED = "accepted"  # to the legal queue as asked
    NARROWED = "narrowed"  # to the legal queue with a narrower scope than asked
    ESCALATED = "escalated"  # to legal, and disclosure needs a senior reviewer's confirmation
    RETURNED = "returned"  # nothing to act on (no known target): the requester can fix it
    REFUSED = "refused"  # not valid legal process (or no emergency): nothing will be disclosed


class Reason(StrEnum):
    NO_LEGAL_PROCESS = "no_legal_process"
    NON_JUDICIAL_INSTRUMENT = "non_judicial_instrument"
    NO_EMERGENCY_BASIS = "no_emergency_basis"
    NARROWED_CATEGORIES = "narrowed_categories"
    NARROWED_PERIOD = "narrowed_period"
    PROTECTED_TARGET = "protected_target"
    UNKNOWN_TARGET = "unknown_target"
    NONDISCLOSURE_CAPPED = "nondisclosure_capped"
    DISPROPORTIONATE = "disproportionate"  # a bulk request: more targets than the limit


class RequestPath(StrEnum):
    """The route a data request takes (not a file path: the name ``Path`` shadowed pathlib)."""

    DISCLOSURE = "disclosure"  # legal process; legal approval and a second person's confirmation
    EMERGENCY = "emergency"  # threat to life: provisional minimal answer, process to follow
    PRESERVATION = "preservation"  # snapshot kept for a time; nothing disclosed


OUTCOME_OF: dict[Reason, Outcome] = {
    Reason.NO_LEGAL_PROCESS: Outcome.REFUSED,
    Reason.NON_JUDICIAL_INSTRUMENT: Outcome.REFUSED,
    Reason.NO_EMERGENCY_BASIS: Outcome.REFUSED,
    Reason.PROTECTED_TARGET: Outcome.ESCALATED,
    Reason.NARROWED_CATEGORIES: Outcome.NARROWED,
    Reason.NARROWED_PERIOD: Outcome.NARROWED,
    Reason.NONDISCLOSURE_CAPPED: Outcome.NARROWED,
    Reason.DISPROPORTIONATE: Outcome.ESCALATED,
    Reason.UNKNOWN_TARGET: Outcome.ACCEPTED,  # the target is dropped; the others go on
}
SEVERITY = [Outcome.ACCEPTED, Outcome.NARROWED, Outcome.ESCALATED, Outcome.RETURNED,
            Outcome.REFUSED]

ALL = frozenset(Category)
#: Words that mark a court or a judge as the issuer (English, Urdu). An agency's own letter is
#: not judicial, whatever it is called.
JUDICIAL = re.compile(
    r"\b(court|judge|judicial|magistrate|tribunal|justice|bench|sessions)\b|عدالت|جج|مجسٹریٹ",
    re.IGNORECASE)


@dataclass(frozen=True)
class CheckPolicy:
    """What each kind of legal process may obtain. Configurable per deployment; the defaults
    follow common practice: a subpoena reaches subscriber data only; content, contacts and
    location need a court order or a warrant; an emergency gets the minimum."""

    allowed: Mapping[InstrumentType, frozenset[Category]] = field(default_factory=lambda: {
        InstrumentType.COURT_ORDER: ALL,
        InstrumentType.WARRANT: ALL,
        InstrumentType.SUBPOENA: frozenset({Category.SUBSCRIBER}),
        InstrumentType.EMERGENCY: frozenset({Category.SUBSCRIBER, Category.IP_LOGS}),
        InstrumentType.PRESERVATION: ALL,  # preserved, never disclosed
        InstrumentType.NONE: frozenset(),
    })
    #: Instruments that only a court or a judge can issue.
    judicial: frozenset[InstrumentType] = frozenset(
        {InstrumentType.COURT_ORDER, InstrumentType.WARRANT})
    #: Countries whose law makes a subpoena from a prosecutor or agency legal process (e.g. US
    #: administrative and grand-jury subpoenas). Elsewhere a "subpoena" must come from a court.
    administrative_subpoena_countries: frozenset[str] = frozenset({"US"})
    max_period_days: int = 90
    emergency_period_days: int = 7  # "recent" IP logs
    emergency_followup_days: int = 7  # legal process must follow a provisional answer
    preservation_days: int = 90
    preservation_extensions: int = 1
    #: Every non-disclosure order is CAPPED at this many days from receipt (not refused): the
    #: data request itself may be lawful, but a gag that never ends (or ends in centuries)
    #: means the user can never be told or challenge it (GNI: notify users where lawful). At
    #: the cap the notice becomes due unless legal records a renewed order that extends it
    #: (again by at most this many days, with a reason).
    max_nondisclosure_days: int = 180
    #: A request naming more accounts than this is a bulk request: flagged as disproportionate
    #: (escalated). Legal narrows it to at most this many, or records why each is necessary,
    #: and then a senior reviewer confirms.
    max_targets: int = 10


@dataclass(frozen=True)
class TargetInfo:
    """A named target as resolved on the platform (``account_id`` None: not found)."""

    ref: str
    platform: str
    account_id: str | None
    protection: str | None = None


@dataclass(frozen=True)
class TargetResult:
    ref: str
    platform: str
    account_id: str | None
    outcome: Outcome
    reasons: tuple[Reason, ...] = ()
    protection: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "platform": self.platform, "account_id": self.account_id,
                "outcome": self.outcome.value, "reasons": [r.value for r in self.reasons],
                "protection": self.protection}


@dataclass(frozen=True)
class CheckReport:
    request_id: str
    path: RequestPath
    outcome: Outcome
    reasons: tuple[Reason, ...]
    explanation: tuple[str, ...]
    targets: tuple[TargetResult, ...]
    categories: tuple[Category, ...]  # the most the instrument allows of what was asked
    period: Period | None  # None only for a refused request
    nondisclosure_until: date | None  # the effective end of the bar on notice (capped)
    protected: bool = False

    @property
    def known_targets(self) -> tuple[TargetResult, ...]:
        return tuple(t for t in self.targets if t.account_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id, "path": self.path.value,
            "outcome": self.outcome.value, "reasons": [r.value for r in self.reasons],
            "explanation": list(self.explanation),
            "targets": [t.to_dict() for t in self.targets],
            "categories": [c.value for c in self.categories],
            "period": self.period.to_dict() if self.period else None,
            "nondisclosure_until": (self.nondisclosure_until.isoformat()
                                    if self.nondisclosure_until else None),
            "protected": self.protected,
        }


def nondisclosure_cap(start: date, policy: CheckPolicy) -> date:
    """The latest end of a non-disclosure bar that starts (or is renewed) on ``start``."""
    return start + timedelta(days=policy.max_nondisclosure_days)


def path_of(req: DataRequest) -> RequestPath:
    if req.instrument.type is InstrumentType.PRESERVATION:
        return RequestPath.PRESERVATION
    if req.instrument.type is InstrumentType.EMERGENCY:
        return RequestPath.EMERGENCY
    return RequestPath.DISCLOSURE


def is_judicial(issuer: str) -> bool:
    return bool(JUDICIAL.search(issuer))


def instrument_problems(ins: Instrument, country: str, policy: CheckPolicy
                        ) -> list[tuple[Reason, str]]:
    """Is the instrument established legal process in that country? (Also used for the legal
    process that must follow an emergency answer.)"""
    if ins.type is InstrumentType.NONE:
        return [(Reason.NO_LEGAL_PROCESS, "the request cites no legal instrument")]
    missing = [n for n, v in (("issuer", ins.issuer), ("reference", ins.reference),
                              ("date", ins.date)) if not v]
    if missing:
        return [(Reason.NO_LEGAL_PROCESS,
                 f"the instrument lacks its {', '.join(missing)}: not a verifiable demand")]
    found: list[tuple[Reason, str]] = []
    if ins.type in policy.judicial and not is_judicial(ins.issuer):
        found.append((Reason.NON_JUDICIAL_INSTRUMENT,
                      f"a {ins.type.value.replace('_', ' ')} must come from a court; "
                      f"{ins.issuer!r} is not one (an agency letter is not legal process)"))
    if (ins.type is InstrumentType.SUBPOENA and not is_judicial(ins.issuer)
            and country not in policy.administrative_subpoena_countries):
        found.append((Reason.NON_JUDICIAL_INSTRUMENT,
                      f"in {country or 'this country'} a subpoena from {ins.issuer!r} "
                      "(not a court) is not recognised legal process"))
    return found


def _legal_process(req: DataRequest, policy: CheckPolicy) -> list[tuple[Reason, str]]:
    """Is this a written demand through established legal process, naming its official?"""
    found = instrument_problems(req.instrument, req.country, policy)
    if req.instrument.type is InstrumentType.NONE or any(
            r is Reason.NO_LEGAL_PROCESS for r, _ in found):
        return found
    ins = req.instrument
    if not (req.official.get("name") or "").strip():
        found.append((Reason.NO_LEGAL_PROCESS, "the demand names no authorised official"))
    if ins.type is InstrumentType.EMERGENCY:
        em = req.emergency
        if em is None or not em.threat_to_life or not em.description.strip():
            found.append((Reason.NO_EMERGENCY_BASIS,
                          "an emergency request must state a threat to life and describe it"))
    return found


def _period(req: DataRequest, policy: CheckPolicy, path: RequestPath
            ) -> tuple[Period, list[tuple[Reason, str]]]:
    received = req.received_at.date()
    if path is RequestPath.EMERGENCY:
        recent = Period(received - timedelta(days=policy.emergency_period_days), received)
        asked = req.period
        if asked and asked.start >= recent.start and asked.end <= recent.end:
            return asked, []
        return recent, [(Reason.NARROWED_PERIOD, "an emergency answer covers only the last "
                                                 f"{policy.emergency_period_days} days")]
    limit = policy.max_period_days
    if req.period is None:
        return Period(received - timedelta(days=limit), received), [(
            Reason.NARROWED_PERIOD, f"no period given: limited to the {limit} days before "
                                    "receipt")]
    if req.period.days > limit:
        end = req.period.end
        return Period(end - timedelta(days=limit), end), [(
            Reason.NARROWED_PERIOD, f"the period of {req.period.days} days is longer than "
                                    f"{limit}: narrowed to the last {limit} days of it")]
    return req.period, []


def check_request(req: DataRequest, targets: Sequence[TargetInfo],
                  policy: CheckPolicy | None = None) -> CheckReport:
    """Check one request against the policy; ``targets`` are its targets as resolved."""
    policy = policy or CheckPolicy()
    path = path_of(req)
    found = _legal_process(req, policy)
    refused = any(OUTCOME_OF[r] is Outcome.REFUSED for r, _ in found)

    allowed = policy.allowed.get(req.instrument.type, frozenset())
    categories = tuple(c for c in CATEGORY_ORDER if c in req.categories and c in allowed)
    dropped = [c.value for c in req.categories if c not in allowed]
    if dropped and not refused:
        found.append((Reason.NARROWED_CATEGORIES,
                      f"a {req.instrument.type.value.replace('_', ' ')} does not reach "
                      f"{', '.join(dropped)}"))
    period: Period | None = None
    if not refused:
        period, why = _period(req, policy, path)
        found += why

    results = []
    for t in targets:
        if t.account_id is None:
            results.append(TargetResult(t.ref, t.platform, None, Outcome.RETURNED,
                                        (Reason.UNKNOWN_TARGET,)))
            found.append((Reason.UNKNOWN_TARGET, f"no account {t.ref!r} on {t.platform!r}"))
        elif t.protection:
            results.append(TargetResult(t.ref, t.platform, t.account_id, Outcome.ESCALATED,
                                        (Reason.PROTECTED_TARGET,), t.protection))
            found.append((Reason.PROTECTED_TARGET,
                          f"{t.ref!r} is a protected account ({t.protection}): legal review "
                          "and a senior reviewer's confirmation"))
        else:
            results.append(TargetResult(t.ref, t.platform, t.account_id, Outcome.ACCEPTED))

    if len(req.targets) > policy.max_targets and not refused:
        found.append((Reason.DISPROPORTIONATE,
                      f"the request names {len(req.targets)} accounts; more than "
                      f"{policy.max_targets} at once is a bulk request: legal narrows it to at "
                      f"most {policy.max_targets} or records why each is necessary, and a "
                      "senior reviewer confirms"))

    nd_until: date | None = None
    if req.nondisclosure is not None:
        cap = nondisclosure_cap(req.received_at.date(), policy)
        asked = req.nondisclosure.until
        nd_until = cap if asked is None or asked > cap else asked
        if nd_until != asked and not refused:
            said = "names no end date" if asked is None else f"asks for silence until {asked}"
            found.append((Reason.NONDISCLOSURE_CAPPED,
                          f"the non-disclosure order {said}: honoured for at most "
                          f"{policy.max_nondisclosure_days} days (until {cap}), then the "
                          "user is told unless legal records a renewed order that extends it"))

    reasons = tuple(dict.fromkeys(r for r, _ in found))
    outcome = max((OUTCOME_OF[r] for r in reasons), key=SEVERITY.index,
                  default=Outcome.ACCEPTED)
    if not refused and not any(t.account_id for t in results):
        outcome = Outcome.RETURNED
        found.append((Reason.UNKNOWN_TARGET, "none of the targets is a known account"))
    protected = any(t.protection for t in results if t.account_id)
    return CheckReport(
        request_id=req.request_id, path=path, outcome=outcome, reasons=reasons,
        explanation=tuple(dict.fromkeys(w for _, w in found)), targets=tuple(results),
        categories=() if refused else categories, period=period,
        nondisclosure_until=nd_until, protected=protected)
