"""Over HTTP: a decision under the two-person rule, its notice, the user's appeal on the public
page with the secret token, and its reversal by a reviewer who took no part — which restores
the account on the platform and re-opens the mirror decision that relied on it."""

from __future__ import annotations

import json
import re
import secrets
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import select

from tarazu.adapters.db.tables import outbox
from tarazu.adapters.passwords import hash_password
from tarazu.domain.policies import Action
from tarazu.domain.roles import Role
from tarazu.entrypoints.web.app import create_app
from tarazu.service import cases, decisions, notices
from tests.integration.due_process.conftest import add_account, flag_mirror, report, suspended
from tests.integration.web.conftest import PASSWORD, login


def _messages(app, kind):
    with app.uow() as uow:
        rows = uow.conn.execute(select(outbox).where(outbox.c.kind == kind)
                                .order_by(outbox.c.id)).all()
    return [json.loads(r.payload) for r in rows]


def _client(web, username):
    c = TestClient(create_app(web))
    return c, login(c, username)


def _path(ref) -> str:
    return f"/cases/{ref.type.value}/{quote(ref.id, safe='')}"


def test_decide_appeal_on_the_public_page_and_reverse(web, client):
    with web.uow() as uow:
        uow.users.add("reviewer2", hash_password(PASSWORD), frozenset({Role.REVIEWER}),
                      web.clock.now())
        uow.commit()
    ref = add_account(web, "w1", status="removed")
    report(web, ref)
    mirror = add_account(web, "w1mirror")
    flag_mirror(web, mirror, "x:w1")
    rev, rev_csrf = _client(web, "reviewer")
    r = rev.post(f"{_path(ref)}/decisions", data={
        "action": "remove", "policy": "DOI-1", "reason": "official channel of a designated group",
        "evidence": "x:p1", "csrf_token": rev_csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text
    with web.uow() as uow:
        pending = cases.load(uow, ref).state.pending_decision
    sen, sen_csrf = _client(web, "senior_reviewer")
    r = sen.post(f"{_path(ref)}/decisions/{pending.decision_id}/confirm",
                 data={"csrf_token": sen_csrf}, follow_redirects=False)
    assert r.status_code == 303
    with web.uow() as uow:  # the mirror decision that relies on the removal
        m = decisions.decide(uow, web.clock, subject=mirror, actor="system:mirrors",
                             action=Action.SUSPEND, policy="EVA-1", reason="mirror",
                             until="2025-08-20")
        uow.commit()
    assert notices.send_due(web.uow, web.clock, web.settings.public_url).sent == 2
    notice = next(n for n in _messages(web, "notice")
                  if n["decision_id"] == pending.decision_id)
    token = re.search(r"/appeal/(\S+)$", notice["appeal_url"]).group(1)

    public = TestClient(client.app)
    page = public.get(f"/appeal/{token}")
    assert page.status_code == 200
    assert 'dir="rtl"' in page.text and "ختم کر دیا گیا" in page.text
    assert "Your account has been terminated." in page.text
    assert public.get("/appeal/not-a-token").status_code == 404
    r = public.post(f"/appeal/{token}", data={"statement": "I am a journalist covering TTP."})
    assert r.status_code == 201
    assert public.post(f"/appeal/{token}", data={"statement": "again"}).status_code == 409

    queue = rev.get("/appeals")
    assert queue.status_code == 200 and "x:w1" in queue.text
    form = rev.get(f"{_path(ref)}/appeal")
    assert "journalist covering TTP" in form.text and "reviewer, senior_reviewer" in form.text
    refused = rev.post(f"{_path(ref)}/appeal", data={
        "outcome": "reversed", "reason": "x", "csrf_token": rev_csrf})
    assert refused.status_code == 409 and "no part" in refused.text
    other, other_csrf = _client(web, "reviewer2")
    r = other.post(f"{_path(ref)}/appeal", data={
        "outcome": "reversed", "reason": "reporting on the group, not support",
        "csrf_token": other_csrf}, follow_redirects=False)
    assert r.status_code == 303
    done = other.get(f"{_path(ref)}/appeal")
    assert "Decided:" in done.text and "reversed" in done.text
    reversals = {p["decision_id"]: p for p in _messages(web, "reversal")}
    assert reversals[pending.decision_id]["action"] == "reinstate"
    assert reversals[m.decision_id]["action"] == "reinstate"
    with web.uow() as uow:
        assert uow.status.get(mirror).review_state == "open"
        assert uow.status.get(ref).enforcement is None
    after = public.get(f"/appeal/{token}").text  # the appellant's page now gives the ruling
    assert "Your appeal has been decided" in after and "reporting on the group" in after
    assert "Your appeal has been received" not in after


def test_platform_api_appeal_and_api_appeal_decision(web, client):
    ref, decision_id = suspended(web, "w2")
    with web.uow() as uow:
        token = "tz_" + secrets.token_urlsafe(16)
        uow.users.add_token(uow.users.by_name("admin")[0].id, "platform", token, web.clock.now())
        uow.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/appeals", json={"decision_id": "nope"},
                       headers=bearer).status_code == 409
    r = client.post("/api/appeals", json={"decision_id": decision_id,
                                          "statement": "context"}, headers=bearer)
    assert r.status_code == 201 and r.json()["queue"] == "appeals"
    sen, csrf = _client(web, "senior_reviewer")
    r = sen.post(f"/api{_path(ref)}/appeal-decision", headers={"X-CSRF-Token": csrf},
                 json={"outcome": "modified", "reason": "a label is enough", "action": "label",
                       "policy": "DOI-2"})
    assert r.status_code == 200, r.text
    assert r.json()["new_decision_id"]
    with web.uow() as uow:
        assert uow.status.get(ref).enforcement == "label"
    r = sen.get("/api/queues/appeals")
    assert r.status_code == 200 and r.json()["cases"] == []


def test_the_appeal_page_names_the_account_by_handle_and_display_name(web, client):
    ref, _ = suspended(web, "w3", appeal_by="admin")
    sen, _ = _client(web, "senior_reviewer")
    page = sen.get(f"{_path(ref)}/appeal")
    assert page.status_code == 200
    h1 = re.search(r"<h1>(.*?)</h1>", page.text, re.S).group(1)
    assert "@w3_handle" in h1  # named by handle, not only by id
    assert "Display w3" in page.text and "x:w3" in page.text
    with web.uow() as uow:  # showing the handle and name is a logged read
        reads = [e for e in uow.events.for_subject(ref) if e.kind.value == "data_access"
                 and e.payload.get("purpose") == "appeal review"]
    assert reads and reads[-1].actor == "senior_reviewer"
