"""Accounts and the log, as a hostile user tried them: guessing passwords, telling users from
non-users, keeping a session after a password reset, and changes of power that left no trace.
On SQLite and PostgreSQL (buckets, sessions, tokens and events are stored)."""

from __future__ import annotations

import getpass
import json
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tarazu.adapters import passwords
from tarazu.domain.events import EventKind, SubjectRef, SubjectType
from tarazu.domain.roles import Role
from tarazu.entrypoints.cli import app as cli
from tarazu.entrypoints.web.app import create_app
from tarazu.interchange import parse_account
from tarazu.service.users import user_subject
from tests.integration.web.conftest import PASSWORD, password_hash


@pytest.fixture
def users_app(app):
    with app.uow() as uow:
        for name, role in (("alice", Role.REVIEWER), ("root", Role.ADMIN)):
            uow.users.add(name, password_hash(), frozenset({role}), app.clock.now())
        uow.commit()
    return app


def _login(client: TestClient, username: str, password: str = PASSWORD) -> int:
    return client.post("/login", data={"username": username, "password": password},
                       follow_redirects=False).status_code


def _changes(app, subject: SubjectRef, kind: EventKind = EventKind.ACCESS_CHANGE):
    with app.uow() as uow:
        return [e for e in uow.events.for_subject(subject) if e.kind is kind]


def test_forty_wrong_passwords_lock_the_user_out_and_the_lockout_is_recorded(users_app):
    client = TestClient(create_app(users_app))
    codes = [_login(client, "alice", f"guess-{i}") for i in range(40)]
    assert codes[:4] == [401] * 4 and set(codes[5:]) == {429}
    assert _login(client, "alice") == 429  # the right password, but not now
    [locked] = _changes(users_app, user_subject("alice"))
    assert locked.payload["change"] == "login_locked" and locked.actor == "system:login"
    users_app.clock.advance(minutes=2)
    assert _login(client, "alice") == 303  # the back-off ends by itself


def test_right_passwords_do_not_drain_the_back_off(users_app):
    """Each attempt takes its token before the password is checked; a right one gives it
    back, so only failures count."""
    client = TestClient(create_app(users_app))
    assert [_login(client, "alice") for _ in range(8)] == [303] * 8
    codes = [_login(client, "alice", f"guess-{i}") for i in range(5)]
    assert codes == [401] * 4 + [429]


def test_one_address_guessing_many_names_is_slowed_too(users_app):
    client = TestClient(create_app(users_app))
    codes = [_login(client, f"user{i}", "wrong-password") for i in range(25)]
    assert codes[:20] == [401] * 19 + [429] and set(codes[20:]) == {429}
    assert _login(client, "root") == 429  # the address is locked, whoever it names


def test_an_unknown_user_costs_the_same_argon2_check(users_app, monkeypatch):
    """6 ms against 216 ms told who exists: now both run one Argon2 verification."""
    calls = []
    real = passwords._hasher

    class CountingHasher:  # the real Argon2 hasher, its verifications counted
        def verify(self, stored: str, password: str) -> bool:
            calls.append(stored)
            return real.verify(stored, password)

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(real, name)

    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    client = TestClient(create_app(users_app))
    assert _login(client, "nobody-here", "whatever-1") == 401
    assert _login(client, "alice", "whatever-1") == 401
    assert len(calls) == 2 and calls[0] != calls[1]


def _cli(app, monkeypatch, *args: str, input: str | None = None):
    monkeypatch.setenv("TARAZU_HOME", str(app.settings.home))
    monkeypatch.setenv("TARAZU_DATABASE_URL", app.settings.database_url)
    monkeypatch.setenv("TARAZU_COOKIE_SECURE", "0")
    r = CliRunner().invoke(cli, list(args), input=input)
    assert r.exit_code == 0, r.output
    return r.stdout


def test_a_password_reset_ends_old_sessions_and_tokens(users_app, monkeypatch):
    client = TestClient(create_app(users_app))
    assert _login(client, "alice") == 303
    token = _cli(users_app, monkeypatch, "users", "token", "alice", "--name", "laptop").strip()
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me").status_code == 200
    assert client.get("/api/me", headers=bearer).status_code == 200
    out = _cli(users_app, monkeypatch, "users", "password", "alice", "--by", "root",
               input="a new long passphrase\na new long passphrase\n")
    answer = json.loads(out[out.index("{"):])  # after the password prompts
    assert answer == {"username": "alice", "sessions_ended": 1, "tokens_revoked": 1}
    assert client.get("/api/me").status_code == 401
    assert TestClient(create_app(users_app)).get("/api/me", headers=bearer).status_code == 401
    fresh = TestClient(create_app(users_app))
    assert _login(fresh, "alice") == 401
    assert _login(fresh, "alice", "a new long passphrase") == 303
    changes = [(e.actor, e.payload["change"]) for e in _changes(users_app,
                                                                user_subject("alice"))]
    assert changes[-2:] == [(f"cli:{getpass.getuser()}", "token_issued"),
                            ("root", "password_reset")]


