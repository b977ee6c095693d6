"""A use case an entrypoint calls owns its transaction: what it wrote is committed when it
returns and nothing is kept when a rule refuses it; a query opens its own unit of work and
commits nothing (on the in-memory unit of work)."""

from __future__ import annotations

import pytest

from tarazu.adapters.memory_uow import MemoryDatabase
from tarazu.domain.case import DueProcessError
from tarazu.domain.events import EventKind
from tarazu.domain.payloads import Note
from tarazu.domain.policies import Action
from tarazu.service import cases, decisions
from tarazu.service.transaction import read_only
from tests.unit.service.test_decisions_in_memory import CLOCK, _reported


def _kinds(db: MemoryDatabase, ref) -> list[EventKind]:
    with db() as uow:
        return [e.kind for e in cases.load(uow, ref).history]


def test_the_use_case_commits_what_it_wrote():
    db = MemoryDatabase()
    ref = _reported(db, "a1")
    proposal = _propose(db, ref)
    done = decisions.withdraw_decision(db, CLOCK, subject=ref, actor="rev1",
                                       decision_id=proposal, reason="wrong policy")
    assert done.status == "withdrawn"
    assert _kinds(db, ref)[-1] is EventKind.WITHDRAW_DECISION


def test_nothing_is_kept_when_a_rule_refuses():
    db = MemoryDatabase()
    ref = _reported(db, "a2")
    proposal = _propose(db, ref)
    before = _kinds(db, ref)
    with pytest.raises(DueProcessError):  # the proposer cannot confirm their own decision
        decisions.confirm_decision(db, CLOCK, subject=ref, actor="rev1", decision_id=proposal)
    assert _kinds(db, ref) == before


def test_a_query_returns_what_it_read_and_keeps_nothing():
    db = MemoryDatabase()
    ref = _reported(db, "a3")
    before = _kinds(db, ref)

    def noted(uow, ref) -> int:  # a step that writes: run as a query, the write is dropped
        s = cases.load(uow, ref)
        s.record(EventKind.NOTE, "rev1", CLOCK.now(), Note(reason="read"))
        cases.save(uow, s)
        return len(s.history)

    assert read_only(noted)(db, ref) == len(before) + 1
    assert _kinds(db, ref) == before


def _propose(db: MemoryDatabase, ref) -> str:
    with db() as uow:
        out = decisions.decide(uow, CLOCK, subject=ref, actor="rev1", action=Action.REMOVE,
                               policy="DOI-1", reason="posts the official media of TTP")
        uow.commit()
    assert out.status == "pending"
    return out.decision_id
