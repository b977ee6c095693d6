"""Due process end to end on the in-memory unit of work (the same contract as the database's:
tests/integration/storage/test_uow_contract*.py): decide, notify in English and Urdu, appeal
with the token, reverse (and undo what relied on it), two-person rule, expiry, queues with due
dates, bulk decisions."""

from __future__ import annotations

import re

import pytest

from tarazu.domain.case import DueProcessError
from tarazu.domain.events import EventKind
from tarazu.domain.policies import Action
from tarazu.service import appeals, decisions, expiry, mirror_reference, notices, queues
from tests.integration.due_process.conftest import add_account, flag_mirror, report

URL = "https://tarazu.example"


def _outbox(app, kind=None):
    with app.uow() as uow:
        msgs = uow.outbox.pending()
    return [m for m in msgs if kind is None or m.kind == kind]


def _events(app, ref, kind):
    with app.uow() as uow:
        return [e for e in uow.events.for_subject(ref) if e.kind is kind]


def _token(msg) -> str:
    return re.search(r"/appeal/([A-Za-z0-9_-]+)$", msg.payload["appeal_url"]).group(1)


def _suspend(app, ref, actor="rev1", until="2025-08-01"):
    with app.uow() as uow:
        out = decisions.decide(uow, app.clock, subject=ref, actor=actor, action=Action.SUSPEND,
                               policy="DOI-1", reason="posts the official media of TTP",
                               evidence=["x:p1", "x:p2"], until=until, designation="ttp")
        uow.commit()
    return out


def _remove(app, ref, by="rev1", confirm_by="rev2", policy="DOI-1"):
    with app.uow() as uow:
        out = decisions.decide(uow, app.clock, subject=ref, actor=by, action=Action.REMOVE,
                               policy=policy, reason="operates for a designated group",
                               evidence=["x:p9"])
        decisions.confirm(uow, app.clock, subject=ref, actor=confirm_by,
                          decision_id=out.decision_id)
        uow.commit()
    return out


def test_decision_is_noticed_in_english_and_urdu_once(memory_app):
    app = memory_app
    ref = add_account(app, "a1")
    report(app, ref)
    out = _suspend(app, ref)
    assert out.status == "applied"
    report_ = notices.send_due(app.uow, app.clock, URL)
    assert report_.sent == 1
    assert notices.send_due(app.uow, app.clock, URL).sent == 0  # never twice
    [msg] = _outbox(app, "notice")
    by_lang = {n["language"]: n for n in msg.payload["notices"]}
    assert set(by_lang) == {"en", "ur"}
    assert by_lang["ur"]["direction"] == "rtl" and by_lang["en"]["direction"] == "ltr"
    assert "معطل" in by_lang["ur"]["body"] and "suspended until 2025-08-01" in by_lang["en"]["body"]
    assert "Ministry of Interior / PK" in by_lang["en"]["body"]  # the government is named
    assert "x:p1" in by_lang["en"]["body"] and "DOI-1" in by_lang["ur"]["body"]
    token = _token(msg)
    assert msg.payload["appeal_url"] in by_lang["en"]["body"]
    [notice] = _events(app, ref, EventKind.NOTICE)
    assert notice.payload["decision_id"] == out.decision_id
    with app.uow() as uow:  # the secret is in no event, only its hash in the token table
        assert all(token not in str(r.event.payload) for r in uow.events.iter_all())
        assert uow.due_process.token(token).decision_id == out.decision_id


def test_a_recorded_legal_bar_keeps_the_government_unnamed(memory_app):
    app = memory_app
    ref = add_account(app, "a2")
    report(app, ref, nondisclosure=True)
    _suspend(app, ref)
    notices.send_due(app.uow, app.clock, URL)
    [msg] = _outbox(app, "notice")
    en = next(n for n in msg.payload["notices"] if n["language"] == "en")["body"]
    assert "Ministry of Interior" not in en and "does not allow us to name it" in en
    assert msg.payload["statement_of_reasons"]["government_involved"] is True


def test_two_person_rule_then_notice(memory_app):
    app = memory_app
    ref = add_account(app, "a3")
    report(app, ref)
    with app.uow() as uow:
        out = decisions.decide(uow, app.clock, subject=ref, actor="rev1", action=Action.REMOVE,
                               policy="DOI-1", reason="operates for a designated group")
        uow.commit()
    assert out.status == "pending"
    assert notices.send_due(app.uow, app.clock, URL).sent == 0  # nothing in effect yet
    with app.uow() as uow, pytest.raises(DueProcessError, match="second reviewer"):
        decisions.confirm(uow, app.clock, subject=ref, actor="rev1", decision_id=out.decision_id)
    with app.uow() as uow:
        decisions.confirm(uow, app.clock, subject=ref, actor="rev2", decision_id=out.decision_id)
        uow.commit()
    assert notices.send_due(app.uow, app.clock, URL).sent == 1


