from datetime import UTC, datetime, timedelta

import pytest

from tarazu.domain.case import DueProcessError, Subject
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.policies import Action

T = datetime(2025, 7, 25, 10, 0, tzinfo=UTC)
REF = SubjectRef.account("x", "acc1")


def reported(protected: bool = False) -> Subject:
    s = Subject(REF, protected=protected)
    s.record(EventKind.REPORT, "system:referral-check", T, {"source": "government"})
    return s


def test_report_opens_a_case():
    s = reported()
    assert s.state.review_state == "open" and s.state.reports == 1
    assert "government" in s.state.sources


def test_decision_needs_reason_and_known_policy():
    s = reported()
    with pytest.raises(DueProcessError):
        s.decide(actor="rev1", at=T, action=Action.SUSPEND, policy="DOI-1", reason=" ")
    with pytest.raises(ValueError, match="unknown policy"):
        s.decide(actor="rev1", at=T, action=Action.SUSPEND, policy="anti-state", reason="r")


def test_suspend_applies_at_once_and_closes():
    s = reported()
    e = s.decide(actor="rev1", at=T, action=Action.SUSPEND, policy="DOI-1", reason="r",
                 extra={"until": "2025-08-01"})
    assert s.state.decision(e.event_id).status == "applied"
    assert s.state.enforcement == "suspend" and s.state.review_state == "closed"


def test_two_person_rule_for_termination():
    s = reported()
    e = s.decide(actor="rev1", at=T, action=Action.REMOVE, policy="DOI-1", reason="r")
    assert s.state.pending_decision is not None and s.state.enforcement is None
    with pytest.raises(DueProcessError, match="second reviewer"):
        s.confirm(actor="rev1", at=T, decision_id=e.event_id)
    s.confirm(actor="rev2", at=T, decision_id=e.event_id)
    assert s.state.enforcement == "remove"
    assert s.state.decision(e.event_id).confirmed_by == "rev2"


def test_protected_account_needs_senior_and_never_automated():
    s = reported(protected=True)
    with pytest.raises(DueProcessError, match="automatic"):
        s.decide(actor="system:mirrors", at=T, action=Action.SUSPEND, policy="EVA-1",
                 reason="r")
    with pytest.raises(DueProcessError, match="senior"):
        s.decide(actor="rev1", at=T, action=Action.LABEL, policy="DOI-1", reason="r")
    e = s.decide(actor="sen1", at=T, action=Action.LABEL, policy="DOI-1", reason="r",
                 actor_is_senior=True)
    assert s.state.decision(e.event_id).status == "pending"  # still two people
    with pytest.raises(DueProcessError, match="senior"):
        s.confirm(actor="rev2", at=T, decision_id=e.event_id)
    s.confirm(actor="sen2", at=T, decision_id=e.event_id, actor_is_senior=True)
    assert s.state.enforcement == "label"


def test_appeal_is_decided_by_someone_else_and_reversal_undoes():
    s = reported()
    e = s.decide(actor="rev1", at=T, action=Action.REMOVE, policy="DOI-1", reason="r")
    s.confirm(actor="rev2", at=T, decision_id=e.event_id)
    s.appeal(actor="user", at=T + timedelta(days=1), decision_id=e.event_id, statement="I am a "
             "journalist")
    assert s.state.appeal_open and s.state.review_state == "escalated"
    for who in ("rev1", "rev2"):
        with pytest.raises(DueProcessError, match="no part"):
            s.decide_appeal(actor=who, at=T, outcome="reversed", reason="x")
    s.decide_appeal(actor="rev3", at=T, outcome="reversed", reason="reporting, not support")
    assert s.state.enforcement is None
    assert s.state.decision(e.event_id).status == "reversed"


def test_only_an_applied_decision_can_be_appealed():
    s = reported()
    e = s.decide(actor="rev1", at=T, action=Action.REMOVE, policy="DOI-1", reason="r")
    with pytest.raises(DueProcessError):
        s.appeal(actor="user", at=T, decision_id=e.event_id, statement="s")
