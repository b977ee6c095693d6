"""Markup a user types is shown as text: a decision reason with a script tag reaches the case
page escaped, under a Content-Security-Policy that allows no inline script."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient

from tarazu.entrypoints.web.app import create_app
from tests.integration.referrals.helpers import seed_platform
from tests.integration.web.conftest import login

SCRIPT = "<script>alert('x')</script>"


def test_a_reason_with_markup_is_shown_as_text(client, web):
    seed_platform(web)
    assert client.post("/api/reports", json={
        "platform": "x", "target_type": "account", "target": "@acc0",
        "category": "designated_organisation"}).status_code == 201
    rv = TestClient(create_app(web))
    csrf = login(rv, "reviewer")
    path = "/cases/account/" + quote("x:id-acc0", safe="")
    d = rv.post("/api" + path + "/decisions", json={
        "action": "label", "policy": "DOI-2", "reason": SCRIPT}, headers={"X-CSRF-Token": csrf})
    assert d.status_code == 201, d.text
    page = rv.get(path)
    assert SCRIPT not in page.text and "&lt;script&gt;" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
