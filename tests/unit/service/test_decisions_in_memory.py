"""Due process cannot be bypassed by one reviewer, alone or in bulk; a pending proposal is
never silently replaced. The use cases run on the in-memory unit of work (the same contract as
the database's: tests/integration/storage/test_uow_contract*.py), so these take milliseconds;
so do the appeal and notice paths (test_due_process_flow_in_memory.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tarazu.adapters.memory_uow import MemoryDatabase
from tarazu.domain.case import DueProcessError
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.platform import Account
from tarazu.domain.policies import Action
from tarazu.service import cases, decisions, queues
from tarazu.service.clock import FixedClock

CLOCK = FixedClock(datetime(2025, 7, 25, 9, 0, tzinfo=UTC))


@pytest.fixture
def db() -> MemoryDatabase:
    return MemoryDatabase()


def _reported(db: MemoryDatabase, account_id: str, source: str = "government") -> SubjectRef:
    with db() as uow:
        uow.platform.upsert_account(Account(
            account_id=account_id, handle=f"@{account_id}", platform="x",
            created_at=datetime(2024, 1, 2, tzinfo=UTC), status="active"))
        ref = SubjectRef.account("x", account_id)
        s = cases.load(uow, ref)
        s.record(EventKind.REPORT, "system:referral-check", CLOCK.now(),
                 {"source": source, "reporter": "Ministry of Interior / PK"})
        cases.save(uow, s)
        uow.commit()
    return ref


def _day(n: int) -> str:
    return (CLOCK.now() + timedelta(days=n)).date().isoformat()


def _decide(db, ref, action, actor="rev1", **kw):
    with db() as uow:
        out = decisions.decide(uow, CLOCK, subject=ref, actor=actor, action=action,
                               policy="DOI-1", reason="posts the official media of TTP", **kw)
        uow.commit()
    return out


def _status(db, ref, decision_id):
    with db() as uow:
        return cases.load(uow, ref).state.decision(decision_id).status


def test_one_reviewer_cannot_suspend_for_ever(db):
    ref = _reported(db, "forever")
    with pytest.raises(DueProcessError, match="at most 365 days"):
        _decide(db, ref, Action.SUSPEND, until="9999-12-31")
    with db() as uow:
        assert uow.status.get(ref).enforcement is None
        assert uow.outbox.pending_count() == 0


def test_a_long_suspension_waits_for_a_second_reviewer(db):
    ref = _reported(db, "long")
    out = _decide(db, ref, Action.SUSPEND, until=_day(90))
    assert out.status == "pending"
    with db() as uow:
        assert uow.status.get(ref).enforcement is None
        assert uow.outbox.pending_count() == 0  # nothing sent to the platform
    with db() as uow:
        decisions.confirm(uow, CLOCK, subject=ref, actor="rev2", decision_id=out.decision_id)
        uow.commit()
        assert uow.status.get(ref).enforcement == "suspend"
        [msg] = uow.outbox.pending()
        assert (msg.kind, msg.payload["action"]) == ("enforcement", "suspend")


def test_bulk_decide_never_replaces_a_pending_removal(db):
    refs = [_reported(db, f"bulk{i}", source="trusted_flagger") for i in range(2)]
    removal = _decide(db, refs[0], Action.REMOVE)
    with db() as uow, pytest.raises(queues.BulkError, match="second reviewer"):
        queues.bulk_decide(uow, CLOCK, subjects=refs, actor="rev2", action=Action.SUSPEND,
                           policy="DOI-1", reason="same campaign", until=_day(7))
    assert _status(db, refs[0], removal.decision_id) == "pending"
    with db() as uow:
        assert uow.status.get(refs[1]).enforcement is None  # all or none


def test_bulk_severe_suspensions_each_wait_for_a_second_reviewer(db):
    refs = [_reported(db, f"sev{i}", source="trusted_flagger") for i in range(2)]
    with db() as uow:
        outs = queues.bulk_decide(uow, CLOCK, subjects=refs, actor="rev1",
                                  action=Action.SUSPEND, policy="DOI-1", reason="campaign",
                                  until=_day(60))
        uow.commit()
        assert [o.status for o in outs] == ["pending", "pending"]
        assert all(uow.status.get(r).enforcement is None for r in refs)


def test_a_later_one_person_decision_does_not_supersede_a_pending_removal(db):
    ref = _reported(db, "pend")
    removal = _decide(db, ref, Action.REMOVE)
    with pytest.raises(DueProcessError, match="awaits a second reviewer"):
        _decide(db, ref, Action.SUSPEND, actor="rev2", until=_day(5))
    assert _status(db, ref, removal.decision_id) == "pending"
    with db() as uow:
        decisions.withdraw(uow, CLOCK, subject=ref, actor="rev1",
                           decision_id=removal.decision_id, reason="a suspension is enough")
        uow.commit()
        [w] = [e for e in uow.events.for_subject(ref) if e.kind is EventKind.WITHDRAW_DECISION]
    assert w.actor == "rev1" and w.payload["decision_id"] == removal.decision_id
    assert _status(db, ref, removal.decision_id) == "withdrawn"
    assert _decide(db, ref, Action.SUSPEND, actor="rev2", until=_day(5)).status == "applied"


def test_a_protected_account_is_never_decided_in_bulk(db):
    ref = _reported(db, "journalist")
    with db() as uow:
        uow.platform.protect("x", "journalist", "journalist", "registry", "admin", CLOCK.now())
        uow.commit()
    with db() as uow, pytest.raises(queues.BulkError, match="protected account"):
        queues.bulk_decide(uow, CLOCK, subjects=[ref], actor="rev1", action=Action.LABEL,
                           policy="DOI-1", reason="campaign")
