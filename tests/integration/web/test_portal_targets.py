"""Public reports over HTTP end in a case a reviewer can open and decide, or are refused by
name: a post named by any URL of it, an account that does not exist."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient

from tarazu.entrypoints.web.app import create_app
from tests.integration.referrals.helpers import seed_platform
from tests.integration.web.conftest import login

POST = {"platform": "x", "target_type": "post", "category": "designated_organisation"}


def test_a_post_reported_by_url_is_a_case_reviewers_open_and_decide(client, web):
    seed_platform(web)
    r = client.post("/api/reports", json=POST | {"target": "https://x.com/i/web/status/p-acc0-1"})
    assert r.status_code == 201, r.text
    rv = TestClient(create_app(web))
    csrf = login(rv, "reviewer")
    items = rv.get("/api/queue").json()["items"]
    assert [(i["subject_type"], i["subject_id"]) for i in items] == [("post", "x:p-acc0-1")]
    path = f"/cases/post/{quote('x:p-acc0-1', safe='')}"
    case = rv.get("/api" + path)
    assert case.status_code == 200 and case.json()["post"]["account_id"] == "id-acc0"
    assert rv.get(path).status_code == 200
    d = rv.post("/api" + path + "/decisions", json={
        "action": "label", "policy": "DOI-2", "reason": "official media of a designated group"},
        headers={"X-CSRF-Token": csrf})
    assert d.status_code == 201, d.text


def test_a_post_of_a_protected_account_goes_to_senior_review(client, web):
    seed_platform(web)
    r = client.post("/api/reports", json=POST | {"target": "https://x.com/journo/status/"
                                                           "p-journo-0/photo/1"})
    assert r.status_code == 201, r.text
    rv = TestClient(create_app(web))
    login(rv, "reviewer")
    case = rv.get("/api/cases/post/" + quote("x:p-journo-0", safe="")).json()
    assert case["protected"] == "journalist" and case["priority"] == 0
    items = rv.get("/api/queue").json()["items"]
    assert [(i["subject_id"], i["queue"]) for i in items] == [("x:p-journo-0", "senior")]


def test_a_report_on_an_account_that_does_not_exist_is_refused_with_the_field(client, web):
    seed_platform(web)
    r = client.post("/api/reports", json=POST | {"target_type": "account", "target": "@ghost"})
    assert r.status_code == 422 and r.json()["field"] == "target"
    assert "no account '@ghost' is known on platform 'x'" in r.json()["detail"]
    page = client.post("/report", data=POST | {"target_type": "account", "target": "@ghost"})
    assert page.status_code == 422 and "no account &#39;@ghost&#39; is known" in page.text
    rv = TestClient(create_app(web))
    login(rv, "reviewer")
    assert rv.get("/api/queue").json()["items"] == []