def test_tokens_can_be_revoked_and_users_disabled_each_an_event(users_app, monkeypatch):
    token = _cli(users_app, monkeypatch, "users", "token", "root", "--name", "ci").strip()
    other = _cli(users_app, monkeypatch, "users", "token", "root", "--name", "laptop").strip()
    client = TestClient(create_app(users_app))
    out = _cli(users_app, monkeypatch, "users", "revoke-token", "root", "--name", "ci")
    assert json.loads(out)["revoked"] == 1
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/api/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200
    assert _login(client, "alice") == 303
    _cli(users_app, monkeypatch, "users", "disable", "alice", "--by", "root")
    assert client.get("/api/me").status_code == 401
    assert _login(TestClient(create_app(users_app)), "alice") == 401
    _cli(users_app, monkeypatch, "users", "enable", "alice", "--by", "root")
    assert _login(TestClient(create_app(users_app)), "alice") == 303
    r = CliRunner().invoke(cli, ["users", "revoke-token", "root", "--name", "ci"])
    assert r.exit_code == 1 and "no live token called 'ci'" in r.output
    kinds = [e.payload["change"] for e in _changes(users_app, user_subject("root"))]
    assert kinds == ["token_issued", "token_issued", "token_revoked"]
    alice = [e.payload for e in _changes(users_app, user_subject("alice"))]
    assert [p["change"] for p in alice] == ["user_disabled", "user_enabled"]
    assert alice[0]["sessions_ended"] == 1


def test_granting_roles_is_an_event_and_an_update_resets_the_password(users_app,
                                                                      monkeypatch):
    _cli(users_app, monkeypatch, "users", "add", "bob", "--roles", "reviewer",
         "--password", "bob's long password", "--by", "root")
    _cli(users_app, monkeypatch, "users", "add", "bob", "--roles", "reviewer,legal",
         "--password", "bob's other password", "--by", "root")
    [added, updated] = _changes(users_app, user_subject("bob"))
    assert added.actor == "root" and added.payload["roles"] == ["reviewer"]
    assert updated.payload["roles_before"] == ["reviewer"]
    assert updated.payload["roles"] == ["legal", "reviewer"]
    assert updated.payload["password_reset"] is True


def test_bank_settings_changes_name_their_actor_in_the_chain(users_app, monkeypatch):
    _cli(users_app, monkeypatch, "banks", "create", "tcap", "--threshold", "pdq=20",
         "--by", "root")
    _cli(users_app, monkeypatch, "banks", "set", "tcap", "--threshold", "pdq=40",
         "--by", "root")
    _cli(users_app, monkeypatch, "banks", "set", "tcap", "--disable", "--by", "root")
    events = _changes(users_app, SubjectRef(SubjectType.SYSTEM, "bank:tcap"),
                      EventKind.SETTING_CHANGE)
    assert [(e.actor, e.payload["change"]) for e in events] == [
        ("root", "bank_created"), ("root", "bank_updated"), ("root", "bank_updated")]
    assert events[1].payload["thresholds_before"] == {"pdq": 20}
    assert events[1].payload["thresholds"] == {"pdq": 40}
    assert events[2].payload["enabled"] is False
    out = _cli(users_app, monkeypatch, "audit", "verify")
    assert json.loads(out)["ok"] is True


def test_reading_a_case_page_writes_data_access(users_app):
    ref = SubjectRef.account("x", "a1")
    with users_app.uow() as uow:
        uow.platform.upsert_account(parse_account({
            "type": "account", "account_id": "a1", "platform": "x", "handle": "someone",
            "created_at": "2025-07-01T00:00:00Z", "status": "active"}))
        uow.commit()
    client = TestClient(create_app(users_app))
    assert _login(client, "alice") == 303
    path = f"account/{quote(ref.id, safe='')}"
    assert client.get(f"/cases/{path}").status_code == 200
    assert client.get(f"/api/cases/{path}").status_code == 200
    reads = _changes(users_app, ref, EventKind.DATA_ACCESS)
    assert [e.actor for e in reads] == ["alice", "alice"]
    assert "handle" in reads[0].payload["fields"] and reads[0].payload["purpose"]


def test_parallel_guesses_get_no_more_tries_than_the_back_off_allows(users_app, monkeypatch):
    """Ten wrong passwords for one user sent at once, each held inside its password check
    until every request has either reached that check or been answered: before, each
    request checked the back-off, then the password, and only then recorded the failure, so
    all ten were checked where five are allowed."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    n = 10
    real = passwords._hasher
    lock = threading.Lock()
    checked: list[str] = []
    answered: list[int] = []
    everyone_in = threading.Event()

    def settle() -> None:
        if len(checked) + len(answered) >= n:
            everyone_in.set()

    class GatedHasher:  # the real Argon2 hasher, each check held until all requests are in
        def verify(self, stored: str, password: str) -> bool:
            with lock:
                checked.append(password)
                settle()
            everyone_in.wait(timeout=30)
            return real.verify(stored, password)

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(real, name)

    monkeypatch.setattr(passwords, "_hasher", GatedHasher())
    web_app = create_app(users_app)

    def guess(i: int) -> int:
        code = _login(TestClient(web_app), "alice", f"parallel-guess-{i}")
        with lock:
            answered.append(code)
            settle()
        return code

    with ThreadPoolExecutor(max_workers=n) as pool:
        codes = list(pool.map(guess, range(n)))
    assert everyone_in.is_set()
    assert len(checked) <= 5, f"{len(checked)} passwords checked in parallel, 5 allowed"
    assert codes.count(429) >= n - 5 and set(codes) <= {401, 429}
    [locked] = _changes(users_app, user_subject("alice"))  # the lockout is recorded once
    assert locked.payload["change"] == "login_locked"
    assert _login(TestClient(web_app), "alice") == 429
