"""Routing is an ordered rule list: first match wins; SLAs give due dates; rules load from
plain config with errors naming the rule."""

from datetime import UTC, datetime, timedelta

import pytest

from tarazu.domain.case import Subject
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.policies import Action
from tarazu.domain.routing import DEFAULT_RULES, Router, Rule, due_at, rules_from_config

T = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)
route = Router(DEFAULT_RULES)


def case(protected=False, **report):
    s = Subject(SubjectRef.account("x", "a"), protected=protected)
    s.record(EventKind.REPORT, "u", T, {"source": "public", **report})
    return s


@pytest.mark.parametrize("report,queue", [
    ({"source": "government"}, "government"),
    ({"source": "trusted_flagger"}, "trusted_flagger"),
    ({"policy": "VIO-1"}, "urgent"),
    ({"lang": "ps"}, "pashto"),
    ({}, "general"),
])
def test_sources_grounds_and_languages_pick_the_queue(report, queue):
    assert route(case(**report).state, False) == queue


def test_order_matters_protected_and_appeals_first():
    s = case(source="government")
    assert route(s.state, True) == "senior"
    e = s.decide(actor="r1", at=T, action=Action.LABEL, policy="DOI-1", reason="r")
    assert route(s.state, False) is None  # closed: in no queue
    s.appeal(actor="user", at=T + timedelta(days=1), decision_id=e.event_id, statement="")
    assert route(s.state, True) == "appeals"
    assert due_at(s.state, "appeals") == T + timedelta(days=8)  # 7 days from the appeal


def test_pending_confirmation_and_escalation():
    s = case()
    s.decide(actor="r1", at=T, action=Action.REMOVE, policy="DOI-1", reason="r")
    assert route(s.state, False) == "confirmation"
    s2 = case(source="government")
    s2.escalate(actor="r1", at=T, reason="unclear")
    assert route(s2.state, False) == "senior"


def test_custom_rules_from_config():
    rules = rules_from_config([{"queue": "ttp-desk", "grounds": ["DOI-1"], "min_priority": 2},
                               {"queue": "rest"}])
    assert Router(rules)(case(policy="DOI-1", priority=3).state, False) == "ttp-desk"
    assert Router(rules)(case(policy="DOI-1").state, False) == "rest"
    assert rules[0] == Rule("ttp-desk", grounds=frozenset({"DOI-1"}), min_priority=2)
    with pytest.raises(ValueError, match="rule 1: unknown field"):
        rules_from_config([{"queue": "q", "colour": "red"}])
    with pytest.raises(ValueError, match="rule 2: field 'queue'"):
        rules_from_config([{"queue": "q"}, {"sources": ["public"]}])
