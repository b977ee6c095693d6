"""Users, tokens, sessions and the login back-off as use cases, on the in-memory unit of work
(the same contract as the database's: tests/integration/storage/test_uow_contract*.py). The
password check here is a plain comparison: the Argon2 one, the web form, the CLI and parallel
guesses against stored rows are tested through the app in
tests/integration/web/test_accounts_security.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tarazu.domain.events import EventKind
from tarazu.domain.roles import Role
from tarazu.service import logins, users
from tarazu.service.users import NewUser, UserError, user_subject

REVIEWER, ADMIN = frozenset({Role.REVIEWER}), frozenset({Role.ADMIN})
TTL = timedelta(hours=8)
SECRET = b"k" * 32


def _check(stored: str | None, password: str) -> bool:
    return stored is not None and stored == "hash:" + password


def _changes(app, username: str) -> list[dict]:
    with app.uow() as uow:
        return [dict(e.payload) for e in uow.events.for_subject(user_subject(username))
                if e.kind is EventKind.ACCESS_CHANGE]


def _login(app, username: str, password: str, address: str = "203.0.113.9"
           ) -> logins.LoginResult:
    keys = logins.LoginKeys.of(SECRET, username, address)
    return logins.log_in(app.uow, app.clock, keys, username, password, _check, TTL)


@pytest.fixture
def app(memory_app):
    now = memory_app.clock.now()
    users.save_user(memory_app.uow, now, "root", "alice", "hash:right", REVIEWER)
    return memory_app


# -- users and tokens -----------------------------------------------------------------------

def test_an_update_of_a_user_ends_their_sessions_and_tokens_and_names_the_change(app):
    now = app.clock.now()
    token = users.new_token(app.uow, now, "root", "alice", "laptop")
    [(user, _)] = [users.find_login(app.uow, "alice")]  # type: ignore[misc]
    sid, _ = users.start_session(app.uow, user.id, now, TTL)
    assert users.find_token_user(app.uow, token) == user
    users.save_user(app.uow, now, "root", "alice", "hash:new", frozenset({Role.LEGAL}))
    assert users.find_token_user(app.uow, token) is None
    assert users.find_session(app.uow, sid, now) is None
    added, issued, updated = _changes(app, "alice")
    assert (added["change"], added["roles"]) == ("user_added", ["reviewer"])
    assert issued == {"change": "token_issued", "token_name": "laptop", "roles": ["reviewer"]}
    assert {k: updated[k] for k in ("change", "roles_before", "roles", "sessions_ended",
                                    "tokens_revoked", "password_reset")} == {
        "change": "user_updated", "roles_before": ["reviewer"], "roles": ["legal"],
        "sessions_ended": 1, "tokens_revoked": 1, "password_reset": True}


def test_a_password_reset_locks_out_whoever_holds_the_old_credentials(app):
    now = app.clock.now()
    users.new_token(app.uow, now, "root", "alice", "a")
    users.new_token(app.uow, now, "root", "alice", "b")
    assert users.change_password(app.uow, now, "root", "alice", "hash:new") == (0, 2)
    assert _login(app, "alice", "right").session is None
    assert _login(app, "alice", "new").session is not None
    with pytest.raises(UserError, match="no user"):
        users.change_password(app.uow, now, "root", "nobody", "hash:x")
    assert _changes(app, "alice")[-1] == {"change": "password_reset", "sessions_ended": 0,
                                          "tokens_revoked": 2}


def test_a_disabled_user_has_no_session_token_or_new_token_until_enabled(app):
    now = app.clock.now()
    token = users.new_token(app.uow, now, "root", "alice", "ci")
    sid = _login(app, "alice", "right").session
    assert sid is not None
    users.change_active(app.uow, now, "root", "alice", False)
    assert users.find_token_user(app.uow, token) is None
    assert users.find_session(app.uow, sid[0], now) is None
    assert _login(app, "alice", "right").session is None
    with pytest.raises(UserError, match="disabled"):
        users.new_token(app.uow, now, "root", "alice", "again")
    enabled = users.change_active(app.uow, now, "root", "alice", True)
    assert enabled.active and users.find_token_user(app.uow, token) is None  # stays revoked
    assert [c["change"] for c in _changes(app, "alice")][-2:] == ["user_disabled",
                                                                  "user_enabled"]
    assert _changes(app, "alice")[-2]["sessions_ended"] == 1


def test_revoking_names_how_many_and_revoking_nothing_is_refused(app):
    now = app.clock.now()
    for name in ("ci", "ci", "laptop"):
        users.new_token(app.uow, now, "root", "alice", name)
    assert users.end_tokens(app.uow, now, "root", "alice", "ci") == 2
    with pytest.raises(UserError, match="no live token called 'ci'"):
        users.end_tokens(app.uow, now, "root", "alice", "ci")
    assert users.end_tokens(app.uow, now, "root", "alice", None) == 1
    assert _changes(app, "alice")[-1] == {"change": "token_revoked", "token_name": None,
                                          "revoked": 1}


def test_users_and_their_token_are_added_all_or_none(app):
    now = app.clock.now()
    new = [NewUser("bob", "hash:b", REVIEWER), NewUser("carol", "hash:c", ADMIN)]
    with pytest.raises(UserError, match="no user 'dave'"):
        users.add_users_with_token(app.uow, now, "root", new, "dave", "setup")
    assert users.find_login(app.uow, "bob") is None
    token = users.add_users_with_token(app.uow, now, "root", new, "carol", "setup")
    assert users.find_token_user(app.uow, token).username == "carol"  # type: ignore[union-attr]
    assert users.find_login(app.uow, "bob")[1] == "hash:b"  # type: ignore[index]


def test_a_session_ends_at_its_time_or_at_logout(app):
    sid = _login(app, "alice", "right").session
    assert sid is not None
    now = app.clock.now()
    live = users.find_session(app.uow, sid[0], now + TTL - timedelta(seconds=1))
    assert live is not None and live.csrf_token == sid[1]
    assert users.find_session(app.uow, sid[0], now + TTL) is None
    users.end_session(app.uow, sid[0])
    assert users.find_session(app.uow, sid[0], now) is None
    users.end_session(app.uow, "never-issued")  # no error


# -- the login back-off ---------------------------------------------------------------------

def test_five_wrong_passwords_lock_a_name_out_once_recorded_until_a_minute_passes(app):
    results = [_login(app, "alice", f"guess-{i}") for i in range(5)]
    assert [r.wait for r in results] == [0, 0, 0, 0, 60]
    locked = _login(app, "alice", "right")  # the right password, but not now
    assert locked.session is None and locked.wait > 0
    assert [c for c in _changes(app, "alice") if c["change"] == "login_locked"] == [
        {"change": "login_locked", "seconds": 60}]
    app.clock.advance(seconds=60)
    assert _login(app, "alice", "right").session is not None


def test_right_passwords_give_their_token_back(app):
    assert all(_login(app, "alice", "right").session for _ in range(12))
    assert [_login(app, "alice", f"guess-{i}").wait for i in range(5)] == [0, 0, 0, 0, 60]


def test_one_address_guessing_many_names_is_slowed_whoever_it_names(app):
    waits = [_login(app, f"user{i}", "wrong").wait for i in range(20)]
    assert waits == [0] * 19 + [30]
    assert _login(app, "alice", "right").wait == 30  # locked by address
    assert _login(app, "alice", "right", address="198.51.100.7").session is not None
    with app.uow() as uow:  # the address's lockout is recorded under its keyed hash only
        locked = [p for r, p in uow.events.payloads("access_change")
                  if p["change"] == "login_locked"]
    assert locked == [{"change": "login_locked", "scope": "address", "seconds": 30}]