def test_appeal_reversal_restores_and_reopens_mirror_decisions(memory_app):
    app = memory_app
    a = add_account(app, "orig", status="removed")
    report(app, a)
    removal = _remove(app, a)
    mirror = add_account(app, "mirror1")
    flag_mirror(app, mirror, "x:orig")
    with app.uow() as uow:  # a mirror decision that relied on the original removal
        m_out = decisions.decide(uow, app.clock, subject=mirror, actor="system:mirrors",
                                 action=Action.SUSPEND, policy="EVA-1",
                                 reason="mirror of a removed account", until="2025-08-20")
        uow.commit()
    assert m_out.status == "applied"
    notices.send_due(app.uow, app.clock, URL)
    token = _token(next(m for m in _outbox(app, "notice")
                        if m.payload["decision_id"] == removal.decision_id))
    app.clock.advance(days=1)
    with app.uow() as uow:
        filed = appeals.appeal_with_token(uow, app.clock, token, "I report on the group, I am "
                                          "not part of it.")
        uow.commit()
        assert uow.status.get(a).queue == "appeals"
    with app.uow() as uow, pytest.raises(appeals.AppealError, match="already"):
        appeals.appeal_with_token(uow, app.clock, token, "again")
    for took_part in ("rev1", "rev2"):
        with app.uow() as uow, pytest.raises(appeals.AppealError, match="no part"):
            appeals.decide_appeal(uow, app.clock, subject=a, actor=took_part,
                                  outcome="reversed", reason="x")
    with app.uow() as uow:
        done = appeals.decide_appeal(uow, app.clock, subject=a, actor="rev3",
                                     outcome="reversed", reason="reporting, not support")
        uow.commit()
    assert filed.decision_id == removal.decision_id
    assert done.reopened == (mirror,)
    reversals = {m.payload["decision_id"]: m.payload for m in _outbox(app, "reversal")}
    assert reversals[removal.decision_id]["action"] == "reinstate"
    assert reversals[m_out.decision_id]["action"] == "reinstate"  # the mirror is restored too
    with app.uow() as uow:
        assert mirror_reference.is_withdrawn(uow, a)
        assert mirror_reference.withdrawn_references(uow) == {"x:orig"}
        assert uow.status.get(a).enforcement is None
        m_row = uow.status.get(mirror)
        assert m_row.review_state == "open" and m_row.enforcement is None
    [note] = _events(app, a, EventKind.NOTE)
    assert note.payload["reference"] == "withdrawn"
    [rev] = _events(app, mirror, EventKind.REVERSAL)
    assert rev.payload["cause"] == "relied_on_reversed_decision" and rev.payload["reopen"]
    outcomes = [m.payload["outcome"] for m in _outbox(app, "notice") if "outcome" in m.payload]
    assert sorted(outcomes) == ["reversed", "reversed_reliance"]


def test_upheld_appeal_changes_nothing_on_the_platform(memory_app):
    app = memory_app
    a = add_account(app, "up1")
    report(app, a)
    out = _suspend(app, a)
    with app.uow() as uow:
        appeals.appeal_by_platform(uow, app.clock, "platform-bot", out.decision_id, "context")
        uow.commit()
    with app.uow() as uow:
        appeals.decide_appeal(uow, app.clock, subject=a, actor="rev9", outcome="upheld",
                              reason="the posts are the group's own media")
        uow.commit()
        assert uow.status.get(a).enforcement == "suspend"
    assert _outbox(app, "reversal") == []


def test_modified_appeal_replaces_the_decision(memory_app):
    app = memory_app
    a = add_account(app, "mod1")
    report(app, a)
    removal = _remove(app, a)
    with app.uow() as uow:
        appeals.appeal_by_platform(uow, app.clock, "platform-bot", removal.decision_id, "")
        uow.commit()
    with app.uow() as uow:
        done = appeals.decide_appeal(
            uow, app.clock, subject=a, actor="rev3", outcome="modified",
            reason="one post only; a suspension is enough",
            new_decision={"action": "suspend", "policy": "DOI-1", "until": "2025-08-20"})
        uow.commit()
        assert uow.status.get(a).enforcement == "suspend"
    assert done.new_decision_id
    assert [m.payload["action"] for m in _outbox(app, "reversal")] == ["reinstate"]
    assert any(m.payload["decision_id"] == done.new_decision_id
               for m in _outbox(app, "enforcement"))


