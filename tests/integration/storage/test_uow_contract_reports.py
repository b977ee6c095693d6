"""The contract of ``uow.reports`` (:class:`tarazu.service.ports.PublicReports`) on every unit
of work: in memory, SQLite, PostgreSQL (the fixture ``new_uow`` is in this folder's
conftest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from tarazu.domain.case import CaseState
from tarazu.domain.events import SubjectRef
from tarazu.reports.ratelimit import Bucket
from tarazu.service.records import Campaign

T0 = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
A1 = SubjectRef.account("x", "a1")
A2 = SubjectRef.account("x", "a2")


def _report(uow, receipt: str, subject: SubjectRef = A1, *, reporter: str = "r1",
            minutes: int = 0, new: bool = False, weight: float = 1.0, held: bool = False,
            set_aside: bool = False, text: str = "", campaign: str | None = None) -> None:
    uow.reports.add(receipt_id=receipt, token_hash="t" * 64, platform="x",
                    target_type="account", target_ref=f"@{subject.id}", subject=subject,
                    category="harassment", text=text, contact="", reporter_key=reporter,
                    new_reporter=new, weight=weight, held=held, set_aside=set_aside,
                    campaign_id=campaign, event_id=f"e-{receipt}", at=T0 + minutes * MIN)


def test_a_new_bucket_starts_full_and_keeps_what_is_saved(new_uow):
    full = Bucket(5.0, T0)
    with new_uow() as uow:
        assert uow.reports.bucket("ip:1", full) == full
        uow.reports.save_bucket("ip:1", Bucket(2.5, T0 + timedelta(seconds=7, microseconds=3)))
        uow.reports.save_bucket("never-read", Bucket(0.0, T0))  # no row: nothing saved
        uow.commit()
    with new_uow() as uow:
        assert uow.reports.bucket("ip:1", full) == Bucket(
            2.5, T0 + timedelta(seconds=7, microseconds=3))
        assert uow.reports.bucket("never-read", full) == full
        assert uow.reports.bucket("ip:2", Bucket(1.0, T0 + MIN)) == Bucket(1.0, T0 + MIN)


def test_a_reporter_is_first_seen_once_and_muted_with_a_reason(new_uow):
    with new_uow() as uow:
        fresh = uow.reports.reporter("r1")
        assert (fresh.first_seen_at, fresh.account_created_at, fresh.muted) == (None, None, False)
        uow.reports.touch_reporter("r1", T0, T0 - timedelta(days=400))
        uow.reports.touch_reporter("r1", T0 + MIN, None)  # seen before: unchanged
        uow.reports.touch_reporter("r2", T0, None)
        uow.reports.set_muted("r2", True, T0, "abuse")
        uow.commit()
    with new_uow() as uow:
        r1 = uow.reports.reporter("r1")
        assert (r1.first_seen_at, r1.account_created_at, r1.muted) == (
            T0, T0 - timedelta(days=400), False)
        assert uow.reports.reporter("r2").muted
        uow.reports.set_muted("r2", False, T0 + MIN, "")
        assert not uow.reports.reporter("r2").muted


def test_a_reporters_track_record_reads_the_current_state_of_their_cases(new_uow):
    a3 = SubjectRef.account("x", "a3")
    with new_uow() as uow:
        _report(uow, "p1", A1)
        _report(uow, "p2", A1, minutes=1)  # two reports on one actioned case count twice
        _report(uow, "p3", A2)
        _report(uow, "p4", a3)
        _report(uow, "p5", A2, reporter="r2")
        uow.status.save(CaseState(subject=A1, review_state="closed", enforcement="suspend"),
                        None, False, 1)
        uow.status.save(CaseState(subject=A2, review_state="closed"), None, False, 2)
        uow.status.save(CaseState(subject=a3, review_state="open"), "general", False, 3)
        uow.commit()
    with new_uow() as uow:
        assert uow.reports.track_record("r1") == (2, 1)
        assert uow.reports.track_record("r2") == (0, 1)
        assert uow.reports.track_record("r9") == (0, 0)
        view = uow.reports.reporter("r1")
        assert (view.actioned, view.not_actioned) == (2, 1)


def test_reports_are_kept_once_a_receipt_and_counted_on_their_subject(new_uow):
    with new_uow() as uow:
        _report(uow, "p1", minutes=2, weight=1.0, text="they threatened me")
        _report(uow, "p2", minutes=1, reporter="r2", new=True, weight=0.5)
        _report(uow, "p3", minutes=3, reporter="r3", weight=4.0, held=True)
        _report(uow, "p4", minutes=4, reporter="r4", weight=8.0, set_aside=True)
        _report(uow, "p5", A2, weight=16.0)
        uow.commit()
    with new_uow() as uow:
        got = uow.reports.get("p2")
        assert got is not None
        assert (got.subject, got.category, got.received_at, got.held, got.set_aside,
                got.campaign_id, got.target_ref) == (
            A1, "harassment", "2025-07-25T09:01:00.000000Z", False, False, None, "@x:a1")
        assert uow.reports.get("p9") is None
        assert uow.reports.counts(A1) == {"reports": 4, "set_aside": 1}
        assert uow.reports.counts(SubjectRef.account("x", "none")) == {
            "reports": 0, "set_aside": 0}
        assert uow.reports.counted_weight(A1) == 1.5  # held and set-aside reports do not count
        assert uow.reports.counted_weight(SubjectRef.account("x", "none")) == 0.0
        seen = uow.reports.sightings(A1, T0 + MIN)
        assert [(s.at, s.reporter, s.new_reporter) for s in seen] == [
            (T0 + MIN, "r2", True), (T0 + 2 * MIN, "r1", False), (T0 + 3 * MIN, "r3", False),
            (T0 + 4 * MIN, "r4", False)]
        assert [s.reporter for s in uow.reports.sightings(A1, T0 + 3 * MIN)] == ["r3", "r4"]
        with pytest.raises(IntegrityError):
            _report(uow, "p1")


def _campaign(cid: str, subject: SubjectRef, last: int) -> Campaign:
    return Campaign(cid, subject, "2025-07-25T10:00:00.000000Z", T0, T0 + last * MIN, 3, 3, 2,
                    f"e-{cid}")


def test_a_campaign_takes_the_new_reporters_of_its_window(new_uow):
    with new_uow() as uow:
        _report(uow, "p0", minutes=0, reporter="n0", new=True)  # before the window
        _report(uow, "p1", minutes=5, reporter="n1", new=True)
        _report(uow, "p2", minutes=6, reporter="n2", new=True)
        _report(uow, "p3", minutes=7, reporter="n1", new=True)
        _report(uow, "p4", minutes=8, reporter="old")  # established: never a member
        _report(uow, "p5", minutes=9, reporter="n3", new=True, campaign="earlier")
        _report(uow, "p6", A2, minutes=6, reporter="n4", new=True)  # another subject
        uow.reports.add_campaign(_campaign("c1", A1, 9))
        uow.reports.mark_campaign(A1, T0 + 5 * MIN, "c1")
        uow.commit()
    with new_uow() as uow:
        assert uow.reports.campaign_members("c1") == {"n1", "n2"}
        assert uow.reports.campaign_totals("c1") == (3, 2, 2)
        assert uow.reports.campaign_totals("none") == (0, 0, 0)
        got = uow.reports.get("p1")
        assert got is not None and got.campaign_id == "c1"
        assert uow.reports.get("p5").campaign_id == "earlier"  # type: ignore[union-attr]
        with pytest.raises(IntegrityError):
            uow.reports.add_campaign(_campaign("c1", A1, 9))


def test_campaigns_are_listed_latest_first_and_updated_in_place(new_uow):
    with new_uow() as uow:
        uow.reports.add_campaign(_campaign("c1", A1, 10))
        uow.reports.add_campaign(_campaign("c2", A2, 20))
        uow.reports.add_campaign(_campaign("c3", A1, 30))
        uow.reports.update_campaign("c1", last_at=T0 + 40 * MIN, reports=9, reporters=7,
                                    new_reporters=6)
        uow.commit()
    with new_uow() as uow:
        assert [c.campaign_id for c in uow.reports.campaigns()] == ["c1", "c3", "c2"]
        assert [c.campaign_id for c in uow.reports.campaigns(A1)] == ["c1", "c3"]
        assert [c.campaign_id for c in uow.reports.campaigns(limit=2)] == ["c1", "c3"]
        assert uow.reports.campaigns(SubjectRef.account("x", "none")) == []
        c1 = uow.reports.campaigns(A1)[0]
        assert c1 == Campaign("c1", A1, "2025-07-25T10:00:00.000000Z", T0, T0 + 40 * MIN, 9, 7,
                              6, "e-c1")
