"""What code reads from an event is decided in one place: whether its actor is tarazu itself,
and why a decision was reversed (a typed cause, not the human wording of the reason)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tarazu.domain.case import Subject
from tarazu.domain.events import (
    EventKind,
    ModerationEvent,
    ReversalCause,
    SubjectRef,
    is_automated,
    reversal_cause,
)
from tarazu.domain.policies import Action
from tarazu.service.mirrors import POLICY
from tarazu.service.mirrors.training import _label_of

T = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)
REF = SubjectRef.account("x", "m1")


def test_only_system_actors_are_automated_and_events_agree():
    assert is_automated("system:appeals") and is_automated("system:")
    assert not is_automated("alice") and not is_automated("systemic") and not is_automated("")
    for actor in ("system:mirrors", "rev1"):
        assert ModerationEvent(EventKind.NOTE, REF, actor, T).automated is is_automated(actor)


def test_the_cause_is_read_from_its_field_and_from_the_wording_of_older_events():
    assert reversal_cause({"cause": "relied_on_reversed_decision", "reason": "anything"}) \
        is ReversalCause.RELIED_ON_REVERSED
    assert reversal_cause({"reason": "relied on a reversed decision"}) \
        is ReversalCause.RELIED_ON_REVERSED  # recorded before the field existed
    assert reversal_cause({"reason": "relied on a reversed decision, reworded"}) is None
    assert reversal_cause({}) is None
    with pytest.raises(ValueError):
        reversal_cause({"cause": "no such cause"})


def _mirror_flagged_and_suspended() -> tuple[Subject, str]:
    s = Subject(REF, [])
    s.record(EventKind.MIRROR_FLAG, "system:mirrors", T,
             {"removed_account": "x:orig", "probability": 0.97})
    d = s.decide(actor="system:mirrors", at=T, action=Action.SUSPEND, policy=POLICY,
                 reason="mirror of x:orig", extra={"until": "2025-08-20"})
    return s, d.event_id


def test_a_reliance_reversal_is_no_label_whatever_its_reason_says():
    s, decision_id = _mirror_flagged_and_suspended()
    s.reverse(actor="system:appeals", at=T + timedelta(days=1), decision_id=decision_id,
              reason="the account it was linked to was reinstated on appeal",
              cause=ReversalCause.RELIED_ON_REVERSED, reopen=True)
    assert s.history[-1].payload["cause"] == "relied_on_reversed_decision"
    assert _label_of(s.history) is None  # neither a mirror nor "not a mirror"


def test_a_reversal_for_another_cause_teaches_not_a_mirror():
    s, decision_id = _mirror_flagged_and_suspended()
    s.record(EventKind.REVERSAL, "rev1", T + timedelta(days=1),
             {"decision_id": decision_id, "reason": "wrong person", "was": "applied"})
    assert _label_of(s.history) == (False, None)
