"""Due process cannot be bypassed (through the services, on the in-memory unit of work: the
same contract as the database's, tests/integration/storage/test_uow_contract*.py): an appeal
never makes a sanction harsher; a stored agency name reaches a notice as plain text. (One
reviewer alone or in bulk: tests/unit/service/test_decisions_in_memory.py, in memory.)"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tarazu.domain.policies import Action
from tarazu.service import appeals, decisions
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


def test_an_appeal_cannot_turn_a_label_into_a_long_suspension(memory_app):
    app = memory_app
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
        assert uow.outbox.pending()[-1].payload["action"] == "label"


def test_a_stored_agency_name_with_markup_reaches_the_notice_as_plain_text(memory_app):
    app = memory_app
    """A name recorded before intake validation (or by any other path) is still made plain
    in the notice, in both languages."""
    from tarazu.service import notices

    ref = add_account(app, "agency")
    report(app, ref, requester_name="Agency <script>alert(1)</script>\u202e / PK")
    _decide(app, ref, Action.SUSPEND, until=_day(app, 7))
    assert notices.send_due(app.uow, app.clock, "https://tarazu.example").sent == 1
    with app.uow() as uow:
        [msg] = [m for m in uow.outbox.pending() if m.kind == "notice"]
    for n in msg.payload["notices"]:
        assert "<script>" not in n["body"] and "\u202e" not in n["body"]
        assert "Agency \u2039script\u203a" in n["body"]
