"""Referral import through the service, on the in-memory unit of work (the same contract as
the database's: tests/integration/storage/test_uow_contract*.py): evidence checked against the
platform store, duplicates against earlier open items, events and the response document. The
command that imports a file stays on SQLite (tests/integration/referrals)."""

from __future__ import annotations

import pytest

from tarazu.domain.events import EventKind, SubjectRef, SubjectType
from tarazu.referrals.model import Reason
from tarazu.referrals.response import render_text
from tarazu.service import referrals
from tests.integration.referrals.helpers import document, item, outcomes, run, seed_platform


def test_evidence_must_exist_and_belong_to_the_account(memory_app):
    app = memory_app
    seed_platform(app)
    doc = document("R-1", [
        item("acc0"),  # own post: accepted
        item("acc1", evidence=["https://x.com/acc1/status/p-acc0-1"]),  # acc0's post
        item("acc2", evidence=["p-acc2-9"]),  # no such post
        item("acc2", evidence=["md5:" + "0201".ljust(32, "a")]),  # own media
        item("acc1", platform="x", evidence=["https://example.org/acc1/1"]),  # own link
    ])
    res = run(app, doc)
    assert outcomes(res) == [
        (1, "accepted", []),
        (2, "returned", ["no_specific_evidence"]),
        (3, "returned", ["no_specific_evidence"]),
        (4, "accepted", []),
        (5, "accepted", []),
    ]
    assert "different account" in " ".join(res.results[1].explanation)
    assert "not found" in " ".join(res.results[2].explanation)


def test_duplicates_against_earlier_open_items_and_reopened_after_a_decision(memory_app):
    app = memory_app
    seed_platform(app)
    run(app, document("R-1", [item("acc0")]))
    res = run(app, document("R-2", [item("acc0"), item("acc1"), item("acc1")]))
    assert outcomes(res) == [(1, "refused", ["duplicate"]), (2, "accepted", []),
                             (3, "refused", ["duplicate"])]
    assert res.results[0].duplicate_of == "R-1#1"
    assert res.results[2].duplicate_of == "R-2#2"


def test_a_journalist_is_escalated_and_the_case_goes_to_senior_review(memory_app):
    app = memory_app
    seed_platform(app)
    res = run(app, document("R-1", [item("journo", instrument="ATC order 7/2025")]))
    assert outcomes(res) == [(1, "escalated", ["protected_target"])]
    ref = SubjectRef.account("x", "id-journo")
    with app.uow() as uow:
        events = uow.events.for_subject(ref)
        row = uow.status.get(ref)
    checked = next(e for e in events if e.kind is EventKind.REFERRAL_CHECKED)
    assert checked.payload["instrument"] == "ATC order 7/2025"
    assert row.review_state == "escalated" and row.protected


def test_unknown_accounts_are_recorded_on_the_referral_subject(memory_app):
    app = memory_app
    seed_platform(app)
    res = run(app, document("R-1", [item("nobody")]))
    assert res.results[0].reasons == (Reason.UNKNOWN_ACCOUNT,)
    with app.uow() as uow:
        ev = uow.events.for_subject(SubjectRef(SubjectType.REFERRAL, "R-1#1"))
    assert [e.kind for e in ev] == [EventKind.REFERRAL_CHECKED]


def test_reimport_is_idempotent_and_a_changed_document_is_refused(memory_app):
    app = memory_app
    seed_platform(app)
    doc = document("R-1", [item("acc0"), item("acc1", evidence=[])])
    first = run(app, doc)
    again = run(app, doc)
    assert again.already_imported and outcomes(again) == outcomes(first)
    with pytest.raises(referrals.DuplicateRequest):
        run(app, document("R-1", [item("acc2")]))


def test_the_response_document_says_what_to_fix(memory_app):
    app = memory_app
    seed_platform(app)
    run(app, document("R-1", [item("acc0"), item("acc1", legal_basis="", evidence=[]),
                              item("acc2", group="", ground="ملک دشمن"), {"account": 5}]))
    with app.uow() as uow:
        doc = referrals.response_for(uow, app.clock, "R-1", submitted_by="requester")
        with pytest.raises(referrals.RequestNotFound):
            referrals.response_for(uow, app.clock, "R-1", submitted_by="someone-else")
    assert doc["summary"] == {"accepted": 1, "escalated": 0, "returned": 2, "refused": 1,
                              "invalid": 0, "total": 4}
    by_line = {i["line"]: i for i in doc["items"]}
    assert by_line[1]["status"]["in_words"] == "awaiting review"
    assert any("legal_basis" in f for f in by_line[2]["to_fix"])
    assert by_line[3]["outcome"] == "refused" and by_line[3]["to_fix"] == []
    assert by_line[4]["reasons"] == ["invalid_item"]
    text = render_text(doc)
    assert "Item 2: @acc1 on x" in text and "To fix:" in text
