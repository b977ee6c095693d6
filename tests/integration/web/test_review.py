"""The review UI and API: the queue, one case, deciding it under the rules of due process, and
the roles that may read and decide."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tarazu.adapters.passwords import hash_password
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.platform import Account, Media, Post
from tarazu.domain.roles import Role
from tarazu.entrypoints.web.app import create_app
from tarazu.entrypoints.web.security import SESSION_COOKIE, new_session

CASE = "/cases/account/x:100"
API_CASE = "/api/cases/account/x:100"
PDQ = "f" * 32 + "0" * 32


def _seed(app) -> None:
    now = app.clock.now()
    with app.uow() as uow:
        uow.platform.upsert_account(Account(
            "100", "umar_media_7", now - timedelta(days=3), "active", platform="x",
            display_name="عمر میڈیا", bio="[placeholder: profile text attributed to TTP]",
            links=("https://t.me/umar_placeholder",)))
        uow.platform.upsert_post(Post("p1", "100", now - timedelta(days=1), platform="x",
                                      text="[placeholder: statement attributed to group]",
                                      media=(Media(pdq=PDQ),)))
        uow.platform.upsert_account(Account(
            "200", "kp_reporter", now - timedelta(days=900), "active", platform="x",
            bio="Reporter covering TTP and security in KP",
            verified_categories=("journalist",)))
        from tarazu.service import cases

        for acc in ("100", "200"):
            s = cases.load(uow, SubjectRef.account("x", acc))
            s.record(EventKind.REPORT, "system:test", now,
                     {"source": "government", "reporter": "MoI / PK", "priority": 2})
            cases.save(uow, s)
        uow.commit()


_HASH: list[str] = []


@pytest.fixture
def seeded(sqlite_app):
    """Users of every role (named after it) and two reported accounts. Argon2 is slow on
    purpose, so the users share one hash and sessions are opened directly (logging in is
    tested in test_session.py)."""
    if not _HASH:
        _HASH.append(hash_password("correct horse battery"))
    with sqlite_app.uow() as uow:
        for role in Role:
            uow.users.add(role.value, _HASH[0], frozenset({role}), sqlite_app.clock.now())
        uow.commit()
    _seed(sqlite_app)
    return sqlite_app


def _client(app, user: str) -> tuple[TestClient, str]:
    """A browser-like client with a session of ``user``; returns it and its CSRF token."""
    with app.uow() as uow:
        found = uow.users.by_name(user)
    sid, csrf = new_session(app, found[0])
    c = TestClient(create_app(app))
    c.cookies.set(SESSION_COOKIE, sid)
    return c, csrf


def test_dashboard_and_queue_list_open_cases(seeded):
    c, _ = _client(seeded, "reviewer")
    home = c.get("/")
    assert home.status_code == 200 and "Open cases by queue" in home.text
    q = c.get("/queue")
    assert q.status_code == 200
    assert "umar_media_7" in q.text and "kp_reporter" in q.text
    assert "protected" in q.text
    api = c.get("/api/queue").json()
    by_id = {i["subject_id"]: i for i in api["items"]}
    assert by_id["x:200"]["protected"] is True and by_id["x:200"]["queue"] == "senior"
    assert by_id["x:100"]["queue"] == "government" and by_id["x:100"]["reports"] == 1
    assert by_id["x:100"]["sources"] == ["government"]
    assert c.get("/api/queue", params={"queue": "senior"}).json()["items"][0]["subject_id"] \
        == "x:200"
    assert "kp_reporter" not in c.get("/queue/government").text


def test_case_page_shows_account_posts_and_guarded_media(seeded):
    c, csrf = _client(seeded, "reviewer")
    r = c.get(CASE)
    assert r.status_code == 200
    for text in ("umar_media_7", "عمر میڈیا", "t.me/umar_placeholder",
                 "[placeholder: statement attributed to group]", 'class="media-guard"',
                 "Record decision", "report"):
        assert text in r.text, text
    assert c.get("/cases/account/x:999").status_code == 404
    unknown = c.post("/api/cases/account/x:999/decisions", headers={"X-CSRF-Token": csrf},
                     json={"action": "label", "policy": "DOI-1", "reason": "r"})
    assert unknown.status_code == 404  # nothing is decided about what tarazu does not know
    with seeded.uow() as uow:
        assert uow.events.for_subject(SubjectRef.account("x", "999")) == []
    assert c.get("/cases/nonsense/x:100").status_code == 404


def test_auditor_reads_but_never_decides(seeded):
    c, csrf = _client(seeded, "auditor")
    page = c.get(CASE)
    assert page.status_code == 200 and "Record decision" not in page.text
    assert c.get(API_CASE).status_code == 200
    r = c.post(API_CASE + "/decisions", headers={"X-CSRF-Token": csrf},
               json={"action": "label", "policy": "DOI-1", "reason": "x"})
    assert r.status_code == 403


def test_non_readers_land_on_home_without_counts(seeded):
    c, _ = _client(seeded, "requester")
    home = c.get("/")
    assert home.status_code == 200 and "Open cases" not in home.text
    assert c.get("/queue").status_code == 403


def test_suspend_applies_at_once_and_queues_enforcement(seeded):
    c, csrf = _client(seeded, "reviewer")
    until = (seeded.clock.now() + timedelta(days=30)).date().isoformat()
    r = c.post(CASE + "/decisions", follow_redirects=False, data={
        "csrf_token": csrf, "action": "suspend", "policy": "DOI-1", "until": until,
        "reason": "Official account of Umar Media", "evidence": ["p1"]})
    assert r.status_code == 303 and r.headers["location"].endswith("done=applied")
    case = c.get(API_CASE).json()
    assert case["enforcement"] == "suspend" and case["enforcement_until"] == until
    assert case["decisions"][0]["status"] == "applied"
    with seeded.uow() as uow:  # no platform listens in this test: the message waits, retried
        assert uow.outbox.pending_count() == 1
        msg = uow.outbox.pending()[0]
    assert msg.payload["action"] == "suspend" and msg.payload["until"] == until
    assert msg.attempts == 0  # the web process sends nothing: the worker delivers


def test_removal_needs_a_second_reviewer(seeded):
    c1, csrf1 = _client(seeded, "reviewer")
    r = c1.post(API_CASE + "/decisions", headers={"X-CSRF-Token": csrf1}, json={
        "action": "remove", "policy": "DOI-1", "reason": "Umar Media channel",
        "evidence": ["p1"]})
    assert r.status_code == 201 and r.json()["status"] == "pending"
    did = r.json()["decision_id"]
    own = c1.post(f"{CASE}/decisions/{did}/confirm", data={"csrf_token": csrf1})
    assert own.status_code == 409 and "two-person rule" in own.text
    c2, csrf2 = _client(seeded, "senior_reviewer")
    ok = c2.post(f"{API_CASE}/decisions/{did}/confirm", headers={"X-CSRF-Token": csrf2})
    assert ok.status_code == 200 and ok.json()["status"] == "applied"
    case = c2.get(API_CASE).json()
    assert case["enforcement"] == "remove"
    assert case["decisions"][0]["confirmed_by"] == "senior_reviewer"


def test_reject_needs_a_reason_and_keeps_the_account(seeded):
    c1, csrf1 = _client(seeded, "reviewer")
    did = c1.post(API_CASE + "/decisions", headers={"X-CSRF-Token": csrf1}, json={
        "action": "remove", "policy": "DOI-1", "reason": "r"}).json()["decision_id"]
    c2, csrf2 = _client(seeded, "senior_reviewer")
    no_reason = c2.post(f"{CASE}/decisions/{did}/reject", data={"csrf_token": csrf2})
    assert no_reason.status_code == 422
    r = c2.post(f"{CASE}/decisions/{did}/reject", follow_redirects=False,
                data={"csrf_token": csrf2, "reason": "Evidence shows news reporting"})
    assert r.status_code == 303
    case = c2.get(API_CASE).json()
    assert case["decisions"][0]["status"] == "rejected" and case["enforcement"] is None


def test_protected_account_refuses_a_plain_reviewer_with_409(seeded):
    c, csrf = _client(seeded, "reviewer")
    r = c.post("/cases/account/x:200/decisions", data={
        "csrf_token": csrf, "action": "label", "policy": "DOI-1", "reason": "named in list"})
    assert r.status_code == 409
    assert "senior reviewer" in r.text and "named in list" in r.text  # the form is kept
    api = c.post("/api/cases/account/x:200/decisions", headers={"X-CSRF-Token": csrf},
                 json={"action": "label", "policy": "DOI-1", "reason": "named in list"})
    assert api.status_code == 409 and "senior reviewer" in api.json()["detail"]


@pytest.mark.parametrize("body, field", [
    ({"action": "suspend", "policy": "DOI-1", "reason": "r"}, "until"),
    ({"action": "suspend", "policy": "DOI-1", "reason": "r", "until": "2020-01-01"}, "until"),
    ({"action": "restrict_country", "policy": "LOC-1", "reason": "r", "country": "P"},
     "country"),
    ({"action": "remove", "policy": "anti-state", "reason": "r"}, "policy"),
    ({"action": "remove", "policy": "DOI-1", "reason": " "}, "reason"),
    ({"action": "ban", "policy": "DOI-1", "reason": "r"}, "action"),
])
def test_bad_decision_input_is_422_naming_the_field(seeded, body, field):
    c, csrf = _client(seeded, "reviewer")
    r = c.post(API_CASE + "/decisions", headers={"X-CSRF-Token": csrf}, json=body)
    assert r.status_code == 422 and f"'{field}'" in r.json()["detail"]


def test_api_with_bearer_token_needs_no_csrf(seeded):
    import secrets

    token = "tz_" + secrets.token_urlsafe(16)
    with seeded.uow() as uow:
        uow.users.add_token(uow.users.by_name("reviewer")[0].id, "t", token,
                            seeded.clock.now())
        uow.commit()
    c = TestClient(create_app(seeded))
    h = {"Authorization": f"Bearer {token}"}
    assert c.get("/api/queue", headers=h).status_code == 200
    r = c.post(API_CASE + "/decisions", headers=h, json={
        "action": "restrict_country", "policy": "LOC-1", "reason": "court order",
        "country": "pk"})
    assert r.status_code == 201 and r.json()["status"] == "applied"
    assert c.get(API_CASE, headers=h).json()["decisions"][0]["country"] == "PK"


def test_a_proposal_says_it_awaits_a_second_reviewer_and_offers_its_author_no_confirm(seeded):
    c1, csrf1 = _client(seeded, "reviewer")
    r = c1.post(API_CASE + "/decisions", headers={"X-CSRF-Token": csrf1}, json={
        "action": "remove", "policy": "DOI-1", "reason": "Umar Media channel"})
    assert r.json()["status"] == "pending"
    mine = c1.get(CASE).text
    assert "awaiting second reviewer" in mine and "another reviewer must confirm" in mine
    assert 'name="confirm"' not in mine and "Do not confirm" not in mine
    assert "Withdraw proposal" in mine
    queue = c1.get("/queue").text
    assert "awaiting second reviewer" in queue
    c2, _ = _client(seeded, "senior_reviewer")
    theirs = c2.get(CASE).text
    assert 'name="confirm"' in theirs and "Do not confirm" in theirs


def test_the_decision_form_preselects_no_action(seeded):
    c, _ = _client(seeded, "reviewer")
    page = c.get(CASE).text
    assert '<option value="" selected>' in page and 'value="remove" selected' not in page
    assert "On the platform" in page and "The user’s notice" in page


@pytest.mark.parametrize(("user", "shown", "hidden"), [
    ("reviewer", ["/queue", "/appeals", "/transparency"], ["/audit", "/data-requests", "/portal"]),
    ("auditor", ["/queue", "/appeals", "/audit", "/data-requests"], ["/portal"]),
    ("legal", ["/data-requests", "/transparency"], ["/queue", "/audit", "/portal"]),
    ("requester", ["/data-requests", "/portal"], ["/queue", "/appeals", "/audit"]),
    ("admin", ["/queue", "/audit"], ["/data-requests"]),
])
def test_the_menu_lists_every_page_the_role_may_open_and_no_other(seeded, user, shown, hidden):
    c, _ = _client(seeded, user)
    page = c.get("/").text
    menu = page[page.index('<nav aria-label="Main">'):page.index("</nav>")]
    for href in shown:
        assert f'href="{href}"' in menu, href
        assert c.get(href).status_code == 200, href  # every link shown may be followed
    for href in hidden:
        assert f'href="{href}"' not in menu, href


def test_legal_and_requester_dashboards_show_their_own_work(seeded):
    legal, _ = _client(seeded, "legal")
    page = legal.get("/").text
    assert "Data requests waiting for you" in page and "no access" not in page
    requester, _ = _client(seeded, "requester")
    page = requester.get("/").text
    assert "Your data requests" in page and 'href="/portal"' in page
    empty = requester.get("/data-requests").text
    assert "POST /api/data-requests" in empty  # an empty list says how to fill it


def test_a_reporters_words_and_category_reach_the_reviewer_only(seeded):
    public = TestClient(create_app(seeded))
    r = public.post("/api/reports", json={
        "platform": "x", "target_type": "account", "target": "@umar_media_7",
        "category": "propaganda_recruitment", "text": "It posts the group's recruitment videos",
        "contact": ""})
    assert r.status_code == 201, r.text
    c, _ = _client(seeded, "reviewer")
    page = c.get(CASE).text
    assert "What reporters said" in page
    assert "It posts the group&#39;s recruitment videos" in page
    assert "Recruitment, fundraising or official media" in page  # the category, in words
    with seeded.uow() as uow:  # showing it is a logged read of personal data
        reads = [e for e in uow.events.for_subject(SubjectRef.account("x", "100"))
                 if e.kind is EventKind.DATA_ACCESS and "report text" in e.payload["fields"]]
    assert reads
    status = public.get(r.json()["status_url"], headers={"accept": "text/html"}).text
    assert "recruitment videos" not in status  # the public status page does not echo it
