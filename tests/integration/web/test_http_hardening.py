"""What a hostile client sends before any rule runs: bodies that are binary, latin-1, nested a
hundred thousand levels deep or too large get a clear 4xx (never a 500); authenticated callers
are rate-limited per user; X-Forwarded-For counts only from a configured proxy; the SQLite
file and the keys are private to their owner."""

from __future__ import annotations

import dataclasses
import secrets
import stat

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from tarazu.bootstrap import bootstrap
from tarazu.demo.servers import ServerThread
from tarazu.domain.roles import Role
from tarazu.entrypoints.web.app import create_app
from tarazu.entrypoints.web.guards import client_address
from tests.conftest import make_settings

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


def _token(app, role: Role) -> dict[str, str]:
    token = "tz_" + secrets.token_urlsafe(16)
    with app.uow() as uow:
        user = uow.users.add(f"{role.value}-machine", "x", frozenset({role}), app.clock.now())
        uow.users.add_token(user.id, "t", token, app.clock.now())
        uow.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def http(sqlite_app):
    """The app as a client sees it: a server error is a 500 answer, not a test exception."""
    return TestClient(create_app(sqlite_app), raise_server_exceptions=False)


BODIES = {"binary": bytes(range(256)) * 4, "latin-1": "Agence générale".encode("latin-1"),
          "deep array": DEEP, "deep object": DEEP_OBJECT}
ROUTES = [("/api/data-requests", Role.REQUESTER), ("/api/platform/events", Role.ADMIN),
          ("/api/protected", Role.SENIOR_REVIEWER), ("/api/reports", None),
          ("/api/referrals", Role.REQUESTER)]


@pytest.mark.parametrize("kind", list(BODIES))
def test_hostile_bodies_get_a_clear_400_on_every_json_api(sqlite_app, http, kind):
    tokens = {role: _token(sqlite_app, role) for _, role in ROUTES if role is not None}
    for path, role in ROUTES:
        headers = {"Content-Type": "application/json", **tokens.get(role, {})}
        r = http.post(path, content=BODIES[kind], headers=headers)
        assert r.status_code == 400, f"{kind} to {path}: {r.status_code} {r.text[:200]}"
        detail = r.json()["detail"]
        assert "UTF-8" in detail or "deeper than" in detail, detail


def test_deep_json_labelled_as_a_form_is_refused_too(sqlite_app, http):
    """The routes parse the body as JSON whatever its declared type, so the label must not
    let a deep body past the guard."""
    for path, role in ROUTES:
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   **(_token(sqlite_app, role) if role else {})}
        r = http.post(path, content=DEEP, headers=headers)
        assert r.status_code == 400, f"{path}: {r.status_code} {r.text[:200]}"


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"not json at all", b""])
def test_a_body_that_is_not_a_json_object_gets_one_400(sqlite_app, http, body):
    """Every route that reads a JSON object refuses anything else alike: 400, one message."""
    routes = [("/api/reports", None), ("/api/protected", Role.SENIOR_REVIEWER),
              ("/api/reporters/abc/mute", Role.SENIOR_REVIEWER)]
    for path, role in routes:
        headers = {"Content-Type": "application/json",
                   **(_token(sqlite_app, role) if role else {})}
        r = http.post(path, content=body, headers=headers)
        assert (r.status_code, r.json()) == (400, {"detail": "the body must be a JSON object"}), (
            path, r.text[:200])


def test_a_binary_body_without_a_json_type_is_refused_too(sqlite_app, http):
    r = http.post("/api/data-requests", content=b"\xff\xfe\x00PDF",
                  headers={"Content-Type": "application/octet-stream",
                           **_token(sqlite_app, Role.REQUESTER)})
    assert r.status_code == 400 and "UTF-8" in r.json()["detail"]


