"""Each path of a data request end to end, on the in-memory unit of work (the same contract as
the database's: tests/integration/storage/test_uow_contract*.py)."""

from datetime import UTC, datetime

import pytest

from tarazu.datarequests.case import DataRequestRuleError
from tarazu.datarequests.model import Category, Period
from tarazu.domain.events import EventKind, SubjectType
from tarazu.service import audit
from tarazu.service import datarequests as dr
from tests.integration.datarequests.helpers import LEGAL, SENIOR, events, seed, submit

RID = "FIA-2025-0811-07"


def test_court_order_approved_confirmed_disclosed_and_user_notified(memory_app):
    app = memory_app
    seed(app)
    r = submit(app, categories=["subscriber", "ip_logs", "content"])
    assert r.status == "pending_legal" and r.report.outcome.value == "accepted"
    with app.uow() as uow:
        assert [q.request_id for q in dr.queue(uow)] == [RID]
        dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL,
                   reason="specific, judicial, proportionate",
                   categories=[Category.SUBSCRIBER, Category.CONTENT])  # narrowed further
        assert uow.datarequests.package(RID) is None  # not before the second person
        with pytest.raises(DataRequestRuleError, match="second person"):
            dr.confirm(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL)
        s = dr.confirm(uow, app.clock, request_id=RID, actor="legal2", roles=LEGAL)
        uow.commit()
    assert s.status == "disclosed" and s.produced and s.notice_sent_at is not None
    with app.uow() as uow:
        stored = uow.datarequests.package(RID)
        assert b"e-hash-1" not in stored.ciphertext  # encrypted at rest
        content = dr.read_package(uow, app.clock, request_id=RID, actor="legal2",
                                  purpose="hand-over to the requesting authority")
        uow.commit()
        notices = [m for m in uow.outbox.pending() if m.kind == "data_request_notice"]
    acc = content["accounts"][0]
    assert acc["subscriber"]["handle"] == "@umar_media"
    assert acc["subscriber"]["email"] == "e-hash-1" and "ip_logs" not in acc
    assert "device" not in str(content) and "geo-hash-1" not in str(content)  # minimum only
    assert [p["post_id"] for p in acc["content"]] == ["p0", "p1", "p2"]
    assert content["authority"]["confirmed_by"] == "legal2"
    assert [(n.destination, n.payload["account_id"]) for n in notices] == [("x", "a1")]
    assert notices[0].payload["categories"] == ["subscriber", "content"]
    kinds = [e.kind for e in events(app, subject_type=SubjectType.DATA_REQUEST)]
    assert kinds[:4] == [EventKind.DATA_REQUEST, EventKind.LEGAL_DECISION, EventKind.CONFIRM,
                         EventKind.DISCLOSURE]
    assert audit.verify_chain(app.uow).ok


def test_every_read_of_identifiers_is_a_data_access_event(memory_app):
    app = memory_app
    seed(app)
    submit(app)
    with app.uow() as uow:
        dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL, reason="ok")
        dr.confirm(uow, app.clock, request_id=RID, actor="legal2", roles=LEGAL)
        dr.read_package(uow, app.clock, request_id=RID, actor="legal2", purpose="hand-over")
        uow.commit()
    reads = events(app, EventKind.DATA_ACCESS)
    on_account = [e for e in reads if e.subject.type is SubjectType.ACCOUNT]
    assert len(on_account) == 1
    e = on_account[0]
    assert e.subject.id == "x:a1" and e.actor == "legal2" and e.payload["purpose"] == "disclosure"
    assert RID in e.payload["authority"] and "court_order CrM-1234/2025" in e.payload["authority"]
    assert "confirmed by legal2" in e.payload["authority"]
    # decrypting reads every identifier: all are logged, though only some are disclosed
    assert {"identifiers.email", "identifiers.phone", "identifiers.ip_prefix",
            "identifiers.device", "identifiers.geo", "handle"} <= set(e.payload["fields"])
    with app.uow() as uow:
        disclosed = next(x for x in uow.events.for_subject(dr.subject_of(RID))
                         if x.kind is EventKind.DISCLOSURE).payload["fields"]["x:a1"]
    assert disclosed == ["ip_logs", "subscriber"]
    package_reads = [e for e in reads if e.subject.type is SubjectType.DATA_REQUEST]
    assert len(package_reads) == 1 and package_reads[0].payload["fields"] == ["package"]


def test_refused_request_never_reaches_the_queue(memory_app):
    app = memory_app
    seed(app)
    r = submit(app, instrument__issuer="Federal Investigation Agency")
    assert r.status == "refused"
    with app.uow() as uow:
        assert dr.queue(uow) == []
        with pytest.raises(DataRequestRuleError):
            dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL, reason="x")


