"""Platform records as the interchange format (v1) describes them.

These are plain, frozen values: the platform owns them; tarazu only reads and judges them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

VERIFIED_CATEGORIES = frozenset(
    {"journalist", "news_organisation", "ngo", "official", "politician", "researcher"}
)


class AccountStatus(StrEnum):
    """What the platform says of an account: the values of the interchange format's
    ``status`` field, as files, the database and platform events carry them."""
    ACTIVE = "active"
    REMOVED = "removed"


#: Categories whose holders are protected: no automatic action, senior review for any action.
PROTECTED_CATEGORIES = VERIFIED_CATEGORIES


def verified_protection(verified_categories: tuple[str, ...]) -> str | None:
    """What platform verification protects an account as: its first verified category, when
    any of them is a protected one."""
    if any(c in PROTECTED_CATEGORIES for c in verified_categories):
        return verified_categories[0]
    return None


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
    status: str  # an AccountStatus value, as the record carried it
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
        return self.status == AccountStatus.REMOVED

    @property
    def is_protected(self) -> bool:
        return verified_protection(self.verified_categories) is not None


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


def message_id(record: dict[str, Any]) -> str:
    """A stable id for a platform record sent as a message (to the stream, or as a platform
    event): the same record published twice is one message."""
    key = record.get("event_id") or record.get("post_id") or record.get("account_id")
    return f"{record.get('platform', 'default')}:{record.get('type')}:{key}:" \
           f"{record.get('event', '')}:{record.get('status', '')}"