def test_invalid_and_expired_tokens_are_refused(memory_app):
    app = memory_app
    with app.uow() as uow, pytest.raises(appeals.AppealError, match="not valid"):
        appeals.appeal_with_token(uow, app.clock, "nope", "x")
    ref = add_account(app, "tok1")
    report(app, ref)
    _suspend(app, ref, until="2025-08-20")
    notices.send_due(app.uow, app.clock, URL)
    token = _token(_outbox(app, "notice")[0])
    app.clock.advance(days=200)
    with app.uow() as uow, pytest.raises(appeals.AppealError, match="passed"):
        appeals.appeal_with_token(uow, app.clock, token, "x")


def test_timed_suspension_ends_by_itself(memory_app):
    app = memory_app
    ref = add_account(app, "s1")
    report(app, ref)
    out = _suspend(app, ref, until="2025-07-27")
    assert expiry.expire_due(app.uow, app.clock).expired == 0
    app.clock.advance(days=2)  # 2025-07-27 09:00, past the start of that day
    assert expiry.expire_due(app.uow, app.clock).expired == 1
    assert expiry.expire_due(app.uow, app.clock).expired == 0
    [e] = _events(app, ref, EventKind.EXPIRY)
    assert e.actor == "system:expiry" and e.payload["decision_id"] == out.decision_id
    [msg] = _outbox(app, "expiry")
    assert msg.payload["action"] == "reinstate"
    with app.uow() as uow:
        assert uow.status.get(ref).enforcement is None


def test_queues_due_dates_assignment_and_escalation(memory_app):
    app = memory_app
    gov = add_account(app, "g1")
    report(app, gov)
    pub = add_account(app, "p1")
    report(app, pub, source="public", lang="ps")
    with app.uow() as uow:
        rows = {e.row.subject: e for e in queues.entries(uow, app.clock.now())}
        assert rows[gov].row.queue == "government" and rows[pub].row.queue == "pashto"
        assert (rows[gov].due_at - app.clock.now()).total_seconds() == 24 * 3600
        assert not rows[gov].overdue
    app.clock.advance(hours=25)
    with app.uow() as uow:
        s = {q.name: q for q in queues.summary(uow, app.clock.now())}
        assert s["government"].open == 1 and s["government"].overdue == 1
        assert s["pashto"].overdue == 0
    from tarazu.adapters.passwords import hash_password
    from tarazu.domain.roles import Role

    with app.uow() as uow:
        uow.users.add("rev1", hash_password("a long password 1"), frozenset({Role.REVIEWER}),
                      app.clock.now())
        uow.users.add("aud", hash_password("a long password 1"), frozenset({Role.AUDITOR}),
                      app.clock.now())
        queues.assign(uow, app.clock, subject=gov, actor="rev1", assignee="rev1")
        with pytest.raises(DueProcessError, match="not a reviewer"):
            queues.assign(uow, app.clock, subject=gov, actor="rev1", assignee="aud")
        queues.escalate(uow, app.clock, subject=gov, actor="rev1", reason="unclear context")
        uow.commit()
        row = uow.status.get(gov)
        assert row.assigned_to == "rev1" and row.queue == "senior"
        with pytest.raises(DueProcessError, match="senior"):
            queues.assign(uow, app.clock, subject=gov, actor="rev1", assignee="rev1")
        with pytest.raises(DueProcessError, match="senior"):
            decisions.decide(uow, app.clock, subject=gov, actor="rev1", action=Action.LABEL,
                             policy="DOI-1", reason="r")


def test_bulk_decide_all_or_nothing(memory_app):
    app = memory_app
    refs = [add_account(app, f"b{i}") for i in range(3)]
    for r in refs:
        report(app, r, source="trusted_flagger")
    prot = add_account(app, "journo", verified=("journalist",))
    report(app, prot, source="public")
    with app.uow() as uow, pytest.raises(queues.BulkError, match="protected"):
        queues.bulk_decide(uow, app.clock, subjects=[*refs, prot], actor="rev1",
                           action=Action.LABEL, policy="DOI-2", reason="same campaign")
    with app.uow() as uow:
        assert all(uow.status.get(r).enforcement is None for r in refs)
        outs = queues.bulk_decide(uow, app.clock, subjects=refs, actor="rev1",
                                  action=Action.LABEL, policy="DOI-2", reason="same campaign")
        uow.commit()
        assert [o.status for o in outs] == ["applied"] * 3
        assert all(uow.status.get(r).enforcement == "label" for r in refs)
