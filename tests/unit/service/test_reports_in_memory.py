"""Public reports through the service, on the in-memory unit of work (the same contract as the
database's: tests/integration/storage/test_uow_contract*.py): one case per target, campaigns
detected and kept from raising priority, reputation from outcomes, stored rate limits. A muted
reporter across a restart, and the campaign on the reviewer's page, stay on the database
(tests/integration/referrals/test_reports_service.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.platform import Account
from tarazu.domain.policies import Action
from tarazu.reports.ratelimit import BucketPolicy
from tarazu.service import decisions, reports
from tests.integration.referrals.helpers import report, seed_platform


def later(app) -> str:
    return (app.clock.now() + timedelta(days=20)).date().isoformat()


def establish(app, reporter: str, n: int = 3) -> None:
    """Give a reporter a record: n earlier reports on accounts that were then removed."""
    for i in range(n):
        target = f"old{reporter}{i}"
        with app.uow() as uow:  # reports name accounts the platform's data holds
            uow.platform.upsert_account(Account(f"id-{target}", target, app.clock.now(),
                                                "active", platform="x"))
            uow.commit()
        r = report(app, target, reporter)
        with app.uow() as uow:
            decisions.decide(uow, app.clock, subject=r.subject, actor="rev1",
                             action=Action.SUSPEND, policy="DOI-1", reason="placeholder",
                             until=later(app))
            uow.commit()
    app.clock.advance(days=30)


def queue(app):
    with app.uow() as uow:
        return [(r.subject, r.priority) for r in uow.status.queue()]


def test_a_mass_report_campaign_is_detected_and_does_not_move_its_target_up(memory_app):
    app = memory_app
    seed_platform(app, n_accounts=3)
    establish(app, "old-hand")
    target, other = SubjectRef.account("x", "id-journo"), SubjectRef.account("x", "id-acc1")
    # 200 reports from fresh platform accounts within seven minutes
    for i in range(200):
        report(app, "@journo", f"fresh{i}", account_created=app.clock.now() - timedelta(hours=2))
        app.clock.advance(seconds=2)
    # one organic report of another account, from a reporter with a good record
    r = report(app, "@acc1", "old-hand")
    assert r.counted
    prio = dict(queue(app))
    assert prio[other] > prio[target]
    assert prio[target] <= 2  # what four fresh reports may add before the hold
    with app.uow() as uow:
        events = uow.events.for_subject(target)
        camps = reports.campaigns(uow, target)
    notes = [e for e in events if e.kind is EventKind.NOTE
             and e.payload.get("flag") == "coordinated_campaign"]
    assert len(notes) == 1
    assert len(camps) == 1 and camps[0]["reports"] == 200 and camps[0]["new_reporters"] == 200
    assert camps[0]["description"].startswith("possible coordinated campaign: 200 reports "
                                              "from 200 new reporters in 7 minutes")
    aside = [e for e in events if e.kind is EventKind.REPORT and e.payload.get("set_aside")]
    assert len(aside) >= 185
    assert all(e.payload["campaign_id"] == camps[0]["campaign_id"] for e in aside)
    # an established reporter who reports the same account during the campaign still counts
    assert report(app, "@journo", "old-hand").counted


def test_repeated_organic_reports_fold_into_one_case_with_sub_linear_priority(memory_app):
    app = memory_app
    seed_platform(app, n_accounts=2)
    for i in range(12):
        establish(app, f"hand{i}", n=1)
    for i in range(12):
        report(app, "@acc0", f"hand{i}")
        app.clock.advance(hours=3)  # spread over a day and a half
    rows = [(s, p) for s, p in queue(app) if s == SubjectRef.account("x", "id-acc0")]
    assert len(rows) == 1
    assert 3 < rows[0][1] < 12 * 3


def test_reputation_comes_from_what_became_of_past_reports(memory_app):
    app = memory_app
    seed_platform(app, n_accounts=4)
    establish(app, "good", n=4)
    for i in range(4):  # "bad" reports accounts that are then found fine
        with app.uow() as uow:
            uow.platform.upsert_account(Account(f"id-fine{i}", f"fine{i}", app.clock.now(),
                                                "active", platform="x"))
            uow.commit()
        r = report(app, f"fine{i}", "bad")
        with app.uow() as uow:
            decisions.decide(uow, app.clock, subject=r.subject, actor="rev1",
                             action=Action.NO_ACTION, policy="DOI-1", reason="no violation")
            uow.commit()
    app.clock.advance(days=30)
    with app.uow() as uow:
        good, bad = uow.reports.reporter("good"), uow.reports.reporter("bad")
    assert (good.actioned, good.not_actioned) == (4, 0)
    assert (bad.actioned, bad.not_actioned) == (0, 4)
    report(app, "@acc2", "good")
    report(app, "@acc3", "bad")
    prio = dict(queue(app))
    assert prio[SubjectRef.account("x", "id-acc2")] > prio[SubjectRef.account("x", "id-acc3")]


def test_the_rate_limit_is_stored_and_says_when_to_retry(memory_app):
    app = memory_app
    policy = BucketPolicy(capacity=2, per_second=1 / 30)
    assert reports.rate_limit(app.uow, app.clock, "ip-a", policy).allowed
    assert reports.rate_limit(app.uow, app.clock, "ip-a", policy).allowed
    d = reports.rate_limit(app.uow, app.clock, "ip-a", policy)
    assert not d.allowed and d.retry_after == 30
    assert reports.rate_limit(app.uow, app.clock, "ip-b", policy).allowed
    app.clock.advance(seconds=31)
    assert reports.rate_limit(app.uow, app.clock, "ip-a", policy).allowed


def test_the_reporter_follows_the_report_with_the_token_only(memory_app):
    app = memory_app
    seed_platform(app)
    r = report(app, "@acc0", "someone")
    st = reports.report_status(app.uow, r.receipt_id, r.token)
    assert st["state"] == "under_review"
    with pytest.raises(reports.ReceiptNotFound):
        reports.report_status(app.uow, r.receipt_id, "wrong")
    with app.uow() as uow:
        decisions.decide(uow, app.clock, subject=r.subject, actor="rev1", action=Action.SUSPEND,
                         policy="DOI-1", reason="placeholder", until=later(app))
        uow.commit()
    assert reports.report_status(app.uow, r.receipt_id, r.token)["state"] == "action_taken"
