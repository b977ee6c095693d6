"""The contract of ``uow.datarequests`` (:class:`tarazu.service.ports.DataRequests`) on every
unit of work: in memory, SQLite, PostgreSQL (the fixture ``new_uow`` is in this folder's
conftest)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from tarazu.datarequests.case import RequestState, Scope, Target
from tarazu.datarequests.checks import Outcome

T0 = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _add(uow, request_id: str, at: datetime, by: str | None = "fia", **document: object) -> None:
    uow.datarequests.add(request_id=request_id, country="PK", agency="FIA",
                         instrument_type="court_order", path="standard", platform="x",
                         received_at=at, submitted_by=by, document_sha256=request_id * 8,
                         document=document or {"reference": request_id, "items": ("a", "b")})


def test_a_request_is_kept_as_received_once_with_an_empty_projection(new_uow):
    with new_uow() as uow:
        _add(uow, "DR-1", T0, note="اردو")
        uow.commit()
    with new_uow() as uow:
        row = uow.datarequests.get("DR-1")
        assert row is not None
        assert (row.request_id, row.country, row.agency, row.instrument_type, row.path,
                row.platform, row.received_at, row.submitted_by, row.document_sha256) == (
            "DR-1", "PK", "FIA", "court_order", "standard", "x",
            "2025-07-25T09:00:00.000000Z", "fia", "DR-1" * 8)
        assert (row.status, row.outcome, row.protected, row.targets_named, row.produced,
                row.nondisclosure_until, row.notice_due_at, row.notice_sent_at,
                row.followup_deadline, row.provisional, row.overdue_flagged,
                row.preserved_until) == ("none", "", False, 0, False, None, None, None, None,
                                         False, False, None)
        assert uow.datarequests.document("DR-1") == {"note": "اردو"}
        assert uow.datarequests.document_sha256("DR-1") == "DR-1" * 8
        assert uow.datarequests.get("DR-9") is None
        assert uow.datarequests.document("DR-9") is None
        assert uow.datarequests.document_sha256("DR-9") is None
        with pytest.raises(IntegrityError):
            _add(uow, "DR-1", T0 + DAY)


def test_the_projection_takes_the_folded_state_and_answers_the_due_lists(new_uow):
    protected = Scope((), None, (Target("x", "a1", "@a1", "journalist"),))
    with new_uow() as uow:
        for i in range(1, 6):
            _add(uow, f"DR-{i}", T0 + i * DAY, by="fia" if i % 2 else "police")
        uow.datarequests.save_state(RequestState(
            "DR-1", status="preserved", preserved_until=T0 + 10 * DAY, outcome=Outcome.ACCEPTED,
            checked=protected, targets_named=2, nondisclosure_until=date(2026, 1, 2),
            notice_due_at=T0 + 3 * DAY), last_seq=7)
        uow.datarequests.save_state(RequestState(
            "DR-2", status="pending_legal", provisional=True, followup_deadline=T0 + 2 * DAY,
            notice_due_at=T0 + 2 * DAY, notice_sent_at=T0 + 2 * DAY), last_seq=8)
        uow.datarequests.save_state(RequestState(
            "DR-3", status="preserved", preserved_until=T0 + 30 * DAY, provisional=True,
            followup_deadline=T0 + DAY, overdue_flagged=True, notice_due_at=T0 + DAY),
            last_seq=9)
        uow.datarequests.save_state(RequestState(
            "DR-4", status="disclosed", provisional=True, followup_deadline=T0 + 4 * DAY,
            packages=("pkg",)), last_seq=10)
        uow.datarequests.save_state(RequestState("DR-9", status="refused"), last_seq=11)
        uow.commit()
    with new_uow() as uow:
        r1 = uow.datarequests.get("DR-1")
        assert r1 is not None
        assert (r1.status, r1.outcome, r1.protected, r1.targets_named, r1.produced,
                r1.nondisclosure_until, r1.notice_due_at, r1.preserved_until) == (
            "preserved", "accepted", True, 2, False, "2026-01-02",
            "2025-07-28T09:00:00.000000Z", "2025-08-04T09:00:00.000000Z")
        r4 = uow.datarequests.get("DR-4")
        assert r4 is not None and r4.produced and r4.provisional
        assert uow.datarequests.get("DR-9") is None  # no request: nothing to project onto
        now = T0 + 10 * DAY
        assert uow.datarequests.notices_due(now) == ["DR-3", "DR-1"]  # oldest due first
        assert uow.datarequests.notices_due(T0 + 3 * DAY - timedelta(microseconds=1)) == [
            "DR-3"]
        assert sorted(uow.datarequests.followups_overdue(now)) == ["DR-2", "DR-4"]
        assert uow.datarequests.followups_overdue(T0 + 2 * DAY) == []  # due then: not yet
        assert uow.datarequests.preservations_expired(now) == ["DR-1"]  # at its end
        assert uow.datarequests.preservations_expired(now - timedelta(microseconds=1)) == []


def test_requests_are_listed_newest_first_with_filters(new_uow):
    with new_uow() as uow:
        for i in range(1, 5):
            _add(uow, f"DR-{i}", T0 + i * DAY, by="fia" if i % 2 else "police")
        uow.datarequests.save_state(RequestState("DR-2", status="refused"), last_seq=1)
        uow.commit()
    with new_uow() as uow:
        def ids(**kw: object) -> list[str]:
            return [r.request_id for r in uow.datarequests.list(**kw)]

        assert ids() == ["DR-4", "DR-3", "DR-2", "DR-1"]
        assert ids(statuses=("none",)) == ["DR-4", "DR-3", "DR-1"]
        assert ids(statuses=("refused", "none"), limit=2) == ["DR-4", "DR-3"]
        assert ids(submitted_by="police") == ["DR-4", "DR-2"]
        assert ids(since=T0 + 2 * DAY, until=T0 + 4 * DAY) == ["DR-3", "DR-2"]
        assert ids(statuses=("disclosed",)) == []


def test_one_package_a_request_and_snapshots_until_dropped(new_uow):
    with new_uow() as uow:
        _add(uow, "DR-1", T0)
        _add(uow, "DR-2", T0)
        uow.datarequests.add_package(package_id="P1", request_id="DR-1", created_at=T0,
                                     created_by="legal1", sha256="s" * 64,
                                     content_sha256="c" * 64, ciphertext=b"\x00secret")
        for account in ("a2", "a1"):
            uow.datarequests.add_snapshot(request_id="DR-1", platform="x", account_id=account,
                                          created_at=T0, sha256=account * 32,
                                          ciphertext=b"snap")
        uow.datarequests.add_snapshot(request_id="DR-2", platform="x", account_id="a1",
                                      created_at=T0, sha256="z" * 64, ciphertext=b"snap")
        uow.commit()
    with new_uow() as uow:
        p = uow.datarequests.package("DR-1")
        assert p is not None and (p.package_id, p.created_at, p.created_by, p.sha256,
                                  p.content_sha256, p.ciphertext) == (
            "P1", "2025-07-25T09:00:00.000000Z", "legal1", "s" * 64, "c" * 64, b"\x00secret")
        assert uow.datarequests.package("DR-2") is None
        assert uow.datarequests.package_count() == 1
        assert uow.datarequests.snapshots("DR-1") == [("x", "a1", "a1" * 32),
                                                      ("x", "a2", "a2" * 32)]
        assert uow.datarequests.drop_snapshots("DR-1") == 2
        assert uow.datarequests.drop_snapshots("DR-1") == 0
        assert uow.datarequests.snapshots("DR-1") == []
        assert len(uow.datarequests.snapshots("DR-2")) == 1
        with pytest.raises(IntegrityError):
            uow.datarequests.add_snapshot(request_id="DR-2", platform="x", account_id="a1",
                                          created_at=T0, sha256="y" * 64, ciphertext=b"again")


def test_a_second_package_for_one_request_is_refused(new_uow):
    with new_uow() as uow:
        _add(uow, "DR-1", T0)
        uow.datarequests.add_package(package_id="P1", request_id="DR-1", created_at=T0,
                                     created_by="legal1", sha256="s" * 64,
                                     content_sha256="c" * 64, ciphertext=b"one")
        with pytest.raises(IntegrityError):
            uow.datarequests.add_package(package_id="P2", request_id="DR-1", created_at=T0,
                                         created_by="legal1", sha256="s" * 64,
                                         content_sha256="c" * 64, ciphertext=b"two")
