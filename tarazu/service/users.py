"""Who may do what: users, their roles, passwords and API tokens, and login lockouts.

Each change is an ACCESS_CHANGE event on the subject ``system/user:<name>``, so the chain shows
who was given which power, by whom and when, as it shows every moderation act. A new password
or a disabled user ends every session and revokes every token issued before it: a password
reset after a compromise must lock out whoever holds the old credentials."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tarazu.domain.events import ModerationEvent, SubjectRef, SubjectType
from tarazu.domain.payloads import AccessChange
from tarazu.domain.roles import Role
from tarazu.service.ports import StoreUnitOfWork, UowFactory
from tarazu.service.records import SessionRow, User
from tarazu.service.transaction import committed, read_only


class UserError(ValueError):
    pass


def user_subject(username: str) -> SubjectRef:
    return SubjectRef(SubjectType.SYSTEM, f"user:{username}")


def record_access_change(uow: StoreUnitOfWork, actor: str, username: str, at: datetime,
                         change: str, **details: Any) -> None:
    uow.events.append(ModerationEvent.of(user_subject(username), actor, at,
                                         AccessChange(change=change, **details)))


def _roles(roles: frozenset[Role]) -> list[str]:
    return sorted(r.value for r in roles)


def _existing(uow: StoreUnitOfWork, username: str) -> User:
    found = uow.users.by_name(username)
    if not found:
        raise UserError(f"no user {username!r}")
    return found[0]


def add_user(uow: StoreUnitOfWork, at: datetime, actor: str, username: str, password_hash: str,
             roles: frozenset[Role], display_name: str = "", organisation: str = "") -> User:
    """Create a user, or update one (new password, roles, names; enabled again): an update
    ends the user's sessions and tokens, as a password reset does."""
    before = uow.users.by_name(username)
    user = uow.users.add(username, password_hash, roles, at, display_name, organisation)
    if before is None:
        record_access_change(uow, actor, username, at, "user_added", roles=_roles(roles),
                             organisation=organisation)
        return user
    ended, revoked = uow.users.end_all_sessions(user.id, at)
    record_access_change(uow, actor, username, at, "user_updated",
                         roles_before=_roles(before[0].roles), roles=_roles(roles),
                         active_before=before[0].active, password_reset=True,
                         sessions_ended=ended, tokens_revoked=revoked)
    return user


def reset_password(uow: StoreUnitOfWork, at: datetime, actor: str, username: str,
                   password_hash: str) -> tuple[int, int]:
    """Set a new password; returns (sessions ended, tokens revoked)."""
    user = _existing(uow, username)
    uow.users.set_password_hash(user.id, password_hash)
    ended, revoked = uow.users.end_all_sessions(user.id, at)
    record_access_change(uow, actor, username, at, "password_reset", sessions_ended=ended,
                         tokens_revoked=revoked)
    return ended, revoked


def set_active(uow: StoreUnitOfWork, at: datetime, actor: str, username: str,
               active: bool) -> User:
    """Disable a user (sessions ended, tokens revoked) or enable one again (with no session
    or token: they log in anew and are given new tokens)."""
    user = _existing(uow, username)
    uow.users.set_active(user.id, active)
    details: dict[str, Any] = {}
    if not active:
        ended, revoked = uow.users.end_all_sessions(user.id, at)
        details = {"sessions_ended": ended, "tokens_revoked": revoked}
    record_access_change(uow, actor, username, at,
                         "user_enabled" if active else "user_disabled", **details)
    return uow.users.by_id(user.id)  # type: ignore[return-value]


def issue_token(uow: StoreUnitOfWork, at: datetime, actor: str, username: str,
                name: str) -> str:
    """A new API token (returned once; only its hash is kept)."""
    user = _existing(uow, username)
    if not user.active:
        raise UserError(f"user {username!r} is disabled")
    token = "tz_" + secrets.token_urlsafe(32)
    uow.users.add_token(user.id, name, token, at)
    record_access_change(uow, actor, username, at, "token_issued", token_name=name,
                         roles=_roles(user.roles))
    return token


def revoke_token(uow: StoreUnitOfWork, at: datetime, actor: str, username: str,
                 name: str | None) -> int:
    """Revoke the user's tokens called ``name`` (all of them when None); how many."""
    user = _existing(uow, username)
    n = uow.users.revoke_tokens(user.id, at, name)
    if n == 0:
        raise UserError(f"user {username!r} has no live token"
                        + (f" called {name!r}" if name is not None else ""))
    record_access_change(uow, actor, username, at, "token_revoked",
                         token_name=name, revoked=n)
    return n


# The changes of access as the CLI calls them: each a use case in a unit of work of its own
# that it commits (a refused change, :class:`UserError`, keeps nothing).
save_user = committed(add_user)
change_password = committed(reset_password)
change_active = committed(set_active)
new_token = committed(issue_token)
end_tokens = committed(revoke_token)


@dataclass(frozen=True)
class NewUser:
    """A user to add (its password already hashed)."""
    username: str
    password_hash: str
    roles: frozenset[Role]
    display_name: str = ""


def add_users_with_token(uow_factory: UowFactory, at: datetime, actor: str,
                         new: Sequence[NewUser], token_user: str, token_name: str) -> str:
    """Add (or update) each user and issue one of them an API token, in one transaction:
    all of it or none. Returns the token (only its hash is kept)."""
    with uow_factory() as uow:
        for u in new:
            add_user(uow, at, actor, u.username, u.password_hash, u.roles,
                     display_name=u.display_name)
        token = issue_token(uow, at, actor, token_user, token_name)
        uow.commit()
    return token


def start_session(uow_factory: UowFactory, user_id: int, at: datetime, ttl: timedelta
                  ) -> tuple[str, str]:
    """A new login session for the user, stored and committed: (session id, CSRF token),
    both random."""
    sid = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    with uow_factory() as uow:
        uow.users.add_session(sid, user_id, csrf, at, at + ttl)
        uow.commit()
    return sid, csrf


def close_session(uow: StoreUnitOfWork, session_id: str) -> None:
    """Log out: the session ends (a session id not stored is no error)."""
    uow.users.end_session(session_id)


end_session = committed(close_session)


def login_of(uow: StoreUnitOfWork, username: str) -> tuple[User, str] | None:
    """The user of that name and their password hash (None: no such user), for a login."""
    return uow.users.by_name(username)


def token_user(uow: StoreUnitOfWork, token: str) -> User | None:
    """The user holding that live API token."""
    return uow.users.by_token(token)


def live_session(uow: StoreUnitOfWork, session_id: str, now: datetime) -> SessionRow | None:
    """The session of that id, if it has not ended or expired by ``now``."""
    return uow.users.session(session_id, now)


# What a request reads to know who is calling, each in a unit of work of its own.
find_login = read_only(login_of)
find_token_user = read_only(token_user)
find_session = read_only(live_session)
