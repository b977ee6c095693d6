"""Browsers get errors as pages people can read (English and Urdu, a way on); API clients keep
their JSON."""

from __future__ import annotations

from tests.integration.web.test_review import CASE, _client, seeded  # noqa: F401 — fixture

HTML = {"accept": "text/html,application/xhtml+xml"}
JSON = {"accept": "application/json"}


def test_a_refused_page_is_a_readable_page_for_a_browser_and_json_for_a_client(seeded):  # noqa: F811
    c, _ = _client(seeded, "reviewer")
    page = c.get("/audit", headers=HTML)
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "You may not open this page" in page.text and 'lang="ur"' in page.text
    assert "your role may not do this" not in page.text  # no technical wording
    assert 'href="/"' in page.text  # a way on
    api = c.get("/audit", headers=JSON)
    assert api.status_code == 403 and api.json() == {"detail": "your role may not do this"}
    assert c.get("/api/audit/verify", headers=HTML).headers["content-type"].startswith(
        "application/json")  # the API prefix always answers JSON


def test_not_found_and_bad_query_are_pages(seeded):  # noqa: F811
    c, _ = _client(seeded, "reviewer")
    missing = c.get("/cases/account/x:999", headers=HTML)
    assert missing.status_code == 404 and "Not found" in missing.text
    bad = c.get("/queue?page=0", headers=HTML)
    assert bad.status_code == 422 and "needs fixing" in bad.text and "Page:" in bad.text
    assert c.get("/queue?page=0", headers=JSON).json()["detail"][0]["loc"] == ["query", "page"]


def test_a_refused_field_is_named_in_plain_words(seeded):  # noqa: F811
    c, csrf = _client(seeded, "reviewer")
    r = c.post(CASE + "/decisions", headers=HTML, data={
        "csrf_token": csrf, "action": "label", "policy": "anti-state", "reason": "x"})
    assert r.status_code == 422
    assert "Policy: choose one from the list" in r.text and "field 'policy'" not in r.text
