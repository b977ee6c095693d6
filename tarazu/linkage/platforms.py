"""Platform profiles: what is read from posts that only one kind of platform writes.

The core linker is platform-neutral: it reads accounts, posts, hashtags, mentions, links and
media as the interchange format defines them. Some platforms say more in their own markup —
Wikipedia names the account an edit acts on (``[[User talk:X]]``, "Reverted edits by X"),
marks its tools' edits ("(TW)", "rollback") and gives every account pages of its own
(``User:X``). A profile reads that markup into the profile fields the comparators use (who an
account names, how often it acts on others, how often it writes on its own pages); it is
opt-in (``--profile wikipedia``), and a model says in its file which profile it was fitted
with, so that the linker reads new data the same way.

A profile also says what a mirror *is*. Where accounts come back after a takedown (the
mission's case, and every platform's ban evasion), a mirror is created after the removal it
continues, so an account that already existed while the removed one was up is never its
candidate, however alike the two are: the same operator's other standing accounts are the
commonest look-alike of a mirror. On Wikipedia sock puppets edit beside their master and are
often created before it is blocked: accounts that declare a platform in
``PREDATING_PLATFORMS`` (the interchange ``platform`` field) are held to no such rule, whatever
profile reads their markup."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from tarazu.linkage.text import ACTING_RE, wiki_user_refs


def _no_refs(text: str) -> list[str]:
    return []


def _no_owner(context: str) -> str | None:
    return None


_WIKI_USER_PAGE = re.compile(r"^user(?: talk)?:", re.I)


def _wiki_page_owner(context: str) -> str | None:
    """The account whose user or user-talk page a post was made on (``User talk:X/sub``)."""
    m = _WIKI_USER_PAGE.match(context)
    return context[m.end():].split("/")[0] if m else None


#: Platforms where a returning account may predate the removal it continues (sock puppets).
PREDATING_PLATFORMS = frozenset({"wikipedia"})


@dataclass(frozen=True)
class PlatformProfile:
    name: str
    #: accounts a post's text names in the platform's markup
    named_accounts: Callable[[str], list[str]] = _no_refs
    #: the account whose own page a post's context is, if any
    page_owner: Callable[[str], str | None] = _no_owner
    #: marks of a post acting on another account (reverts, warnings, moderation tools)
    acting: re.Pattern[str] | None = None
    #: contexts that are talk pages: a post there addresses the page's owner
    talk_marker: str | None = None
    #: a mirror is created after the removal it continues, or at most this long before it
    #: (a removal is recorded when the platform acts, which may lag the takedown); None: an
    #: account may continue a removed one it predates (sock puppets beside their master)
    successor_slack: timedelta | None = timedelta(days=1)

    def may_continue(self, created_at: float, removed_at: float | None,
                     declared: str = "default") -> bool:
        """Whether an account created at ``created_at`` may continue one removed at
        ``removed_at`` (POSIX seconds; None: no removal time, nothing to hold against it),
        on the platform the account ``declared``."""
        latest = self.latest_removal(created_at, declared)
        return latest is None or removed_at is None or removed_at <= latest

    def latest_removal(self, created_at: float, declared: str = "default") -> float | None:
        """The latest removal (POSIX seconds) an account created at ``created_at`` may
        continue, on the platform it ``declared``; None: any (one bound for all the
        candidates of an account, instead of a call per candidate)."""
        if self.successor_slack is None or declared in PREDATING_PLATFORMS:
            return None
        return created_at + self.successor_slack.total_seconds()


NEUTRAL = PlatformProfile("neutral")
WIKIPEDIA = PlatformProfile(
    "wikipedia",
    named_accounts=wiki_user_refs,
    page_owner=_wiki_page_owner,
    acting=ACTING_RE,
    talk_marker="talk:",
    successor_slack=None,
)
PLATFORMS = {p.name: p for p in (NEUTRAL, WIKIPEDIA)}


def get_platform(name: str | None) -> PlatformProfile:
    """A platform profile by name (None: the neutral one)."""
    if not name:
        return NEUTRAL
    try:
        return PLATFORMS[name]
    except KeyError:
        raise ValueError(f"unknown platform profile {name!r}; known: {sorted(PLATFORMS)}"
                         ) from None

