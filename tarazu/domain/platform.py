"""Platform records as the interchange format (v1) describes them.

These are plain, frozen values: the platform owns them; tarazu only reads and judges them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

VERIFIED_CATEGORIES = frozenset(
    {"journalist", "news_organisation", "ngo", "official", "politician", "researcher"}
)
#: Categories whose holders are protected: no automatic action, senior review for any action.
PROTECTED_CATEGORIES = VERIFIED_CATEGORIES


@dataclass(frozen=True)
class Media:
    pdq: str | None = None
    md5: str | None = None
    kind: str = "image"


@dataclass(frozen=True)
class Account:
    account_id: str
    handle: str
    created_at: datetime
    status: str  # "active" | "removed"
    platform: str = "default"
    display_name: str = ""
    bio: str = ""
    links: tuple[str, ...] = ()
    avatar_pdq: str | None = None
    removed_at: datetime | None = None
    removal_reason: str = ""
    identifiers: dict[str, str] = field(default_factory=dict)
    verified_categories: tuple[str, ...] = ()
    following: tuple[str, ...] = ()
    followers: tuple[str, ...] = ()

    @property
    def is_removed(self) -> bool:
        return self.status == "removed"

    @property
    def is_protected(self) -> bool:
        return any(c in PROTECTED_CATEGORIES for c in self.verified_categories)


@dataclass(frozen=True)
class Post:
    post_id: str
    account_id: str
    created_at: datetime
    platform: str = "default"
    text: str = ""
    lang: str = ""
    context: str = ""
    reply_to: str | None = None
    mentions: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    media: tuple[Media, ...] = ()
