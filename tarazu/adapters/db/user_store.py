"""Users, API tokens and web sessions. Only hashes of secrets are stored."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from tarazu.adapters.db.tables import api_tokens, users, web_sessions
from tarazu.domain.chain import format_time
from tarazu.domain.roles import Role, parse_roles
from tarazu.service.records import SessionRow, User


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class UserStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @staticmethod
    def _user(r) -> User:  # type: ignore[no-untyped-def]
        return User(r.id, r.username, parse_roles(r.roles), r.display_name, r.organisation,
                    r.active)

    def add(self, username: str, password_hash: str, roles: frozenset[Role], at: datetime,
            display_name: str = "", organisation: str = "") -> User:
        existing = self.conn.execute(select(users).where(users.c.username == username)).first()
        roles_text = ",".join(sorted(r.value for r in roles))
        if existing:
            self.conn.execute(update(users).where(users.c.id == existing.id).values(
                password_hash=password_hash, roles=roles_text, display_name=display_name,
                organisation=organisation, active=True))
            return self.by_id(existing.id)  # type: ignore[return-value]
        rid = self.conn.execute(insert(users).values(
            username=username, password_hash=password_hash, roles=roles_text,
            display_name=display_name, organisation=organisation, active=True,
            created_at=format_time(at))).inserted_primary_key[0]
        return self.by_id(rid)  # type: ignore[return-value]

    def by_id(self, user_id: int) -> User | None:
        r = self.conn.execute(select(users).where(users.c.id == user_id)).first()
        return self._user(r) if r else None

    def by_name(self, username: str) -> tuple[User, str] | None:
        r = self.conn.execute(select(users).where(users.c.username == username)).first()
        return (self._user(r), r.password_hash) if r else None

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self.conn.execute(update(users).where(users.c.id == user_id)
                          .values(password_hash=password_hash))

    def set_active(self, user_id: int, active: bool) -> None:
        self.conn.execute(update(users).where(users.c.id == user_id).values(active=active))

    def end_all_sessions(self, user_id: int, at: datetime) -> tuple[int, int]:
        """End every web session and revoke every token of the user (after a password reset
        or when disabling): what was issued under the old credentials stops working.
        Returns (sessions ended, tokens revoked)."""
        ended = self.conn.execute(delete(web_sessions).where(
            web_sessions.c.user_id == user_id)).rowcount
        revoked = self.revoke_tokens(user_id, at)
        return ended, revoked

    def revoke_tokens(self, user_id: int, at: datetime, name: str | None = None) -> int:
        """Revoke the user's live tokens (only those called ``name`` when given)."""
        q = update(api_tokens).where(api_tokens.c.user_id == user_id,
                                     api_tokens.c.revoked_at.is_(None))
        if name is not None:
            q = q.where(api_tokens.c.name == name)
        return self.conn.execute(q.values(revoked_at=format_time(at))).rowcount

    def all(self) -> list[User]:
        return [self._user(r) for r in self.conn.execute(select(users).order_by(users.c.id))]

    # -- machine tokens ----------------------------------------------------------------------
    def add_token(self, user_id: int, name: str, token: str, at: datetime) -> None:
        self.conn.execute(insert(api_tokens).values(
            user_id=user_id, name=name, token_hash=sha256_hex(token), created_at=format_time(at)))

    def by_token(self, token: str) -> User | None:
        r = self.conn.execute(select(api_tokens.c.user_id).where(
            api_tokens.c.token_hash == sha256_hex(token),
            api_tokens.c.revoked_at.is_(None))).first()
        user = self.by_id(r.user_id) if r else None
        return user if user and user.active else None

    # -- web sessions ------------------------------------------------------------------------
    def add_session(self, session_id: str, user_id: int, csrf: str, at: datetime,
                    expires: datetime) -> None:
        self.conn.execute(insert(web_sessions).values(
            id_hash=sha256_hex(session_id), user_id=user_id, csrf_token=csrf,
            created_at=format_time(at), expires_at=format_time(expires)))

    def session(self, session_id: str, now: datetime) -> SessionRow | None:
        r = self.conn.execute(select(web_sessions).where(
            web_sessions.c.id_hash == sha256_hex(session_id))).first()
        if not r or r.expires_at <= format_time(now):
            return None
        user = self.by_id(r.user_id)
        return SessionRow(user, r.csrf_token, r.expires_at) if user and user.active else None

    def end_session(self, session_id: str) -> None:
        self.conn.execute(delete(web_sessions).where(
            web_sessions.c.id_hash == sha256_hex(session_id)))
