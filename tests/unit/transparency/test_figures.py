"""The transparency figures against generated logs whose true counts are known.

A seeded generator writes a log through the domain aggregate (so the two-person rule, appeals
and expiry behave as in production), keeping its own tally of what it did; the fold must find
exactly that tally, whatever the seed. Events outside the period are generated on purpose."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest

from tarazu.domain.case import Subject
from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef, SubjectType
from tarazu.domain.policies import Action
from tarazu.transparency import Period, band_report, compute

PERIOD = Period(date(2026, 1, 1), date(2026, 3, 31))
INSIDE = datetime(2026, 1, 5, 9, tzinfo=UTC)
BEFORE = datetime(2025, 12, 1, 9, tzinfo=UTC)
AFTER = datetime(2026, 4, 2, 9, tzinfo=UTC)


@dataclass
class Truth:
    actions: Counter = field(default_factory=Counter)
    by_type: Counter = field(default_factory=Counter)
    by_source: Counter = field(default_factory=Counter)
    referral_outcomes: Counter = field(default_factory=Counter)
    referral_countries: Counter = field(default_factory=Counter)
    notices: Counter = field(default_factory=Counter)
    mirror: Counter = field(default_factory=Counter)
    bank: Counter = field(default_factory=Counter)
    public: Counter = field(default_factory=Counter)
    appeals: Counter = field(default_factory=Counter)
    requests: Counter = field(default_factory=Counter)
    months: Counter = field(default_factory=Counter)


def _when(rng: random.Random) -> tuple[datetime, bool]:
    r = rng.random()
    if r < 0.15:
        return BEFORE + timedelta(hours=rng.randrange(48)), False
    if r < 0.25:
        return AFTER + timedelta(hours=rng.randrange(48)), False
    return INSIDE + timedelta(days=rng.randrange(80), hours=rng.randrange(24)), True


def _decide(s: Subject, truth: Truth, rng: random.Random, at: datetime, inside: bool,
            source: str, *, automated: bool = False, policy: str = "DOI-1") -> str | None:
    """Take a decision (confirmed by a second reviewer when it needs one) and count it."""
    if automated:
        action = Action.SUSPEND
        e = s.decide(actor="system:mirrors", at=at, action=action, policy="EVA-1",
                     reason="mirror", extra={"until": (at + timedelta(days=7)).isoformat()})
    else:
        action = rng.choice([Action.REMOVE, Action.LABEL, Action.NO_ACTION])
        e = s.decide(actor="rev1", at=at, action=action, policy=policy, reason="notes")
        if action is Action.REMOVE:
            s.confirm(actor="rev2", at=at + timedelta(minutes=5), decision_id=e.event_id)
    if inside and action is not Action.NO_ACTION:
        truth.actions["total"] += 1
        truth.actions["automated"] += automated
        truth.by_type[action.value] += 1
        truth.by_source[source] += 1
        truth.months[at.strftime("%Y-%m")] += 1
    return e.event_id if action is not Action.NO_ACTION else None


def _maybe_appeal(s: Subject, truth: Truth, rng: random.Random, decision_id: str | None,
                  at: datetime, inside: bool) -> None:
    if decision_id is None or rng.random() < 0.5:
        return
    s.appeal(actor="user", at=at + timedelta(hours=1), decision_id=decision_id, statement="no")
    outcome = rng.choice(["upheld", "reversed"])
    s.decide_appeal(actor="senior9", at=at + timedelta(days=2, hours=1), outcome=outcome,
                    reason="looked again")
    if inside:  # the generator keeps the appeal inside the period when the decision is
        truth.appeals["filed"] += 1
        truth.appeals["decided"] += 1
        truth.appeals[outcome] += 1


def _government(i: int, rng: random.Random, truth: Truth) -> list[ModerationEvent]:
    at, inside = _when(rng)
    s = Subject(SubjectRef.account("x", f"gov{i}"))
    outcome = rng.choice(["accepted", "refused", "returned"])
    country = rng.choice(["PK", "AF"])
    s.record(EventKind.REFERRAL_CHECKED, "system:referral-check", at, {
        "referral_id": f"REQ-{i % 3}#{i}", "outcome": outcome, "reasons": [],
        "designation": None, "legal_basis": "", "instrument": None, "duplicate_of": None,
        "explanation": [], "source": "government", "country": country, "agency": "Ministry"})
    if inside:
        truth.referral_outcomes[outcome] += 1
        truth.referral_countries[country] += 1
    if outcome == "accepted":
        s.record(EventKind.REPORT, "system:referral-check", at, {"source": "government"})
        truth.notices["government"] += inside
        d = _decide(s, truth, rng, at + timedelta(hours=3), inside, "government")
        _maybe_appeal(s, truth, rng, d, at + timedelta(hours=3), inside)
    return s.history


def _mirror(i: int, rng: random.Random, truth: Truth) -> list[ModerationEvent]:
    at, inside = _when(rng)
    s = Subject(SubjectRef.account("x", f"mir{i}"))
    s.record(EventKind.MIRROR_FLAG, "system:mirrors", at, {"removed_account": "x:r",
                                                          "probability": 0.9})
    truth.mirror["flags"] += inside
    if rng.random() < 0.4:
        _decide(s, truth, rng, at, inside, "automated", automated=True)
        truth.mirror["auto_actioned"] += inside
        return s.history
    action = rng.choice([Action.REMOVE, Action.NO_ACTION])
    e = s.decide(actor="rev1", at=at + timedelta(hours=1), action=action, policy="EVA-1",
                 reason="compared")
    if action is Action.REMOVE:
        s.confirm(actor="rev2", at=at + timedelta(hours=2), decision_id=e.event_id)
        truth.actions["total"] += inside
        truth.by_type["remove"] += inside
        truth.by_source["automated"] += inside
        truth.months[at.strftime("%Y-%m")] += inside
    truth.mirror["reviewed"] += inside
    truth.mirror["confirmed"] += inside and action is Action.REMOVE
    return s.history


def _hash(i: int, rng: random.Random, truth: Truth) -> list[ModerationEvent]:
    at, inside = _when(rng)
    s = Subject(SubjectRef.post("x", f"p{i}"))
    bank = rng.choice(["tarazu-ttp-media", "tarazu-iskp-media"])
    s.record(EventKind.REPORT, "system:hashmatch", at, {
        "source": "automated", "detector": "hashmatch", "bank": bank})
    truth.notices["automated"] += inside
    truth.bank[bank, "matches"] += inside
    action = rng.choice([Action.LABEL, Action.NO_ACTION])
    s.decide(actor="rev1", at=at + timedelta(hours=1), action=action, policy="DOI-1",
             reason="checked")
    truth.bank[bank, "reviewed"] += inside
    truth.bank[bank, "confirmed"] += inside and action is Action.LABEL
    if action is Action.LABEL and inside:
        truth.actions["total"] += 1
        truth.by_type["label"] += 1
        truth.by_source["automated"] += 1
        truth.months[at.strftime("%Y-%m")] += 1
    return s.history


def _public(i: int, rng: random.Random, truth: Truth) -> list[ModerationEvent]:
    at, inside = _when(rng)
    s = Subject(SubjectRef.account("x", f"pub{i}"))
    set_aside = rng.random() < 0.3
    payload = {"source": "public", "category": rng.choice(["terrorism", "violence"])}
    if set_aside:
        payload |= {"set_aside": True, "set_aside_reason": "coordinated_campaign"}
    s.record(EventKind.REPORT, "system:reports", at, payload)
    truth.notices["public"] += inside
    truth.public["received"] += inside
    truth.public["set_aside"] += inside and set_aside
    if not set_aside and rng.random() < 0.5:
        d = _decide(s, truth, rng, at + timedelta(hours=5), inside, "public")
        truth.public["led_to_action"] += inside and d is not None
    return s.history


def _request(i: int, rng: random.Random, truth: Truth) -> list[ModerationEvent]:
    at, inside = _when(rng)
    ref = SubjectRef(SubjectType.DATA_REQUEST, f"DR-{i}")
    path = rng.choice(["disclosure", "emergency", "preservation"])
    outcome = rng.choice(["accepted", "narrowed", "refused"])
    targets = [{"ref": f"@t{j}", "platform": "x", "account_id": f"t{j}", "outcome": "accepted",
                "reasons": [], "protection": None} for j in range(rng.randint(1, 3))]
    events = [ModerationEvent(EventKind.DATA_REQUEST, ref, "system:datarequest-check", at, {
        "request": {"country": "PK", "agency": "FIA", "instrument": {"type": "court_order"}},
        "checks": {"path": path, "outcome": outcome, "reasons": [], "explanation": [],
                   "targets": targets, "categories": ["subscriber"], "period": None,
                   "nondisclosure_until": None},
        "received_at": at.isoformat()})]
    truth.requests["received"] += inside
    truth.requests[path] += inside
    truth.requests["narrowed"] += inside and outcome == "narrowed"
    if outcome != "refused" and rng.random() < 0.5:
        events.append(ModerationEvent(EventKind.LEGAL_DECISION, ref, "legal1",
                                      at + timedelta(hours=6), {
            "decision": "refuse", "reason": "not proportionate"}))
    return events


GENERATORS = (_government, _mirror, _hash, _public, _request)


def _scenario(seed: int) -> tuple[list[ModerationEvent], Truth]:
    rng, truth, events = random.Random(seed), Truth(), []
    for i in range(rng.randint(60, 120)):
        events += rng.choice(GENERATORS)(i, rng, truth)
    # Interleave the subjects as a log would (a stable sort keeps each subject's own order).
    events.sort(key=lambda e: e.occurred_at)
    return events, truth


@pytest.mark.parametrize("seed", range(8))
def test_every_family_counts_what_the_generator_did(seed):
    events, truth = _scenario(seed)
    doc = compute(events, PERIOD)
    a = doc["actions"]
    assert a["total"] == truth.actions["total"]
    assert a["automated"] == truth.actions["automated"]
    assert a["by_type"] == {k: v for k, v in truth.by_type.items() if v}
    assert a["by_detection_source"] == {k: v for k, v in truth.by_source.items() if v}
    assert doc["referrals"]["by_outcome"] == {k: v for k, v in truth.referral_outcomes.items()
                                              if v}
    assert doc["referrals"]["government_orders_by_country"] == dict(
        sorted((k, v) for k, v in truth.referral_countries.items() if v))
    assert doc["referrals"]["items"] == sum(truth.referral_outcomes.values())
    for source in ("government", "public", "automated"):
        assert doc["notices"]["by_source"][source] == truth.notices[source]
    m = doc["mirror_detection"]
    assert (m["flags"], m["auto_actioned"], m["reviewed"], m["confirmed_by_reviewers"]) == (
        truth.mirror["flags"], truth.mirror["auto_actioned"], truth.mirror["reviewed"],
        truth.mirror["confirmed"])
    for bank, b in doc["hash_matches"]["by_bank"].items():
        assert b["matches"] == truth.bank[bank, "matches"]
        assert b["reviewed"] == truth.bank[bank, "reviewed"]
        assert b["confirmed"] == truth.bank[bank, "confirmed"]
    p = doc["public_reports"]
    assert p["received"] == truth.public["received"]
    assert sum(p["set_aside"].values()) == truth.public["set_aside"]
    assert p["led_to_action"] == truth.public["led_to_action"]
    ap = doc["appeals"]
    assert (ap["filed"], ap["decided"], ap["upheld"], ap["reversed"]) == (
        truth.appeals["filed"], truth.appeals["decided"], truth.appeals["upheld"],
        truth.appeals["reversed"])
    dr = doc["data_requests"]
    assert dr["received"] == truth.requests["received"]
    assert dr["narrowed"] == truth.requests["narrowed"]
    assert dr.get("by_path", {}) == {k: truth.requests[k] for k in
                                     ("disclosure", "emergency", "preservation")
                                     if truth.requests[k]}
    assert doc["series"]["months"] == ["2026-01", "2026-02", "2026-03"]
    assert doc["series"]["actions"] == [truth.months[m] for m in doc["series"]["months"]]


def test_a_pending_removal_is_not_an_action_until_confirmed():
    s = Subject(SubjectRef.account("x", "a"))
    s.record(EventKind.REPORT, "system:referral-check", INSIDE, {"source": "government"})
    e = s.decide(actor="rev1", at=INSIDE, action=Action.REMOVE, policy="DOI-1", reason="r")
    assert compute(s.history, PERIOD)["actions"]["total"] == 0
    s.confirm(actor="rev2", at=AFTER, decision_id=e.event_id)  # confirmed after the period
    assert compute(s.history, PERIOD)["actions"]["total"] == 0
    later = Period(date(2026, 4, 1), date(2026, 4, 30))
    assert compute(s.history, later)["actions"]["by_type"] == {"remove": 1}
    assert compute(s.history, later)["times"]["median_hours_to_action_by_source"] == {
        "government": (AFTER - INSIDE).total_seconds() / 3600}


def test_small_counts_are_banded_and_totals_stay_exact():
    events, _ = _scenario(3)
    doc = compute(events, PERIOD)
    banded = band_report(doc)
    assert banded["actions"] == doc["actions"]  # actions are not about one person
    assert banded["data_requests"]["received"] == doc["data_requests"]["received"]
    assert doc["data_requests"]["by_path"]  # the loop below has something to check
    for k, v in doc["data_requests"]["by_path"].items():
        assert banded["data_requests"]["by_path"][k] == ("1–9" if 0 < v < 10 else v)
    assert banded["appeals"]["filed"] == doc["appeals"]["filed"]
    for exact, shown in zip(doc["series"]["data_requests"], banded["series"]["data_requests"],
                            strict=True):  # monthly counts are banded too
        assert shown == ("1–9" if 0 < exact < 10 else exact)
    assert doc.get("banding") is None and banded["banding"]["band"] == "1–9"


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends"):
        Period.parse("2026-02-01", "2026-01-01")
    with pytest.raises(ValueError, match="--from"):
        Period.parse("January", "2026-01-01")
