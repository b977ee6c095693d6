"""Data requests through the API and the UI, with roles checked strictly."""

import json

from fastapi.testclient import TestClient

from tarazu.adapters.passwords import hash_password
from tarazu.domain.events import EventKind
from tarazu.domain.roles import Role
from tarazu.entrypoints import jobs
from tarazu.entrypoints.web.app import create_app
from tests.integration.datarequests.helpers import events, seed
from tests.integration.web import conftest as web_fixtures
from tests.integration.web.conftest import PASSWORD, login
from tests.unit.datarequests.samples import doc

RID = "FIA-2025-0811-07"
web = web_fixtures.web  # users of every role over the real app


def as_user(web, name):
    c = TestClient(create_app(web))
    csrf = login(c, name)
    c.headers.update({"X-CSRF-Token": csrf, "accept": "application/json"})
    return c


def add_user(web, name, role):
    with web.uow() as uow:
        uow.users.add(name, hash_password(PASSWORD), frozenset({role}), web.clock.now())
        uow.commit()


def post_request(c, **changes):
    return c.post("/api/data-requests?platform=x", content=json.dumps(doc(**changes)),
                  headers={"content-type": "application/json"})


def test_requester_submits_and_sees_only_their_own(web):
    seed(web)
    add_user(web, "other_requester", Role.REQUESTER)
    me = as_user(web, "requester")
    r = post_request(me)
    assert r.status_code == 201, r.text
    assert r.json()["checks"]["outcome"] == "accepted" and r.json()["status"] == "pending_legal"
    assert post_request(me).status_code == 200  # the same document again: idempotent
    other = as_user(web, "other_requester")
    assert post_request(other, request_id="R-OTHER").status_code == 201
    theirs = post_request(other)  # someone else's id: their own request, told nothing
    assert theirs.status_code == 201 and theirs.json()["request_id"] == RID
    mine = me.get("/api/data-requests").json()["requests"]
    assert [x["request_id"] for x in mine] == [RID]
    assert sorted(x["request_id"] for x in other.get("/api/data-requests").json()["requests"]) \
        == sorted([RID, "R-OTHER"])
    assert me.get(f"/api/data-requests/{RID}").json()["status"] == "pending_legal"
    assert "history" not in me.get(f"/api/data-requests/{RID}").json()
    assert me.get("/api/data-requests/R-OTHER").status_code == 404
    assert me.get("/data-requests/R-OTHER", headers={"accept": "text/html"}).status_code == 404
    page = me.get("/data-requests", headers={"accept": "text/html"}).text
    assert RID in page and "R-OTHER" not in page
    theirs_page = other.get("/data-requests", headers={"accept": "text/html"}).text
    assert f'href="/data-requests/{RID}"' in theirs_page and f"{RID}@" not in theirs_page
    assert other.get(f"/data-requests/{RID}", headers={"accept": "text/html"}).status_code == 200


def test_bad_request_names_the_field(web):
    me = as_user(web, "requester")
    r = post_request(me, instrument__type="letter")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "instrument.type"


def test_legal_approves_senior_confirms_auditor_reads(web):
    seed(web)
    as_user(web, "requester").post("/api/data-requests?platform=x",
                                   content=json.dumps(doc(
                                       nondisclosure_until="2026-01-01",
                                       nondisclosure_reason="an open investigation")))
    legal = as_user(web, "legal")
    page = legal.get(f"/data-requests/{RID}", headers={"accept": "text/html"})
    assert page.status_code == 200 and "Approve" in page.text and "@umar_media" in page.text
    queue = legal.get("/data-requests?status=pending_legal", headers={"accept": "text/html"})
    assert RID in queue.text
    r = legal.post(f"/data-requests/{RID}/approve", follow_redirects=False,
                   data={"reason": "court order, specific", "categories": ["subscriber"],
                         "accounts": ["a1"]})
    assert r.status_code == 303
    assert legal.post(f"/api/data-requests/{RID}/confirm").status_code == 409  # same person
    auditor = as_user(web, "auditor")
    assert auditor.get(f"/api/data-requests/{RID}").json()["status"] == "approved"
    assert auditor.post(f"/api/data-requests/{RID}/confirm").status_code == 403
    senior = as_user(web, "senior_reviewer")
    r = senior.post(f"/api/data-requests/{RID}/confirm")
    assert r.status_code == 200 and r.json()["status"] == "disclosed"
    d = auditor.get(f"/api/data-requests/{RID}").json()
    assert d["package"]["sha256"] and d["notice_due_at"].startswith("2026-01-01")
    assert d["confirmed_by"] == "senior_reviewer" and d["decided_by"] == "legal"
    assert auditor.get(f"/api/data-requests/{RID}/package?purpose=look").status_code == 403
    reads_before = len(events(web, EventKind.DATA_ACCESS))
    pkg = legal.get(f"/api/data-requests/{RID}/package?purpose=hand-over")
    assert pkg.status_code == 200 and pkg.json()["categories"] == ["subscriber"]
    assert len(events(web, EventKind.DATA_ACCESS)) == reads_before + 1
    html = auditor.get(f"/data-requests/{RID}", headers={"accept": "text/html"}).text
    assert "/approve" not in html and "/confirm" not in html and "History" in html


def test_requester_cannot_decide_and_legal_refusal_needs_reasons(web):
    seed(web)
    me = as_user(web, "requester")
    post_request(me)
    assert me.post(f"/api/data-requests/{RID}/approve",
                   json={"reason": "self-approval"}).status_code == 403
    legal = as_user(web, "legal")
    assert legal.post(f"/api/data-requests/{RID}/refuse", json={"reason": " "}).status_code \
        == 409
    assert legal.post(f"/api/data-requests/{RID}/approve",
                      json={"reason": "x", "categories": ["content"]}).status_code == 409
    r = legal.post(f"/api/data-requests/{RID}/refuse", json={"reason": "overbroad"})
    assert r.status_code == 200 and r.json()["status"] == "refused"
    assert me.get(f"/api/data-requests/{RID}").json()["refusal"] == "overbroad"
    assert legal.get("/api/data-requests/NOPE").status_code == 404


def test_the_worker_runs_the_notice_job(web):
    """A notice delayed by a non-disclosure order is queued by the worker's data-request job
    once the order has ended (here: its first round, the clock being past the end date)."""
    from tarazu.service import datarequests as dr
    from tests.integration.datarequests.helpers import LEGAL, submit

    seed(web)
    submit(web, nondisclosure_until="2025-08-15",
           nondisclosure_reason="an open investigation")
    with web.uow() as uow:
        dr.approve(uow, web.clock, request_id=RID, actor="l1", roles=LEGAL, reason="ok")
        dr.confirm(uow, web.clock, request_id=RID, actor="l2", roles=LEGAL)
        uow.commit()
    web.clock.advance(days=10)  # 2025-08-21: the order ended on 2025-08-15
    jobs.run_round(web)  # one round of the worker's jobs
    with web.uow() as uow:
        assert uow.datarequests.get(RID).notice_sent_at is not None
        assert [m.kind for m in uow.outbox.pending()
                if m.kind == "data_request_notice"] == ["data_request_notice"]
