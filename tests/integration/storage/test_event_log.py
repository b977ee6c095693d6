"""The event log, its projection and the audit chain on SQLite and PostgreSQL."""

from sqlalchemy import text

from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.policies import Action
from tarazu.service import audit, cases, decisions


def _report(app, account="a1", n=1):
    with app.uow() as uow:
        for _ in range(n):
            s = cases.load(uow, SubjectRef.account("x", account))
            s.record(EventKind.REPORT, "system:test", app.clock.now(), {"source": "public"})
            cases.save(uow, s)
        uow.commit()


def test_events_chain_and_project(app):
    _report(app, "a1", 3)
    _report(app, "a2", 1)
    with app.uow() as uow:
        assert uow.events.head()[0] == 4
        row = uow.status.get(SubjectRef.account("x", "a1"))
        assert row.review_state == "open" and row.priority == 3
        assert [r.subject.id for r in uow.status.queue()] == ["x:a1", "x:a2"]
    assert audit.verify_chain(app.uow).ok


def test_tampering_is_named(app):
    _report(app, "a1", 5)
    with app.engine.begin() as c:
        c.execute(text("UPDATE moderation_events SET payload = '{\"source\":\"government\"}' "
                       "WHERE seq = 3"))
    report = audit.verify_chain(app.uow)
    assert not report.ok and report.problem.seq == 3


def test_deleted_last_row_is_detected(app):
    _report(app, "a1", 3)
    with app.engine.begin() as c:
        c.execute(text("DELETE FROM moderation_events WHERE seq = 3"))
    report = audit.verify_chain(app.uow)
    assert not report.ok


def test_rolled_back_unit_of_work_leaves_nothing(app):
    with app.uow() as uow:
        s = cases.load(uow, SubjectRef.account("x", "a1"))
        s.record(EventKind.REPORT, "system:test", app.clock.now(), {"source": "public"})
        cases.save(uow, s)
        # no commit
    with app.uow() as uow:
        assert uow.events.head()[0] == 0
        assert uow.status.get(SubjectRef.account("x", "a1")) is None


def test_idempotent_append(app):
    from tarazu.domain.events import ModerationEvent

    e = ModerationEvent(EventKind.NOTE, SubjectRef.account("x", "a"), "u", app.clock.now(), {})
    with app.uow() as uow:
        first = uow.events.append(e, idempotency_key="k1")
        again = uow.events.append(e, idempotency_key="k1")
        uow.commit()
    assert first.seq == again.seq == 1


def test_decision_queues_enforcement_once_confirmed(app):
    ref = SubjectRef.account("x", "a1")
    _report(app, "a1")
    with app.uow() as uow:
        out = decisions.decide(uow, app.clock, subject=ref, actor="rev1", action=Action.REMOVE,
                               policy="DOI-1", reason="official channel of a designated group")
        uow.commit()
        assert out.status == "pending"
        assert uow.outbox.pending() == []
        decisions.confirm(uow, app.clock, subject=ref, actor="rev2",
                          decision_id=out.decision_id)
        uow.commit()
        msgs = uow.outbox.pending()
    assert len(msgs) == 1 and msgs[0].payload["action"] == "remove"
    assert msgs[0].payload["statement_of_reasons"]["policy"] == "DOI-1"
