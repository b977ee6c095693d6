"""The aggregate's new rules: timed actions need an end and expire only after it; escalated
cases go to seniors; reversals by reliance re-open the case and drop the withdrawn candidate."""

from datetime import UTC, datetime, timedelta

import pytest

from tarazu.domain.case import DueProcessError, Subject, parse_until
from tarazu.domain.events import EventKind, ReversalCause, SubjectRef
from tarazu.domain.policies import Action

T = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)


def opened():
    s = Subject(SubjectRef.account("x", "m1"))
    s.record(EventKind.MIRROR_FLAG, "system:mirrors", T,
             {"removed_account": "x:orig", "probability": 0.95})
    return s


def test_suspension_needs_a_future_end_and_restriction_a_country():
    s = opened()
    with pytest.raises(DueProcessError, match="end date"):
        s.decide(actor="r", at=T, action=Action.SUSPEND, policy="EVA-1", reason="r")
    with pytest.raises(DueProcessError, match="after it starts"):
        s.decide(actor="r", at=T, action=Action.SUSPEND, policy="EVA-1", reason="r",
                 extra={"until": "2025-07-01"})
    with pytest.raises(DueProcessError, match="country"):
        s.decide(actor="r", at=T, action=Action.RESTRICT_COUNTRY, policy="LOC-1", reason="r")
    with pytest.raises(DueProcessError, match="not a date"):
        parse_until("next week")
    assert parse_until("2025-08-01") == datetime(2025, 8, 1, tzinfo=UTC)


def test_expiry_only_after_the_end():
    s = opened()
    e = s.decide(actor="r", at=T, action=Action.SUSPEND, policy="EVA-1", reason="r",
                 extra={"until": "2025-07-27T00:00:00Z"})
    with pytest.raises(DueProcessError, match="not reached"):
        s.expire(at=T + timedelta(hours=1), decision_id=e.event_id)
    s.expire(at=T + timedelta(days=2), decision_id=e.event_id)
    assert s.state.enforcement is None and s.state.decision(e.event_id).status == "expired"
    with pytest.raises(DueProcessError):
        s.expire(at=T + timedelta(days=3), decision_id=e.event_id)


def test_escalated_cases_are_decided_by_seniors():
    s = opened()
    s.escalate(actor="r", at=T, reason="looks like a journalist")
    with pytest.raises(DueProcessError, match="senior"):
        s.decide(actor="r", at=T, action=Action.LABEL, policy="DOI-1", reason="r")
    s.decide(actor="r", at=T, action=Action.NO_ACTION, policy="", reason="not a mirror")
    s2 = opened()
    s2.escalate(actor="r", at=T, reason="x")
    s2.decide(actor="sen", at=T, action=Action.LABEL, policy="DOI-1", reason="r",
              actor_is_senior=True)
    assert s2.state.enforcement == "label"


def test_reversal_by_reliance_reopens_and_forgets_the_candidate():
    s = opened()
    e = s.decide(actor="system:mirrors", at=T, action=Action.SUSPEND, policy="EVA-1",
                 reason="mirror", extra={"until": "2025-08-20"})
    assert s.state.review_state == "closed"
    s.reverse(actor="system:appeals", at=T + timedelta(days=3), decision_id=e.event_id,
              reason="relied on a reversed decision",
              cause=ReversalCause.RELIED_ON_REVERSED, reopen=True,
              extra={"withdrawn_candidate": "x:orig"})
    assert s.state.review_state == "open" and s.state.enforcement is None
    assert s.state.mirror_candidates == ()
    assert s.state.opened_at == T + timedelta(days=3)  # its due date runs anew
    with pytest.raises(DueProcessError, match="applied or pending"):
        s.reverse(actor="x", at=T, decision_id=e.event_id, reason="again",
                  cause=ReversalCause.RELIED_ON_REVERSED)


def test_assignment_only_for_cases_under_review():
    s = opened()
    s.assign(actor="r", at=T, assignee="r")
    assert s.state.assigned_to == "r"
    s.decide(actor="r", at=T, action=Action.NO_ACTION, policy="", reason="fine")
    with pytest.raises(DueProcessError, match="under review"):
        s.assign(actor="r", at=T, assignee="r2")
    s.assign(actor="r", at=T, assignee=None)  # giving a case back is always possible