def test_legal_refusal_with_reasons(memory_app):
    app = memory_app
    seed(app)
    submit(app)
    with app.uow() as uow:
        with pytest.raises(DataRequestRuleError, match="reasons"):
            dr.refuse(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL, reason=" ")
        s = dr.refuse(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL,
                      reason="overbroad; ask the court to narrow")
        uow.commit()
    assert s.status == "refused" and s.refusal.startswith("overbroad")


def test_protected_target_needs_a_senior_confirmation(memory_app):
    app = memory_app
    seed(app)
    r = submit(app, targets=["@umar_media", "@reporter_j", "@nobody"])
    assert r.report.outcome.value == "escalated"
    with app.uow() as uow:
        dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL, reason="ok")
        with pytest.raises(DataRequestRuleError, match="senior"):
            dr.confirm(uow, app.clock, request_id=RID, actor="legal2", roles=LEGAL)
        s = dr.confirm(uow, app.clock, request_id=RID, actor="senior1", roles=SENIOR)
        uow.commit()
    assert s.status == "disclosed" and len(s.scope.targets) == 2


def test_approval_cannot_go_beyond_the_checks(memory_app):
    app = memory_app
    seed(app)
    submit(app, instrument__type="subpoena", instrument__issuer="Judicial Magistrate Lahore",
           categories=["subscriber", "content"])
    with app.uow() as uow:
        with pytest.raises(DataRequestRuleError, match="does not reach content"):
            dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL,
                       reason="x", categories=[Category.CONTENT])
        with pytest.raises(DataRequestRuleError, match="within the checked period"):
            dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL, reason="x",
                       period=Period(datetime(2024, 1, 1).date(), datetime(2025, 8, 1).date()))
        with pytest.raises(DataRequestRuleError, match="role legal"):
            dr.approve(uow, app.clock, request_id=RID, actor="senior1", roles=SENIOR,
                       reason="x")


def test_second_person_declining_sends_it_back_to_legal(memory_app):
    app = memory_app
    seed(app)
    submit(app)
    with app.uow() as uow:
        dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL, reason="ok")
        s = dr.reject(uow, app.clock, request_id=RID, actor="senior1", roles=SENIOR,
                      reason="period too wide")
        uow.commit()
        assert s.status == "pending_legal" and [q.request_id for q in dr.queue(uow)] == [RID]


def test_emergency_answered_provisionally_then_overdue_without_process(memory_app):
    app = memory_app
    seed(app)
    r = submit(app, instrument__type="emergency", instrument__issuer="FIA duty officer",
               categories=["subscriber", "ip_logs", "content"],
               emergency={"threat_to_life": True, "description": "hostage held, location sought"})
    assert r.report.categories == (Category.SUBSCRIBER, Category.IP_LOGS)
    with app.uow() as uow:
        s = dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL,
                       reason="credible threat to life")
        uow.commit()
        content = dr.read_package(uow, app.clock, request_id=RID, actor="legal1", purpose="x")
    assert s.status == "disclosed" and s.provisional and s.confirmed_by is None
    assert set(content["accounts"][0]) == {"platform", "account_id", "subscriber", "ip_logs"}
    app.clock.advance(days=8)
    report = dr.run_due(app.uow, app.clock)
    assert report.overdue == 1
    assert dr.run_due(app.uow, app.clock).overdue == 0  # flagged once
    with app.uow() as uow:
        v = dr.view(uow, RID)
        assert v.state.overdue_flagged and v.to_dict(app.clock.now())["overdue"]
        row = uow.datarequests.get(RID)
        assert row.overdue_flagged and row.provisional


def test_emergency_follow_up_process_clears_the_deadline(memory_app):
    app = memory_app
    seed(app)
    submit(app, instrument__type="emergency", instrument__issuer="FIA duty officer",
           emergency={"threat_to_life": True, "description": "threat"})
    with app.uow() as uow:
        dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL, reason="ok")
        with pytest.raises(DataRequestRuleError, match="not valid legal process"):
            dr.follow_up(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL,
                         instrument={"type": "court_order", "issuer": "FIA HQ",
                                     "reference": "L-1", "date": "2025-08-12"})
        s = dr.follow_up(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL,
                         instrument={"type": "court_order", "issuer": "Sessions Court Karachi",
                                     "reference": "CO-77", "date": "2025-08-12"})
        uow.commit()
    assert not s.provisional and s.followup_reference == "CO-77"
    app.clock.advance(days=30)
    assert dr.run_due(app.uow, app.clock).overdue == 0


