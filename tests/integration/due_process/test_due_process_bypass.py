"""Due process cannot be bypassed (SQLite and PostgreSQL, through the services): one reviewer
cannot impose a severe sanction, alone or in bulk; a pending proposal is never silently
replaced; an appeal never makes a sanction harsher."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tarazu.domain.case import DueProcessError
from tarazu.domain.events import EventKind
from tarazu.domain.policies import Action
from tarazu.service import appeals, decisions, queues
from tests.integration.due_process.conftest import add_account, report


def _day(app, n: int) -> str:
    return (app.clock.now() + timedelta(days=n)).date().isoformat()


def _decide(app, ref, action, actor="rev1", **kw):
    with app.uow() as uow:
        out = decisions.decide(uow, app.clock, subject=ref, actor=actor, action=action,
                               policy="DOI-1", reason="posts the official media of TTP", **kw)
        uow.commit()
    return out


def _status(app, ref, decision_id):
    from tarazu.service import cases

    with app.uow() as uow:
        return cases.load(uow, ref).state.decision(decision_id).status


def test_one_reviewer_cannot_suspend_for_ever(app):
    ref = add_account(app, "forever")
    report(app, ref)
    with pytest.raises(DueProcessError, match="at most 365 days"):
        _decide(app, ref, Action.SUSPEND, until="9999-12-31")
    with app.uow() as uow:
        assert uow.status.get(ref).enforcement is None
        assert uow.outbox.pending_count() == 0


def test_a_long_suspension_waits_for_a_second_reviewer(app):
    ref = add_account(app, "long")
    report(app, ref)
    out = _decide(app, ref, Action.SUSPEND, until=_day(app, 90))
    assert out.status == "pending"
    with app.uow() as uow:
        assert uow.status.get(ref).enforcement is None
        assert uow.outbox.pending_count() == 0  # nothing sent to the platform
    with app.uow() as uow:
        decisions.confirm(uow, app.clock, subject=ref, actor="rev2",
                          decision_id=out.decision_id)
        uow.commit()
        assert uow.status.get(ref).enforcement == "suspend"


def test_bulk_decide_never_replaces_a_pending_removal(app):
    refs = [add_account(app, f"bulk{i}") for i in range(2)]
    for r in refs:
        report(app, r, source="trusted_flagger")
    removal = _decide(app, refs[0], Action.REMOVE)
    with app.uow() as uow, pytest.raises(queues.BulkError, match="second reviewer"):
        queues.bulk_decide(uow, app.clock, subjects=refs, actor="rev2", action=Action.SUSPEND,
                           policy="DOI-1", reason="same campaign", until=_day(app, 7))
    assert _status(app, refs[0], removal.decision_id) == "pending"
    with app.uow() as uow:
        assert uow.status.get(refs[1]).enforcement is None  # all or none


def test_bulk_severe_suspensions_each_wait_for_a_second_reviewer(app):
    refs = [add_account(app, f"sev{i}") for i in range(2)]
    for r in refs:
        report(app, r, source="trusted_flagger")
    with app.uow() as uow:
        outs = queues.bulk_decide(uow, app.clock, subjects=refs, actor="rev1",
                                  action=Action.SUSPEND, policy="DOI-1", reason="campaign",
                                  until=_day(app, 60))
        uow.commit()
        assert [o.status for o in outs] == ["pending", "pending"]
        assert all(uow.status.get(r).enforcement is None for r in refs)


def test_a_later_one_person_decision_does_not_supersede_a_pending_removal(app):
    ref = add_account(app, "pend")
    report(app, ref)
    removal = _decide(app, ref, Action.REMOVE)
    with pytest.raises(DueProcessError, match="awaits a second reviewer"):
        _decide(app, ref, Action.SUSPEND, actor="rev2", until=_day(app, 5))
    assert _status(app, ref, removal.decision_id) == "pending"
    with app.uow() as uow:
        decisions.withdraw(uow, app.clock, subject=ref, actor="rev1",
                           decision_id=removal.decision_id, reason="a suspension is enough")
        uow.commit()
        [w] = [e for e in uow.events.for_subject(ref) if e.kind is EventKind.WITHDRAW_DECISION]
    assert w.actor == "rev1" and w.payload["decision_id"] == removal.decision_id
    assert _status(app, ref, removal.decision_id) == "withdrawn"
    assert _decide(app, ref, Action.SUSPEND, actor="rev2", until=_day(app, 5)).status == "applied"


def test_an_appeal_cannot_turn_a_label_into_a_long_suspension(app):
    ref = add_account(app, "lab")
    report(app, ref)
    label = _decide(app, ref, Action.LABEL)
    with app.uow() as uow:
        appeals.appeal_by_platform(uow, app.clock, "platform-bot", label.decision_id, "no")
        uow.commit()
    for until in ("9999-12-31", _day(app, 10)):
        with app.uow() as uow, pytest.raises(appeals.AppealError):
            appeals.decide_appeal(uow, app.clock, subject=ref, actor="rev3", outcome="modified",
                                  reason="harsher",
                                  new_decision={"action": "suspend", "policy": "DOI-1",
                                                "until": until})
    with app.uow() as uow:
        row = uow.status.get(ref)
        assert row.enforcement == "label"
        assert uow.outbox.due(app.clock.now(), limit=100)[-1].payload["action"] == "label"


def test_a_stored_agency_name_with_markup_reaches_the_notice_as_plain_text(app):
    """A name recorded before intake validation (or by any other path) is still made plain
    in the notice, in both languages."""
    from tarazu.service import notices

    ref = add_account(app, "agency")
    report(app, ref, requester_name="Agency <script>alert(1)</script>\u202e / PK")
    _decide(app, ref, Action.SUSPEND, until=_day(app, 7))
    assert notices.send_due(app.uow, app.clock, "https://tarazu.example").sent == 1
    with app.uow() as uow:
        [msg] = [m for m in uow.outbox.due(app.clock.now(), limit=100) if m.kind == "notice"]
    for n in msg.payload["notices"]:
        assert "<script>" not in n["body"] and "\u202e" not in n["body"]
        assert "Agency \u2039script\u203a" in n["body"]
