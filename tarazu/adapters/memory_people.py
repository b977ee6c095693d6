"""Users and referrals held in memory: the twins of
:class:`tarazu.adapters.db.user_store.UserStore` and
:class:`tarazu.adapters.db.referral_store.ReferralStore` (the ports
:class:`tarazu.service.ports.Users` and :class:`tarazu.service.ports.Referrals`). Secrets are
kept as their hashes, as the database keeps them."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime
from typing import Any

from tarazu.adapters.memory_state import (
    MemoryState,
    SessionRecord,
    TokenRow,
    UserRow,
    frozen,
    insert_new,
    next_id,
    updated,
)
from tarazu.domain.chain import format_time
from tarazu.domain.roles import Role
from tarazu.service.records import SessionRow, StoredItem, User


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class MemoryUsers:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def add(self, username: str, password_hash: str, roles: frozenset[Role], at: datetime,
            display_name: str = "", organisation: str = "") -> User:
        """A new user, or the one of that name given these credentials and made active."""
        found = self.by_name(username)
        user_id = found[0].id if found else next_id(self._s.users)
        created = self._s.users[user_id].created_at if found else format_time(at)
        user = User(user_id, username, frozenset(roles), display_name, organisation, True)
        self._s.users[user_id] = UserRow(user, password_hash, created)
        return user

    def by_id(self, user_id: int) -> User | None:
        row = self._s.users.get(user_id)
        return row.user if row else None

    def by_name(self, username: str) -> tuple[User, str] | None:
        row = next((r for r in self._s.users.values() if r.user.username == username), None)
        return (row.user, row.password_hash) if row else None

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        if user_id in self._s.users:
            self._s.users[user_id] = dataclasses.replace(self._s.users[user_id],
                                                         password_hash=password_hash)

    def set_active(self, user_id: int, active: bool) -> None:
        if user_id in self._s.users:
            row = self._s.users[user_id]
            self._s.users[user_id] = dataclasses.replace(
                row, user=dataclasses.replace(row.user, active=active))

    def end_all_sessions(self, user_id: int, at: datetime) -> tuple[int, int]:
        ended = [k for k, s in self._s.web_sessions.items() if s.user_id == user_id]
        for k in ended:
            del self._s.web_sessions[k]
        return len(ended), self.revoke_tokens(user_id, at)

    def revoke_tokens(self, user_id: int, at: datetime, name: str | None = None) -> int:
        live = [h for h, t in self._s.api_tokens.items() if t.user_id == user_id
                and t.revoked_at is None and (name is None or t.name == name)]
        for h in live:
            self._s.api_tokens[h] = dataclasses.replace(self._s.api_tokens[h],
                                                        revoked_at=format_time(at))
        return len(live)

    def all(self) -> list[User]:
        return [self._s.users[i].user for i in sorted(self._s.users)]

    def add_token(self, user_id: int, name: str, token: str, at: datetime) -> None:
        insert_new(self._s.api_tokens, sha256_hex(token),
                   TokenRow(user_id, name, format_time(at)), "api_tokens.token_hash")

    def by_token(self, token: str) -> User | None:
        t = self._s.api_tokens.get(sha256_hex(token))
        user = self.by_id(t.user_id) if t and t.revoked_at is None else None
        return user if user and user.active else None

    def add_session(self, session_id: str, user_id: int, csrf: str, at: datetime,
                    expires: datetime) -> None:
        insert_new(self._s.web_sessions, sha256_hex(session_id), SessionRecord(
            user_id, csrf, format_time(at), format_time(expires)), "web_sessions.id_hash")

    def session(self, session_id: str, now: datetime) -> SessionRow | None:
        s = self._s.web_sessions.get(sha256_hex(session_id))
        if not s or s.expires_at <= format_time(now):
            return None
        user = self.by_id(s.user_id)
        return SessionRow(user, s.csrf_token, s.expires_at) if user and user.active else None

    def end_session(self, session_id: str) -> None:
        self._s.web_sessions.pop(sha256_hex(session_id), None)


def _item(row: tuple[tuple[str, Any], ...]) -> StoredItem:
    r = dict(row)
    return StoredItem(r["request_id"], r["line"], r["account_ref"], r["platform"],
                      r["account_id"], json.loads(r["item"]), r["outcome"],
                      json.loads(r["reasons"]))


class MemoryReferrals:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def has_request(self, request_id: str) -> bool:
        return request_id in self._s.referral_requests

    def add_request(self, *, request_id: str, requester: dict[str, Any], received_at: datetime,
                    document_sha256: str, submitted_by: str | None) -> None:
        insert_new(self._s.referral_requests, request_id, frozen(
            request_id=request_id, requester_type=requester.get("type", "public"),
            country=requester.get("country", "") or "", agency=requester.get("agency", "") or "",
            requester=json.dumps(requester, ensure_ascii=False),
            received_at=format_time(received_at), submitted_by=submitted_by,
            document_sha256=document_sha256), "referral_requests.request_id")

    def add_item(self, *, request_id: str, line: int, account_ref: str, platform: str,
                 account_id: str | None, item: dict[str, Any], outcome: str,
                 reasons: list[str]) -> None:
        insert_new(self._s.referral_items, (request_id, line), frozen(
            request_id=request_id, line=line, account_ref=account_ref, platform=platform,
            account_id=account_id, item=json.dumps(item, ensure_ascii=False), outcome=outcome,
            reasons=json.dumps(reasons)), "referral_items (request_id, line)")

    def set_outcome(self, request_id: str, line: int, outcome: str, reasons: list[str]) -> None:
        key = (request_id, line)
        if key in self._s.referral_items:
            self._s.referral_items[key] = updated(self._s.referral_items[key], outcome=outcome,
                                                  reasons=json.dumps(reasons))

    def items(self, request_id: str) -> list[StoredItem]:
        return [_item(self._s.referral_items[k]) for k in sorted(self._s.referral_items)
                if k[0] == request_id]

    def requests(self, submitted_by: str | None = None) -> list[dict[str, Any]]:
        rows = [dict(r) for r in self._s.referral_requests.values()]
        return sorted((r for r in rows if submitted_by is None
                       or r["submitted_by"] == submitted_by), key=lambda r: r["received_at"])

    def get_request(self, request_id: str) -> dict[str, Any] | None:
        r = self._s.referral_requests.get(request_id)
        return dict(r) if r else None

    def items_naming(self, platform: str, account_id: str,
                     outcomes: tuple[str, ...] = ("accepted", "escalated")) -> list[StoredItem]:
        found = [_item(self._s.referral_items[k]) for k in sorted(self._s.referral_items)]
        return [i for i in found if i.platform == platform and i.account_id == account_id
                and i.outcome in outcomes]

    def outcome_counts(self, request_id: str | None = None) -> dict[str, int]:
        out: dict[str, int] = {}
        for (rid, _), row in self._s.referral_items.items():
            if not request_id or rid == request_id:
                o = dict(row)["outcome"]
                out[o] = out.get(o, 0) + 1
        return out
