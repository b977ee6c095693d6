"""Public reports on the database: a muted reporter stays set aside across a restart (SQLite and
PostgreSQL), and reviewers see a campaign on the case page. The rest of the use case (campaigns,
priority, reputation, rate limits, the reporter's receipt) is tested on the in-memory unit of
work: tests/unit/service/test_reports_in_memory.py."""

from __future__ import annotations

from datetime import timedelta

from tarazu.bootstrap import bootstrap
from tarazu.domain.events import EventKind
from tarazu.service import reports
from tests.integration.referrals.helpers import report, seed_platform


def test_a_muted_reporter_is_set_aside_even_after_a_restart(app):
    seed_platform(app)
    reports.mute_reporter(app.uow, app.clock, "troll", actor="senior_reviewer",
                          reason="reports every journalist daily")
    again = bootstrap(app.settings, clock=app.clock)  # a new process on the same database
    try:
        r = report(again, "@acc0", "troll")
    finally:
        again.engine.dispose()
    assert not r.counted
    with app.uow() as uow:
        ev = uow.events.for_subject(r.subject)
        mutes = uow.events.for_subject(reports.reporter_subject("troll"))
    assert ev[-1].payload["set_aside"] and ev[-1].payload["set_aside_reason"] == "muted_reporter"
    assert [e.kind for e in mutes] == [EventKind.MUTE_REPORTER]


def test_reviewers_see_the_campaign_on_the_case(sqlite_app):
    from fastapi.testclient import TestClient

    from tarazu.adapters.passwords import hash_password
    from tarazu.domain.roles import Role
    from tarazu.entrypoints.web.app import create_app

    app = sqlite_app
    seed_platform(app, n_accounts=1)
    for i in range(30):
        report(app, "@journo", f"fresh{i}", account_created=app.clock.now() - timedelta(hours=1))
        app.clock.advance(seconds=5)
    with app.uow() as uow:
        uow.users.add("rev", hash_password("a long password"), frozenset({Role.REVIEWER}),
                      app.clock.now())
        uow.commit()
    client = TestClient(create_app(app))
    client.post("/login", data={"username": "rev", "password": "a long password"})
    case = client.get("/api/cases/account/x:id-journo").json()
    assert case["campaigns"] and case["campaigns"][0]["new_reporters"] == 30
    page = client.get("/cases/account/x:id-journo").text
    assert "possible coordinated campaign: 30 reports from 30 new reporters" in page
