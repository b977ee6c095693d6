"""Public reports that used to slip through, on SQLite and PostgreSQL: a post named by a URL
the classifier does not read opened a case under the URL itself (never viewable, never
decidable); an account that does not exist got a case offering removal; twenty reporters a week
old lifted a protected journalist's case above every government case."""

from __future__ import annotations

import pytest

from tarazu.domain.events import EventKind, SubjectRef
from tarazu.referrals.parse import parse_json
from tarazu.reports.model import ReportError, validate
from tarazu.service import referrals, reports
from tarazu.service.reports import ReporterIdentity
from tests.integration.referrals.helpers import document, item, seed_platform


def _submit(app, target: str, reporter: str = "someone", target_type: str = "account"):
    form = validate("x", target_type, target, "designated_organisation")
    return reports.submit_report(app.uow, app.clock, form, ReporterIdentity(reporter))


def _priorities(app) -> dict[SubjectRef, int]:
    with app.uow() as uow:
        return {r.subject: r.priority for r in uow.status.queue(limit=1000)}


@pytest.mark.parametrize("target", [
    "https://x.com/i/web/status/p-acc0-1",  # a URL shape the classifier does not read
    "https://x.com/acc0/status/p-acc0-1/photo/1",
    "https://x.com/acc0/status/p-acc0-1?s=20",
    "p-acc0-1",
])
def test_a_post_report_opens_the_case_of_the_stored_post(app, target):
    seed_platform(app)
    r = _submit(app, target, target_type="post")
    assert r.subject == SubjectRef.post("x", "p-acc0-1")
    with app.uow() as uow:
        assert [e.kind for e in uow.events.for_subject(r.subject)] == [EventKind.REPORT]


@pytest.mark.parametrize("target,target_type,words", [
    ("@ghost", "account", "no account '@ghost' is known on platform 'x'"),
    ("https://x.com/ghost", "account", "no account 'https://x.com/ghost' is known"),
    ("https://x.com/acc0/status/99999", "post", "no post 'https://x.com/acc0/status/99999'"),
])
def test_a_report_on_something_that_does_not_exist_is_refused_by_name(app, target,
                                                                      target_type, words):
    seed_platform(app)
    with pytest.raises(ReportError) as e:
        _submit(app, target, target_type=target_type)
    assert e.value.field == "target" and words in str(e.value)
    with app.uow() as uow:  # nothing was opened, nothing was recorded
        assert uow.events.head()[0] == 0 and uow.status.queue() == []


def _government_cases(app, handles: list[str]) -> None:
    doc = document("PTA-9", [item(h) for h in handles])
    request, errors = parse_json(doc, app.clock.now(), "x")
    with app.uow() as uow:
        from tarazu.adapters.db.designations import DesignationRepository
        from tarazu.designations.registry import default_registry
        from tarazu.referrals.lookup import registry_lookup

        reg = DesignationRepository(uow.conn).registry()
    lookup = registry_lookup(reg if len(reg) else default_registry())
    out = referrals.import_request(app.uow, app.clock, request, errors, doc.encode(), lookup)
    assert [r.outcome for r in out.results] == ["accepted"] * len(handles)


def _age_reporters(app, n: int) -> list[str]:
    """n reporters first seen eight days ago (each reported something once, then waited)."""
    keys = [f"week-old-{i}" for i in range(n)]
    for k in keys:
        _submit(app, "@acc0", k)
        app.clock.advance(minutes=40)
    app.clock.advance(days=8)
    return keys


def test_week_old_reporters_in_a_burst_are_a_campaign_and_never_lift_a_protected_case(app):
    seed_platform(app, n_accounts=3)
    _government_cases(app, ["acc1", "acc2"])
    keys = _age_reporters(app, 20)
    for k in keys:  # twenty reports on the protected journalist within ten minutes
        _submit(app, "@journo", k)
        app.clock.advance(seconds=30)
    prio = _priorities(app)
    journo = SubjectRef.account("x", "id-journo")
    government = [prio[SubjectRef.account("x", f"id-acc{i}")] for i in (1, 2)]
    assert prio[journo] < min(government)
    with app.uow() as uow:
        camps = reports.campaigns(uow, journo)
        row = uow.status.get(journo)
    assert len(camps) == 1 and camps[0]["reporters"] >= 10
    assert row.queue == "senior" and row.enforcement is None


def test_week_old_reporters_in_a_burst_are_discounted_on_any_account(app):
    seed_platform(app, n_accounts=3)
    keys = _age_reporters(app, 20)
    for k in keys:
        _submit(app, "@acc2", k)
        app.clock.advance(seconds=30)
    target = SubjectRef.account("x", "id-acc2")
    with app.uow() as uow:
        camps = reports.campaigns(uow, target)
        aside = [e for e in uow.events.for_subject(target)
                 if e.kind is EventKind.REPORT and e.payload.get("set_aside")]
    assert len(camps) == 1 and len(aside) >= 10
    assert _priorities(app)[target] <= 3  # what the first few, before the hold, may add


def test_reports_alone_add_no_priority_to_a_protected_account(app):
    """Even reporters with a good record: a protected account's case is ordered by what the
    evidence shows in senior review, never by how many people ask."""
    seed_platform(app, n_accounts=1)
    journo = SubjectRef.account("x", "id-journo")
    r = _submit(app, "@journo", "established")
    with app.uow() as uow:
        ev = uow.events.for_subject(journo)[-1]
    assert r.subject == journo and ev.payload["priority"] == 0
    assert ev.payload["protected_target"] is True
    app.clock.advance(hours=1)
    assert _priorities(app)[journo] == 0