def test_preservation_snapshots_discloses_nothing_extends_once_and_expires(memory_app):
    app = memory_app
    seed(app)
    r = submit(app, instrument__type="preservation", instrument__issuer="FIA Cyber Crime Wing",
               categories=["subscriber", "content"])
    assert r.status == "preserved"
    with app.uow() as uow:
        assert [s[1] for s in uow.datarequests.snapshots(RID)] == ["a1"]
        assert uow.datarequests.package(RID) is None
        with pytest.raises(DataRequestRuleError, match="nothing to approve"):
            dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL, reason="x")
        s = dr.extend_preservation(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL,
                                   reason="authority applying for a court order")
        assert s.preserved_until == datetime(2026, 2, 7, 9, 0, tzinfo=UTC)  # 2025-08-11 + 90 + 90
        with pytest.raises(DataRequestRuleError, match="1 time"):
            dr.extend_preservation(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL,
                                   reason="again")
        uow.commit()
    reads = events(app, EventKind.DATA_ACCESS)
    assert [e.payload["purpose"] for e in reads] == ["preservation"]
    app.clock.advance(days=179)
    assert dr.run_due(app.uow, app.clock).preservations_ended == 0
    app.clock.advance(days=2)
    assert dr.run_due(app.uow, app.clock).preservations_ended == 1
    with app.uow() as uow:
        assert uow.datarequests.snapshots(RID) == []
        assert uow.datarequests.get(RID).status == "preservation_ended"


def test_preservation_naming_a_protected_account_waits_for_legal(memory_app):
    app = memory_app
    seed(app)
    r = submit(app, instrument__type="preservation", instrument__issuer="FIA",
               targets=["@reporter_j"])
    assert r.status == "pending_legal"
    with app.uow() as uow:
        assert uow.datarequests.snapshots(RID) == []
        s = dr.preserve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL)
        uow.commit()
    assert s.status == "preserved"


def test_nondisclosure_delays_the_notice_until_it_expires(memory_app):
    app = memory_app
    seed(app)
    submit(app, nondisclosure_until="2025-09-01",
           nondisclosure_reason="an open investigation")
    with app.uow() as uow:
        dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL, reason="ok")
        s = dr.confirm(uow, app.clock, request_id=RID, actor="legal2", roles=LEGAL)
        uow.commit()
        assert s.notice_due_at == datetime(2025, 9, 1, tzinfo=UTC) and s.notice_sent_at is None
        assert not [m for m in uow.outbox.pending()
                    if m.kind == "data_request_notice"]
    assert dr.run_due(app.uow, app.clock).notices == 0
    app.clock.advance(days=21)  # received 2025-08-11 09:00: now 2025-09-01 09:00
    assert dr.run_due(app.uow, app.clock).notices == 1
    assert dr.run_due(app.uow, app.clock).notices == 0
    with app.uow() as uow:
        notices = [m for m in uow.outbox.pending() if m.kind == "data_request_notice"]
        assert len(notices) == 1 and notices[0].payload["delayed_until"] == "2025-09-01"


def test_resubmission_is_idempotent_and_a_different_document_refused(memory_app):
    app = memory_app
    seed(app)
    first = submit(app)
    again = submit(app)
    assert again.already_imported and again.status == first.status
    with pytest.raises(dr.DuplicateRequest):
        submit(app, categories=["subscriber"])


def test_transparency_counts(memory_app):
    app = memory_app
    seed(app)
    submit(app)  # legal process, produced below
    submit(app, request_id="R2", instrument={"type": "none"})  # refused
    submit(app, request_id="R3", instrument__type="emergency", instrument__issuer="FIA",
           emergency={"threat_to_life": True, "description": "threat"}, country="AF")
    submit(app, request_id="R4", instrument__type="preservation", instrument__issuer="FIA",
           nondisclosure_until="indefinite", nondisclosure_reason="an open investigation",
           targets=["@umar_media", "@reporter_j"])
    with app.uow() as uow:
        dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL, reason="ok")
        dr.confirm(uow, app.clock, request_id=RID, actor="legal2", roles=LEGAL)
        uow.commit()
        c = dr.transparency_counts(uow, since=datetime(2025, 1, 1, tzinfo=UTC))
        none = dr.transparency_counts(uow, since=datetime(2026, 1, 1).date())
    assert (c["requests"], c["legal_process"], c["emergency"], c["preservation"]) == (4, 2, 1, 1)
    assert c["accounts_specified"] == 5 and c["refused"] == 1 and c["under_nondisclosure"] == 1
    assert c["some_data_produced"] == 1 and c["share_some_data_produced"] == 0.3333
    assert c["by_country"]["AF"]["emergency"] == 1 and c["by_country"]["PK"]["requests"] == 3
    assert none["requests"] == 0
