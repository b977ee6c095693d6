"""The transparency figures of one reporting period, folded from the event log alone.

Each subject's events are replayed through the same case fold the review queue uses
(:func:`tarazu.domain.case.step`, :func:`tarazu.datarequests.case.fold`), so a figure here can
never disagree with what reviewers saw: an action counts when the fold says it was applied (at
once, or when a second reviewer confirmed it), not when it was proposed. An event counts in the
period it occurred in (UTC dates, both ends included)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from tarazu.datarequests.case import REFUSED_OR_RETURNED, RequestState
from tarazu.datarequests.case import fold as fold_request
from tarazu.datarequests.checks import Outcome
from tarazu.domain.case import AppealOutcome, CaseState, DecisionRecord, DecisionStatus, step
from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef, SubjectType
from tarazu.domain.policies import ENFORCING, POLICIES

FORMAT = "tarazu-transparency/1"
#: Where a case came from, in the order that names an action's source when several apply.
SOURCES = ("government", "trusted_flagger", "public", "automated", "own_initiative")
#: The detectors whose REPORT or MIRROR_FLAG events are automated detection.
MIRROR_DETECTOR = "mirrors"
HASH_DETECTOR = "hashmatch"
MIRROR_POLICY = "EVA-1"


@dataclass(frozen=True)
class Period:
    """A reporting period of whole UTC days, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def parse(cls, start: str, end: str) -> Period:
        def day(name: str, value: str) -> date:
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"--{name}: {value!r} is not a date (YYYY-MM-DD)") from None
        return cls(day("from", start), day("to", end))

    def contains(self, t: datetime) -> bool:
        return self.start <= t.astimezone(UTC).date() <= self.end

    @classmethod
    def quarter_of(cls, day: date) -> Period:
        """The calendar quarter that holds ``day``."""
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        after = (date(first.year + 1, 1, 1) if first.month == 10
                 else date(first.year, first.month + 3, 1))
        return cls(first, date.fromordinal(after.toordinal() - 1))

    @classmethod
    def parse_quarter(cls, name: str) -> Period:
        """``2025-Q2`` → 2025-04-01 to 2025-06-30."""
        year, _, q = name.strip().upper().partition("-Q")
        if not (year.isdigit() and len(year) == 4 and q in ("1", "2", "3", "4")):
            raise ValueError(f"quarter: {name!r} is not a quarter (YYYY-Qn, e.g. 2025-Q2)")
        return cls.quarter_of(date(int(year), 3 * int(q) - 2, 1))

    @property
    def quarter_name(self) -> str | None:
        """``2025-Q2`` when the period is one whole calendar quarter, else None."""
        if self != Period.quarter_of(self.start):
            return None
        return f"{self.start.year:04d}-Q{(self.start.month - 1) // 3 + 1}"

    def months(self) -> list[str]:
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _hours(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 3600


def _month(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m")


def _sorted(c: Mapping[str, int]) -> dict[str, int]:
    return dict(sorted(c.items()))


@dataclass
class _Tally:
    """Running counts of one period; :meth:`document` turns them into the published figures."""

    period: Period
    events_read: int = 0
    referral_requests: set[str] = field(default_factory=set)
    referrals: defaultdict[str, Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter))
    notices: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    actions: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    hours_to_action: defaultdict[str, list[float]] = field(
        default_factory=lambda: defaultdict(list))
    mirror: Counter[str] = field(default_factory=Counter)
    banks: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    public: Counter[str] = field(default_factory=Counter)
    public_by_category: Counter[str] = field(default_factory=Counter)
    appeals: Counter[str] = field(default_factory=Counter)
    appeal_days: list[float] = field(default_factory=list)
    requests: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    request_hours_to_decision: list[float] = field(default_factory=list)
    request_hours_to_disclosure: list[float] = field(default_factory=list)
    series: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    people: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    suspensions: Counter[str] = field(default_factory=Counter)
    cells: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    order_hours: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    request_country_hours: defaultdict[str, dict[str, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: {"decision": [], "disclosure": []}))


@dataclass
class _SubjectTrail:
    """What one case subject has shown so far, to attribute an action to its sources."""

    first_signal_at: datetime | None = None
    flagged: bool = False
    banks: set[str] = field(default_factory=set)
    public_reports: int = 0
    human_reviewed: bool = False
    referral_country: str = ""
    appeals: dict[str, datetime] = field(default_factory=dict)  # appeal event id -> filed at


def _primary_source(state: CaseState, trail: _SubjectTrail, d: DecisionRecord) -> str:
    if d.automated:
        return "automated"
    for s in SOURCES:
        if s in state.sources:
            return s
    return "automated" if trail.flagged or trail.banks else "own_initiative"


def _newly_applied(before: CaseState, after: CaseState) -> list[DecisionRecord]:
    was = {d.decision_id for d in before.decisions if d.status == DecisionStatus.APPLIED}
    return [d for d in after.decisions
            if d.status == DecisionStatus.APPLIED and d.decision_id not in was]


def _on_case_event(t: _Tally, e: ModerationEvent, before: CaseState, after: CaseState,
                   trail: _SubjectTrail) -> None:
    p, k, inside = e.payload, e.kind, t.period.contains(e.occurred_at)
    if k in (EventKind.REPORT, EventKind.MIRROR_FLAG, EventKind.REFERRAL_CHECKED) \
            and trail.first_signal_at is None:
        trail.first_signal_at = e.occurred_at
    if k is EventKind.MIRROR_FLAG:
        trail.flagged = True
        if inside:
            t.mirror["flags"] += 1
            t.series[_month(e.occurred_at)]["mirror_flags"] += 1
    elif k is EventKind.REPORT and not p.get("set_aside") and p.get("detector") == HASH_DETECTOR:
        trail.banks.add(str(p.get("bank", "unnamed")))
    if k is EventKind.REPORT and inside:
        _on_report(t, e, trail)
    elif k is EventKind.REFERRAL_CHECKED:
        trail.referral_country = str(p.get("country") or "unrecorded").upper()
        if inside:
            _on_referral_item(t, e)
    elif k in (EventKind.DECISION, EventKind.CONFIRM, EventKind.APPEAL_DECISION) and inside \
            and not e.automated:
        t.people["reviewers"].add(e.actor)
    if k in (EventKind.DECISION, EventKind.CONFIRM):
        for d in _newly_applied(before, after):
            _on_applied(t, e, d, after, trail)
    elif k is EventKind.APPEAL:
        trail.appeals[e.event_id] = e.occurred_at
        if inside:
            t.appeals["filed"] += 1
            t.series[_month(e.occurred_at)]["appeals_filed"] += 1
    elif k is EventKind.APPEAL_DECISION and inside:
        _on_appeal_decision(t, e, before, trail)
    elif k is EventKind.REVERSAL and inside:
        t.appeals["reversals_relying_on_reversed" if p.get("reversed_decision")
                  else "reversals_other"] += 1
    elif k is EventKind.EXPIRY and inside:
        t.actions["ended"]["timed_action_expired"] += 1
    elif k is EventKind.MUTE_REPORTER and inside:
        t.suspensions["manifestly_unfounded_notices"] += 1


def _on_report(t: _Tally, e: ModerationEvent, trail: _SubjectTrail) -> None:
    p = e.payload
    source = str(p.get("source", "public"))
    t.notices["by_source"][source] += 1
    t.series[_month(e.occurred_at)][f"notices_{source}"] += 1
    if p.get("detector") == HASH_DETECTOR:
        t.banks[str(p.get("bank", "unnamed"))]["matches"] += 1
    if source != "public":
        return
    trail.public_reports += 1
    t.public["received"] += 1
    t.public_by_category[str(p.get("category", "unspecified"))] += 1
    if p.get("set_aside"):
        t.public["set_aside_" + str(p.get("set_aside_reason", "other"))] += 1
    elif p.get("held"):
        t.public["held_for_corroboration"] += 1
    else:
        t.public["counted"] += 1


def _on_referral_item(t: _Tally, e: ModerationEvent) -> None:
    p = e.payload
    referral_id = str(p.get("referral_id", ""))
    t.referral_requests.add(referral_id.split("#", 1)[0])
    r = t.referrals
    r["totals"]["items"] += 1
    r["by_source"][str(p.get("source") or "unrecorded")] += 1
    country = str(p.get("country") or "unrecorded").upper()
    r["by_country"][country] += 1
    if p.get("source") == "government":
        r["government_orders_by_country"][country] += 1
    r["by_agency"][str(p.get("agency") or "unrecorded")] += 1
    r["by_law"][str(p.get("legal_basis") or "none cited")] += 1
    r["by_designation"][str(p.get("designation") or "none")] += 1
    r["by_outcome"][str(p.get("outcome", "unknown"))] += 1
    for reason in p.get("reasons") or ():
        r["by_reason"][str(reason)] += 1
    t.series[_month(e.occurred_at)]["referral_items"] += 1


def _on_applied(t: _Tally, e: ModerationEvent, d: DecisionRecord, state: CaseState,
                trail: _SubjectTrail) -> None:
    human = not d.automated
    if human and trail.flagged and not trail.human_reviewed and t.period.contains(e.occurred_at):
        t.mirror["reviewed"] += 1
        t.mirror["confirmed"] += d.action in ENFORCING and d.policy == MIRROR_POLICY
    if human and t.period.contains(e.occurred_at):
        for bank in trail.banks if not trail.human_reviewed else ():
            t.banks[bank]["reviewed"] += 1
            t.banks[bank]["confirmed"] += d.action in ENFORCING
    trail.human_reviewed = trail.human_reviewed or human
    if not t.period.contains(e.occurred_at):
        return
    if d.action not in ENFORCING:
        t.actions["totals"]["decided_without_action"] += 1
        return
    source = _primary_source(state, trail, d)
    a = t.actions
    a["totals"]["total"] += 1
    a["totals"]["automated"] += d.automated
    a["by_type"][d.action.value] += 1
    a["by_policy"][d.policy or "none"] += 1
    a["by_detection_source"][source] += 1
    a["by_territorial_scope"][d.country.upper() if d.country else "worldwide"] += 1
    a["by_subject_type"][state.subject.type.value] += 1
    category = POLICIES[d.policy].dsa_category if d.policy in POLICIES else "unmapped"
    a["by_dsa_category"][category] += 1
    t.cells[(category, d.action.value, source, "automated" if d.automated else "human")] += 1
    if d.automated and trail.flagged:
        t.mirror["auto_actioned"] += 1
    if source == "public" and trail.public_reports:
        t.public["led_to_action"] += 1
    if trail.first_signal_at is not None:
        hours = _hours(trail.first_signal_at, e.occurred_at)
        t.hours_to_action[source].append(hours)
        if source == "government":
            t.order_hours[trail.referral_country or "unrecorded"].append(hours)
    t.series[_month(e.occurred_at)]["actions"] += 1


def _on_appeal_decision(t: _Tally, e: ModerationEvent, before: CaseState,
                        trail: _SubjectTrail) -> None:
    outcome = str(e.payload.get("outcome", "unknown"))
    t.appeals["decided"] += 1
    t.appeals[outcome] += 1
    filed = trail.appeals.get(before.appeal_open or "")
    if filed is not None:
        t.appeal_days.append(_hours(filed, e.occurred_at) / 24)
    if outcome == AppealOutcome.REVERSED:
        appealed = before.decision(before.appealed_decision or "")
        if trail.flagged and appealed is not None and appealed.policy == MIRROR_POLICY:
            t.mirror["reversed_on_appeal"] += 1
        for bank in trail.banks:
            t.banks[bank]["reversed_on_appeal"] += 1


def _on_request(t: _Tally, events: list[ModerationEvent], s: RequestState) -> None:
    received = next((e for e in events if e.kind is EventKind.DATA_REQUEST), None)
    if received is None or not t.period.contains(received.occurred_at):
        return
    r = t.requests
    instrument = (s.instrument or {}).get("type") or "none"
    r["totals"]["received"] += 1
    r["by_path"][s.path.value if s.path else "unknown"] += 1
    r["by_instrument"][str(instrument)] += 1
    r["by_country"][s.country.upper() or "unrecorded"] += 1
    r["by_status"][s.status] += 1
    r["totals"]["accounts_named"] += s.targets_named
    r["by_check_outcome"][s.outcome.value if s.outcome else "unknown"] += 1
    narrowed = s.outcome is Outcome.NARROWED or (
        s.scope is not None and s.checked is not None
        and (len(s.scope.targets) < len(s.checked.targets)
             or len(s.scope.categories) < len(s.checked.categories)))
    r["totals"]["narrowed"] += bool(narrowed)
    r["totals"]["data_produced"] += s.produced
    r["totals"]["user_notified"] += s.notice_sent_at is not None
    r["totals"]["under_nondisclosure"] += s.nondisclosure_until is not None
    r["totals"]["refused_or_returned"] += s.status in REFUSED_OR_RETURNED
    by_country = t.request_country_hours[s.country.upper() or "unrecorded"]
    decided = next((e for e in events if e.kind is EventKind.LEGAL_DECISION), None)
    if decided is not None:
        hours = _hours(received.occurred_at, decided.occurred_at)
        t.request_hours_to_decision.append(hours)
        by_country["decision"].append(hours)
    if s.disclosed_at is not None:
        hours = _hours(received.occurred_at, s.disclosed_at)
        t.request_hours_to_disclosure.append(hours)
        by_country["disclosure"].append(hours)
    t.series[_month(received.occurred_at)]["data_requests"] += 1


def _fold_subject(t: _Tally, ref: SubjectRef, events: list[ModerationEvent]) -> None:
    if ref.type is SubjectType.DATA_REQUEST:
        _on_request(t, events, fold_request(ref.id, events))
        return
    state, trail = CaseState(ref), _SubjectTrail()
    for e in events:
        after = step(state, e)
        _on_case_event(t, e, state, after, trail)
        state = after


def compute(events: Iterable[ModerationEvent], period: Period,
            provenance: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The figures of ``period`` from the whole log (events before the period are read too:
    an appeal decided in the period may concern a decision taken before it)."""
    t = _Tally(period)
    by_subject: dict[SubjectRef, list[ModerationEvent]] = defaultdict(list)
    for e in events:
        t.events_read += 1
        by_subject[e.subject].append(e)
    for ref, evs in by_subject.items():
        _fold_subject(t, ref, evs)
    return _document(t, provenance or {})


def _document(t: _Tally, provenance: Mapping[str, Any]) -> dict[str, Any]:
    reviewed, confirmed = t.mirror["reviewed"], t.mirror["confirmed"]
    banks = {name: {**_sorted(c), "confirmed_precision":
                    round(c["confirmed"] / c["reviewed"], 4) if c["reviewed"] else None}
             for name, c in sorted(t.banks.items())}
    months = t.period.months()
    return {
        "format": FORMAT,
        "period": {"from": t.period.start.isoformat(), "to": t.period.end.isoformat()},
        "source": {"events_read": t.events_read, **provenance},
        "referrals": {
            "requests": len(t.referral_requests),
            "items": t.referrals["totals"]["items"],
            **{k: _sorted(v) for k, v in sorted(t.referrals.items()) if k != "totals"}},
        "notices": {"by_source": {s: t.notices["by_source"][s] for s in SOURCES
                                  if s != "own_initiative"}},
        "actions": {
            "total": t.actions["totals"]["total"],
            "automated": t.actions["totals"]["automated"],
            "decided_without_action": t.actions["totals"]["decided_without_action"],
            "timed_actions_ended": t.actions["ended"]["timed_action_expired"],
            **{k: _sorted(v) for k, v in sorted(t.actions.items())
               if k not in ("totals", "ended")},
            "cells": [{"dsa_category": c, "action": a, "source": src, "means": m, "count": n}
                      for (c, a, src, m), n in sorted(t.cells.items())]},
        "mirror_detection": {
            "flags": t.mirror["flags"], "auto_actioned": t.mirror["auto_actioned"],
            "reviewed": reviewed, "confirmed_by_reviewers": confirmed,
            "measured_precision": round(confirmed / reviewed, 4) if reviewed else None,
            "reversed_on_appeal": t.mirror["reversed_on_appeal"]},
        "hash_matches": {"by_bank": banks},
        "public_reports": {
            "received": t.public["received"], "counted": t.public["counted"],
            "held_for_corroboration": t.public["held_for_corroboration"],
            "set_aside": {k.removeprefix("set_aside_"): v for k, v in sorted(t.public.items())
                          if k.startswith("set_aside_")},
            "led_to_action": t.public["led_to_action"],
            "by_category": _sorted(t.public_by_category)},
        "appeals": {
            "filed": t.appeals["filed"], "decided": t.appeals["decided"],
            "upheld": t.appeals["upheld"], "reversed": t.appeals["reversed"],
            "modified": t.appeals["modified"],
            "median_days_to_decision": _median(t.appeal_days),
            "reversals_relying_on_reversed": t.appeals["reversals_relying_on_reversed"]},
        "suspensions_art23": {"manifestly_unfounded_notices":
                              t.suspensions["manifestly_unfounded_notices"]},
        "data_requests": {
            **{k: t.requests["totals"][k] for k in (
                "received", "accounts_named", "narrowed", "refused_or_returned",
                "data_produced", "user_notified", "under_nondisclosure")},
            "median_hours_to_legal_decision": _median(t.request_hours_to_decision),
            "median_hours_to_disclosure": _median(t.request_hours_to_disclosure),
            **{k: _sorted(v) for k, v in sorted(t.requests.items()) if k != "totals"}},
        "times": {"median_hours_to_action_by_source": {
            s: _median(v) for s, v in sorted(t.hours_to_action.items())},
            "median_hours_to_action_on_government_orders_by_country": {
                c: _median(v) for c, v in sorted(t.order_hours.items())},
            "median_hours_on_data_requests_by_country": {
                c: {"to_legal_decision": _median(v["decision"]),
                    "to_disclosure": _median(v["disclosure"])}
                for c, v in sorted(t.request_country_hours.items())}},
        "people": {"reviewers_who_decided": len(t.people["reviewers"])},
        "series": {"months": months,
                   **{name: [t.series[m][name] for m in months] for name in (
                       "actions", "referral_items", "notices_public", "mirror_flags",
                       "appeals_filed", "data_requests")}},
    }