def test_a_body_over_the_limit_is_refused_before_it_is_read_whole(sqlite_app):
    sqlite_app.settings = dataclasses.replace(sqlite_app.settings, max_body_bytes=1000)
    http = TestClient(create_app(sqlite_app), raise_server_exceptions=False)
    big = b'{"x": "' + b"a" * 5000 + b'"}'
    r = http.post("/api/reports", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "1000 bytes" in r.json()["detail"]

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"x": "'
        for _ in range(10):
            yield b"a" * 500
        yield b'"}'

    r = http.post("/api/reports", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    ok = http.post("/api/reports", json={"platform": "x"})
    assert ok.status_code == 422  # small bodies reach the route, which names the field


def test_authenticated_requests_are_rate_limited_per_user(app):
    app.settings = dataclasses.replace(app.settings, api_burst=3, api_rate=0.01)
    http = TestClient(create_app(app), raise_server_exceptions=False)
    reviewer = _token(app, Role.REVIEWER)
    answers = [http.get("/api/dashboard", headers=reviewer).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = http.get("/api/dashboard", headers=reviewer)
    assert int(refused.headers["Retry-After"]) >= 1
    assert http.get("/api/dashboard", headers=_token(app, Role.ADMIN)).status_code == 200
    app.clock.advance(seconds=200)  # two tokens back
    assert http.get("/api/dashboard", headers=reviewer).status_code == 200


def _request(app, peer: str, forwarded: str | None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []

    class _App:
        class state:  # noqa: N801 - the shape Starlette gives request.app.state
            container = app

    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers,
                    "client": (peer, 1234), "app": _App})


def test_forwarded_for_counts_only_from_a_configured_proxy(sqlite_app):
    assert client_address(_request(sqlite_app, "203.0.113.9", "1.2.3.4")) == "203.0.113.9"
    sqlite_app.settings = dataclasses.replace(sqlite_app.settings,
                                              trusted_proxies=("10.0.0.0/8",))
    assert client_address(_request(sqlite_app, "203.0.113.9", "1.2.3.4")) == "203.0.113.9"
    # through the proxy: the right-most address the proxy did not add itself is the client
    assert client_address(_request(sqlite_app, "10.0.0.2", "6.6.6.6, 1.2.3.4")) == "1.2.3.4"
    assert client_address(_request(sqlite_app, "10.0.0.2", "1.2.3.4, 10.0.0.7")) == "1.2.3.4"
    assert client_address(_request(sqlite_app, "10.0.0.2", None)) == "10.0.0.2"


def test_a_typo_in_the_proxy_setting_fails_at_start(tmp_path):
    from tarazu.settings import Settings

    with pytest.raises(ValueError, match="TARAZU_TRUSTED_PROXIES"):
        Settings.from_env({"TARAZU_HOME": str(tmp_path), "TARAZU_TRUSTED_PROXIES": "10.0.0/x"})


def test_a_real_server_does_not_believe_forwarded_for_from_a_local_peer(sqlite_app):
    """uvicorn believes X-Forwarded-For from 127.0.0.1 unless told not to: a client on the
    same host could then give every public report a new address and never be rate-limited."""
    server = ServerThread(create_app(sqlite_app)).start()
    try:
        report = {"platform": "x", "target_type": "account", "target": "@someone",
                  "category": "terrorist_content", "text": "praises attacks"}
        codes = [httpx.post(f"{server.url}/api/reports", json=report, timeout=20,
                            headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
                 for i in range(7)]
    finally:
        server.stop()
    assert 429 in codes, codes


def test_the_sqlite_file_and_the_keys_are_private(tmp_path):
    home = tmp_path / "home"
    app = bootstrap(make_settings(home, None))
    try:
        for name in ("tarazu.db", "secret.key", "webhook.secret"):
            mode = stat.S_IMODE((home / name).stat().st_mode)
            assert mode == 0o600, f"{name}: {oct(mode)}"
        assert stat.S_IMODE(home.stat().st_mode) == 0o700
    finally:
        app.engine.dispose()
    (home / "tarazu.db").chmod(0o644)  # made by an older version: tightened on next start
    bootstrap(make_settings(home, None)).engine.dispose()
    assert stat.S_IMODE((home / "tarazu.db").stat().st_mode) == 0o600


def test_integers_beyond_64_bits_are_refused_not_overflowed(sqlite_app, http):
    """Found by the fuzz suite: a page or sequence number past 2**63 reached the database."""
    huge = str(2**70)
    reviewer = _token(sqlite_app, Role.REVIEWER)
    auditor = _token(sqlite_app, Role.AUDITOR)
    for path, headers in ((f"/api/queue?page={huge}", reviewer),
                          (f"/queue?page={huge}", reviewer),
                          (f"/api/audit/events?after_seq={huge}", auditor),
                          (f"/audit?before_seq={huge}", auditor)):
        assert http.get(path, headers=headers).status_code == 422, path
    r = http.post("/api/hashes/feedback", headers=reviewer,
                  json={"entry_id": 2**70, "verdict": "correct"})
    assert r.status_code == 422 and "entry_id" in r.text
