"""Over HTTP: the holes a hostile reviewer found in due process stay shut — a suspension "until
9999", a long suspension applied by one person, bulk decisions over a pending removal, a later
decision that replaces a pending one, and an appeal "modified" into a harsher sanction."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from tarazu.domain.policies import Action
from tarazu.service import decisions
from tests.integration.due_process.conftest import add_account, report
from tests.integration.web.test_review import API_CASE, _client, _seed


@pytest.fixture
def seeded(web):
    """Users of every role (the ``web`` fixture) and the reported accounts of test_review."""
    _seed(web)
    return web


def _day(app, n: int) -> str:
    return (app.clock.now() + timedelta(days=n)).date().isoformat()


def _post(c, csrf, path, body):
    return c.post(path, headers={"X-CSRF-Token": csrf}, json=body)


def test_api_refuses_a_suspension_until_9999_naming_the_field(seeded):
    c, csrf = _client(seeded, "reviewer")
    r = _post(c, csrf, API_CASE + "/decisions", {
        "action": "suspend", "policy": "DOI-1", "reason": "r", "until": "9999-12-31"})
    assert r.status_code == 422 and "'until'" in r.json()["detail"]
    form = c.post("/cases/account/x:100/decisions", data={
        "csrf_token": csrf, "action": "suspend", "policy": "DOI-1", "reason": "r",
        "until": "9999-12-31"})
    assert form.status_code == 422 and "at most 365 days" in form.text
    assert c.get(API_CASE).json()["enforcement"] is None


def test_api_long_suspension_is_pending_until_confirmed(seeded):
    c, csrf = _client(seeded, "reviewer")
    r = _post(c, csrf, API_CASE + "/decisions", {
        "action": "suspend", "policy": "DOI-1", "reason": "r", "until": _day(seeded, 90)})
    assert r.status_code == 201 and r.json()["status"] == "pending"
    assert c.get(API_CASE).json()["enforcement"] is None


def test_api_bulk_decide_refuses_a_case_with_a_pending_removal(seeded):
    c, csrf = _client(seeded, "reviewer")
    removal = _post(c, csrf, API_CASE + "/decisions", {
        "action": "remove", "policy": "DOI-1", "reason": "r"}).json()
    bulk = _post(c, csrf, "/api/cases/bulk-decide", {
        "subjects": ["account/x:100"], "action": "suspend", "policy": "DOI-1",
        "reason": "campaign", "until": _day(seeded, 7)})
    assert bulk.status_code == 409 and "second reviewer" in bulk.json()["detail"]
    long = _post(c, csrf, "/api/cases/bulk-decide", {
        "subjects": ["account/x:100"], "action": "suspend", "policy": "DOI-1",
        "reason": "campaign", "until": "9999-12-31"})
    assert long.status_code == 422 and "'until'" in long.json()["detail"]
    case = c.get(API_CASE).json()
    assert [d["status"] for d in case["decisions"]] == ["pending"]
    assert case["decisions"][0]["decision_id"] == removal["decision_id"]


def test_api_later_decision_is_refused_until_the_proposal_is_withdrawn(seeded):
    c1, csrf1 = _client(seeded, "reviewer")
    did = _post(c1, csrf1, API_CASE + "/decisions", {
        "action": "remove", "policy": "DOI-1", "reason": "r"}).json()["decision_id"]
    c2, csrf2 = _client(seeded, "senior_reviewer")
    later = _post(c2, csrf2, API_CASE + "/decisions", {
        "action": "label", "policy": "DOI-1", "reason": "label instead"})
    assert later.status_code == 409 and "withdraw" in later.json()["detail"]
    no_reason = _post(c1, csrf1, f"{API_CASE}/decisions/{did}/withdraw", {"reason": ""})
    assert no_reason.status_code == 422
    w = _post(c1, csrf1, f"{API_CASE}/decisions/{did}/withdraw", {"reason": "label instead"})
    assert w.status_code == 200 and w.json()["status"] == "withdrawn"
    case = c1.get(API_CASE).json()
    assert case["decisions"][0]["status"] == "withdrawn"
    assert any(e["kind"] == "withdraw_decision" for e in case["events"])
    again = _post(c2, csrf2, API_CASE + "/decisions", {
        "action": "label", "policy": "DOI-1", "reason": "label instead"})
    assert again.status_code == 201 and again.json()["status"] == "applied"


def test_api_appeal_cannot_make_a_label_a_suspension(seeded):
    ref = add_account(seeded, "lab")
    report(seeded, ref)
    with seeded.uow() as uow:
        out = decisions.decide(uow, seeded.clock, subject=ref, actor="reviewer",
                               action=Action.LABEL, policy="DOI-1", reason="r")
        token = "tz_" + secrets.token_urlsafe(16)
        uow.users.add_token(uow.users.by_name("admin")[0].id, "platform", token,
                            seeded.clock.now())
        uow.commit()
    from fastapi.testclient import TestClient

    from tarazu.entrypoints.web.app import create_app

    bot = TestClient(create_app(seeded))
    assert bot.post("/api/appeals", json={"decision_id": out.decision_id, "statement": "x"},
                    headers={"Authorization": f"Bearer {token}"}).status_code == 201
    c, csrf = _client(seeded, "senior_reviewer")
    r = _post(c, csrf, "/api/cases/account/x:lab/appeal-decision", {
        "outcome": "modified", "reason": "harsher", "action": "suspend", "policy": "DOI-1",
        "until": _day(seeded, 10)})
    assert r.status_code == 409 and "lesser" in r.json()["detail"]
    with seeded.uow() as uow:
        assert uow.status.get(ref).enforcement == "label"


def test_the_proposer_withdraws_on_the_case_page(seeded):
    c, csrf = _client(seeded, "reviewer")
    did = _post(c, csrf, API_CASE + "/decisions", {
        "action": "remove", "policy": "DOI-1", "reason": "r"}).json()["decision_id"]
    page = c.get("/cases/account/x:100").text
    assert f"/decisions/{did}/withdraw" in page
    other, other_csrf = _client(seeded, "auditor")
    assert f"/decisions/{did}/withdraw" not in other.get("/cases/account/x:100").text
    no_reason = c.post(f"/cases/account/x:100/decisions/{did}/withdraw",
                       data={"csrf_token": csrf})
    assert no_reason.status_code == 422
    r = c.post(f"/cases/account/x:100/decisions/{did}/withdraw", follow_redirects=False,
               data={"csrf_token": csrf, "reason": "wrong account"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=withdrawn")
    assert c.get(API_CASE).json()["decisions"][0]["status"] == "withdrawn"
