"""The platform's records and due process held in memory: the twins of
:class:`tarazu.adapters.db.platform_store.PlatformStore` and
:class:`tarazu.adapters.db.due_process.DueProcessStore` (the ports
:class:`tarazu.service.ports.Platform` and :class:`tarazu.service.ports.DueProcess`)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tarazu.adapters.memory_state import MemoryState, frozen, insert_new
from tarazu.adapters.scoring_marks import mark_stamp, overdue_seconds
from tarazu.domain.chain import format_time, parse_time
from tarazu.domain.events import SubjectRef
from tarazu.domain.platform import Account, Post, verified_protection
from tarazu.service.records import AppealToken, MarkedAccount

OPEN_STATES = ("open", "escalated")


def _t(t: datetime | None) -> datetime | None:
    """A time as the database gives it back (UTC, to the microsecond)."""
    return parse_time(format_time(t)) if t else None


@dataclasses.dataclass(frozen=True)
class DecodedPosts:
    """Posts held as records already: nothing left to decode."""

    posts: dict[tuple[str, str], list[Post]]

    def decode(self) -> dict[tuple[str, str], list[Post]]:
        return self.posts


class MemoryPlatform:
    """Accounts, posts, the protected registry and the scoring marks."""

    def __init__(self, state: MemoryState) -> None:
        self._s = state

    # -- writes ------------------------------------------------------------------------------
    def upsert_account(self, a: Account, mark: bool = True) -> str:
        key = (a.platform, a.account_id)
        a = dataclasses.replace(a, created_at=_t(a.created_at) or a.created_at,
                                removed_at=_t(a.removed_at))
        change = self._upsert(self._s.accounts, key, a, self._s.restated.pop(key, False))
        if mark and change != "unchanged":
            self.queue_for_scoring(*key)
        return change

    def upsert_post(self, p: Post, mark: bool = True) -> str:
        p = dataclasses.replace(p, created_at=_t(p.created_at) or p.created_at)
        change = self._upsert(self._s.posts, (p.platform, p.post_id), p, False)
        if mark and change != "unchanged":
            self.queue_for_scoring(p.platform, p.account_id)
        return change

    def upsert_posts(self, ps: Sequence[Post], mark: bool = True) -> list[str]:
        return [self.upsert_post(p, mark) for p in ps]

    @staticmethod
    def _upsert(table: dict, key: tuple[str, str], record: Any, stale: bool) -> str:
        old = table.get(key)
        if old == record and not stale:
            return "unchanged"
        table[key] = record
        return "added" if old is None else "updated"

    def set_status(self, platform: str, account_id: str, status: str,
                   at: datetime | None = None, reason: str = "") -> None:
        key = (platform, account_id)
        a = self._s.accounts.get(key)
        if a is not None:
            removed = status == "removed"
            self._s.accounts[key] = dataclasses.replace(
                a, status=status, removed_at=_t(at) if removed else None,
                removal_reason=reason if removed else "")
            self._s.restated[key] = True
        self.queue_for_scoring(platform, account_id)

    # -- the scoring queue -------------------------------------------------------------------
    def queue_for_scoring(self, platform: str, account_id: str, delay: float = 0.0) -> None:
        self.queue_many_for_scoring([(platform, account_id)], delay)

    def queue_many_for_scoring(self, keys: Iterable[tuple[str, str]], delay: float = 0.0
                               ) -> None:
        """A new time on each mark, due in ``delay`` seconds or at the earlier due time a
        mark already there has."""
        now = datetime.now(UTC)
        at, due = mark_stamp(now), mark_stamp(now + timedelta(seconds=delay))
        for key in set(keys):
            self._s.scoring[key] = at
            self._s.scoring_due[key] = min(self._s.scoring_due.get(key, due), due)

    def account_statuses(self, keys: Iterable[tuple[str, str]]
                         ) -> dict[tuple[str, str], str]:
        return {k: self._s.accounts[k].status for k in set(keys) if k in self._s.accounts}

    def queued_for_scoring(self, limit: int = 100) -> list[tuple[str, str, str]]:
        """The marks due now, the longest due first."""
        now = mark_stamp(datetime.now(UTC))
        marks = sorted((self._s.scoring_due.get(k, at), k[0], k[1], at)
                       for k, at in self._s.scoring.items()
                       if self._s.scoring_due.get(k, at) <= now)
        return [(p, a, at) for _, p, a, at in marks[:limit]]

    def account_for_scoring(self, platform: str, account_id: str, posts: int = 0
                            ) -> MarkedAccount | None:
        key = (platform, account_id)
        mark = self._s.scoring.get(key)
        a = self._s.accounts.get(key)
        if a is None:
            return MarkedAccount(mark, None, None) if mark is not None else None
        return MarkedAccount(mark, a, self.protection(platform, account_id),
                             self.posts_of(platform, account_id, posts) if posts > 0 else None)

    def clear_scoring_mark(self, platform: str, account_id: str, queued_at: str) -> bool:
        if self._s.scoring.get((platform, account_id)) != queued_at:
            return False
        del self._s.scoring[(platform, account_id)]
        self._s.scoring_due.pop((platform, account_id), None)
        return True

    def clear_scoring_marks(self, keys: list[tuple[str, str]], before: str) -> None:
        for key in keys:
            if key in self._s.scoring and self._s.scoring[key] <= before:
                del self._s.scoring[key]
                self._s.scoring_due.pop(key, None)

    def scoring_backlog(self) -> int:
        return len(self._s.scoring)

    def longest_overdue(self) -> float:
        due = [self._s.scoring_due.get(k, at) for k, at in self._s.scoring.items()]
        return overdue_seconds(min(due, default=None), datetime.now(UTC))

    # -- reads -------------------------------------------------------------------------------
    def get_account(self, platform: str, account_id: str, with_identifiers: bool = False
                    ) -> Account | None:
        a = self._s.accounts.get((platform, account_id))
        if a is None or with_identifiers:
            return a
        return dataclasses.replace(a, identifiers={})

    def handles(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        return {k: self._s.accounts[k].handle for k in set(keys) if k in self._s.accounts}

    def find_account(self, platform: str, ref: str) -> Account | None:
        ref = ref.strip()
        if "://" in ref:
            ref = ref.rstrip("/").rsplit("/", 1)[-1]
        handle = ref.lstrip("@").lower()
        for key in sorted(self._s.accounts):
            a = self._s.accounts[key]
            if a.platform == platform and (a.account_id == ref or a.handle.lower() in (
                    handle, "@" + handle)):
                return self.get_account(*key)
        return None

    def iter_accounts(self, status: str | None = None, platform: str | None = None,
                      with_identifiers: bool = False) -> Iterator[Account]:
        for key in sorted(self._s.accounts):
            a = self._s.accounts[key]
            if (not status or a.status == status) and (not platform or a.platform == platform):
                yield self.get_account(*key, with_identifiers=with_identifiers)  # type: ignore[misc]

    def removed_keys(self) -> set[tuple[str, str]]:
        return {k for k, a in self._s.accounts.items() if a.status == "removed"}

    def posts_of(self, platform: str, account_id: str, limit: int = 200) -> list[Post]:
        mine = [p for p in self._s.posts.values()
                if p.platform == platform and p.account_id == account_id]
        mine.sort(key=lambda p: (format_time(p.created_at), p.post_id))
        return mine[:limit]

    def posts_of_many(self, keys: Sequence[tuple[str, str]], limit: int = 200
                      ) -> dict[tuple[str, str], list[Post]]:
        out: dict[tuple[str, str], list[Post]] = {(pl, a): [] for pl, a in keys}
        for p in self._s.posts.values():  # one pass, not one per account
            if (p.platform, p.account_id) in out:
                out[(p.platform, p.account_id)].append(p)
        for mine in out.values():
            mine.sort(key=lambda p: (format_time(p.created_at), p.post_id))
            del mine[limit:]
        return out

    def posts_of_many_rows(self, keys: Sequence[tuple[str, str]], limit: int = 200
                           ) -> DecodedPosts:
        return DecodedPosts(self.posts_of_many(keys, limit))

    def get_post(self, platform: str, post_id: str) -> Post | None:
        return self._s.posts.get((platform, post_id))

    def iter_posts(self) -> Iterator[Post]:
        """Every post in key order (what a hash bank scan reads)."""
        for key in sorted(self._s.posts):
            yield self._s.posts[key]

    def count(self) -> dict[str, int]:
        return {"accounts": len(self._s.accounts), "posts": len(self._s.posts)}

    # -- protection --------------------------------------------------------------------------
    def protect(self, platform: str, account_id: str, category: str, source: str,
                added_by: str, at: datetime, note: str = "") -> bool:
        if (platform, account_id) in self._s.protected:
            return False
        self._s.protected[(platform, account_id)] = frozen(
            platform=platform, account_id=account_id, category=category, source=source,
            added_by=added_by, added_at=format_time(at), note=note)
        return True

    def protected_registry(self) -> list[dict[str, Any]]:
        return [dict(self._s.protected[k]) for k in sorted(self._s.protected)]

    def protection(self, platform: str, account_id: str) -> str | None:
        entry = self._s.protected.get((platform, account_id))
        if entry:
            return str(dict(entry)["category"])
        a = self._s.accounts.get((platform, account_id))
        return verified_protection(a.verified_categories) if a else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class MemoryDueProcess:
    """Deadlines, appeal tokens (by hash), reference withdrawals and job watermarks."""

    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def save_deadline(self, subject: SubjectRef, queue: str | None, due: datetime | None) -> None:
        self._s.deadlines[subject] = _t(due)

    def deadlines(self, subjects: list[SubjectRef]) -> dict[SubjectRef, datetime | None]:
        return {s: self._s.deadlines.get(s) for s in subjects}

    def subjects_enforced(self, action: str) -> list[SubjectRef]:
        found = [s for s, (row, _) in self._s.status.items() if row.enforcement == action]
        return sorted(found, key=lambda s: (s.id, s.type.value))

    def overdue_counts(self, now: datetime) -> dict[str, int]:
        """Open cases due before ``now`` per queue: what the SQL store's kept hourly counts
        and its count of the current hour add up to."""
        t, out = format_time(now), dict[str, int]()
        for s, (row, _) in self._s.status.items():
            due = self._s.status_due.get(s)
            if row.review_state in OPEN_STATES and due is not None and format_time(due) < t:
                q = row.queue or "unrouted"
                out[q] = out.get(q, 0) + 1
        return out

    def add_token(self, token: str, subject: SubjectRef, decision_id: str, at: datetime,
                  expires_at: datetime) -> None:
        insert_new(self._s.appeal_tokens, token_hash(token), (
            subject, decision_id, format_time(at), format_time(expires_at), None),
            "appeal_tokens.token_hash")

    def token(self, token: str) -> AppealToken | None:
        r = self._s.appeal_tokens.get(token_hash(token))
        if r is None:
            return None
        subject, decision_id, created, expires, appeal_id = r
        return AppealToken(subject, decision_id, parse_time(created), parse_time(expires),
                           appeal_id)

    def token_used(self, token: str, appeal_id: str) -> None:
        h = token_hash(token)
        if h in self._s.appeal_tokens:
            self._s.appeal_tokens[h] = (*self._s.appeal_tokens[h][:4], appeal_id)

    def withdraw_reference(self, platform: str, account_id: str, at: datetime,
                           decision_id: str | None, reason: str) -> bool:
        if (platform, account_id) in self._s.withdrawn:
            return False
        self._s.withdrawn[(platform, account_id)] = (format_time(at), decision_id, reason)
        return True

    def withdrawn_references(self, platform: str | None = None) -> set[tuple[str, str]]:
        return {k for k in self._s.withdrawn if not platform or k[0] == platform}

    def watermark(self, name: str) -> int:
        return self._s.watermarks.get(name, 0)

    def set_watermark(self, name: str, seq: int) -> None:
        self._s.watermarks[name] = seq
