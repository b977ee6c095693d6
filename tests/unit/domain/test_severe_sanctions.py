"""No severe sanction rests on one person, and an appeal never makes a sanction harsher: the
severity order, the two-person rule for long suspensions, the cap on suspensions, pending
proposals that a later decision may not replace, and lesser-only modifications on appeal."""

from datetime import UTC, datetime, timedelta

import pytest

from tarazu.domain.case import DueProcessError, Subject
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.policies import (
    MAX_SUSPENSION,
    ONE_PERSON_SUSPENSION,
    Action,
    Sanction,
    is_severe,
)

T = datetime(2025, 7, 25, 10, 0, tzinfo=UTC)
REF = SubjectRef.account("x", "acc1")


def reported() -> Subject:
    s = Subject(REF)
    s.record(EventKind.REPORT, "system:referral-check", T, {"source": "government"})
    return s


def day(n: int) -> str:
    return (T + timedelta(days=n)).date().isoformat()


def suspend(s: Subject, until: str, actor: str = "rev1"):
    return s.decide(actor=actor, at=T, action=Action.SUSPEND, policy="DOI-1", reason="r",
                    extra={"until": until})


def test_severity_order_is_one_list_and_later_ends_are_harsher():
    end = T + timedelta(days=10)
    order = [Sanction(Action.NO_ACTION), Sanction(Action.LABEL),
             Sanction(Action.RESTRICT_COUNTRY), Sanction(Action.SUSPEND, end),
             Sanction(Action.SUSPEND, end + timedelta(days=1)), Sanction(Action.SUSPEND, None),
             Sanction(Action.REMOVE)]
    for lesser, harsher in zip(order, order[1:], strict=False):
        assert lesser.lesser_than(harsher) and not harsher.lesser_than(lesser)
    assert not Sanction(Action.SUSPEND, end).lesser_than(Sanction(Action.SUSPEND, end))
    assert is_severe(Action.REMOVE, T)
    assert is_severe(Action.SUSPEND, T, None)  # open-ended
    assert is_severe(Action.SUSPEND, T, T + ONE_PERSON_SUSPENSION + timedelta(seconds=1))
    assert not is_severe(Action.SUSPEND, T, T + ONE_PERSON_SUSPENSION)
    assert not is_severe(Action.LABEL, T)


def test_a_suspension_of_up_to_30_days_applies_at_once():
    s = reported()
    e = suspend(s, day(30))
    assert s.state.decision(e.event_id).status == "applied"


def test_a_longer_suspension_needs_a_second_reviewer():
    s = reported()
    e = suspend(s, day(90))
    d = s.state.decision(e.event_id)
    assert d.status == "pending" and d.needs_confirmation and s.state.enforcement is None
    with pytest.raises(DueProcessError, match="second reviewer"):
        s.confirm(actor="rev1", at=T, decision_id=e.event_id)
    s.confirm(actor="rev2", at=T, decision_id=e.event_id)
    assert s.state.enforcement == "suspend"


@pytest.mark.parametrize("until", ["9999-12-31", day(MAX_SUSPENSION.days + 1)])
def test_no_suspension_is_longer_than_the_maximum(until):
    s = reported()
    with pytest.raises(DueProcessError, match=f"at most {MAX_SUSPENSION.days} days"):
        suspend(s, until)
    assert s.state.decisions == ()


def test_a_pending_proposal_is_never_silently_replaced():
    s = reported()
    removal = s.decide(actor="rev1", at=T, action=Action.REMOVE, policy="DOI-1", reason="r")
    for actor in ("rev1", "rev2"):
        with pytest.raises(DueProcessError, match="awaits a second reviewer"):
            suspend(s, day(7), actor=actor)
        with pytest.raises(DueProcessError, match="awaits a second reviewer"):
            s.decide(actor=actor, at=T, action=Action.NO_ACTION, policy="", reason="r")
    assert s.state.decision(removal.event_id).status == "pending"


def test_withdrawing_a_proposal_is_recorded_and_only_by_its_proposer_or_a_senior():
    s = reported()
    removal = s.decide(actor="rev1", at=T, action=Action.REMOVE, policy="DOI-1", reason="r")
    with pytest.raises(DueProcessError, match="reviewer who made it"):
        s.withdraw(actor="rev2", at=T, decision_id=removal.event_id, reason="mine now")
    with pytest.raises(DueProcessError, match="reason"):
        s.withdraw(actor="rev1", at=T, decision_id=removal.event_id, reason=" ")
    w = s.withdraw(actor="rev1", at=T, decision_id=removal.event_id,
                   reason="a suspension is enough")
    assert w.kind is EventKind.WITHDRAW_DECISION and w.payload["reason"]
    assert s.state.decision(removal.event_id).status == "withdrawn"
    e = suspend(s, day(7))
    assert s.state.decision(e.event_id).status == "applied"
    other = reported()
    p = other.decide(actor="rev1", at=T, action=Action.REMOVE, policy="DOI-1", reason="r")
    other.withdraw(actor="sen1", at=T, decision_id=p.event_id, reason="wrong account",
                   actor_is_senior=True)
    assert other.state.pending_decision is None


def _appealed(action: Action, until: str | None = None) -> Subject:
    s = reported()
    e = s.decide(actor="rev1", at=T, action=action, policy="DOI-1", reason="r",
                 extra={"until": until} if until else None)
    if s.state.decision(e.event_id).status == "pending":
        s.confirm(actor="rev2", at=T, decision_id=e.event_id)
    s.appeal(actor="appellant", at=T, decision_id=e.event_id, statement="no")
    return s


@pytest.mark.parametrize("contested, replacement", [
    ((Action.LABEL, None), Sanction(Action.SUSPEND, datetime(9999, 12, 31, tzinfo=UTC))),
    ((Action.LABEL, None), Sanction(Action.SUSPEND, T + timedelta(days=3))),
    ((Action.LABEL, None), Sanction(Action.LABEL)),
    ((Action.SUSPEND, day(10)), Sanction(Action.SUSPEND, T + timedelta(days=20))),
    ((Action.SUSPEND, day(10)), Sanction(Action.REMOVE)),
])
def test_an_appeal_never_makes_a_sanction_harsher(contested, replacement):
    s = _appealed(*contested)
    with pytest.raises(DueProcessError, match="lesser"):
        s.decide_appeal(actor="rev3", at=T, outcome="modified", reason="r",
                        replacement=replacement)
    assert s.state.appeal_open


def test_an_appeal_may_make_a_sanction_lesser_but_not_into_a_severe_one():
    s = _appealed(Action.SUSPEND, day(10))
    s.decide_appeal(actor="rev3", at=T, outcome="modified", reason="r",
                    replacement=Sanction(Action.SUSPEND, T + timedelta(days=5)))
    removed = _appealed(Action.REMOVE)
    with pytest.raises(DueProcessError, match="second reviewer"):
        removed.decide_appeal(actor="rev3", at=T, outcome="modified", reason="r",
                              replacement=Sanction(Action.SUSPEND, T + timedelta(days=200)))
    removed.decide_appeal(actor="rev3", at=T, outcome="modified", reason="r",
                          replacement=Sanction(Action.LABEL))
