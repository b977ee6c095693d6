"""Small synthetic scenario for mirror detection: one removed account of an invented media
wing, its mirror (new handle, same picture, links and phrasing), a journalist who covers the
group, and unrelated removed accounts. Neutral placeholder text only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta  # noqa: F401 (timedelta re-used by tests)
from typing import Any

T0 = datetime(2025, 7, 1, tzinfo=UTC)
AVATAR = "f0" * 8 + "0" * 48
CHANNEL = "https://t.me/alpha_channel_01"


def _t(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def account(account_id: str, handle: str, created: datetime, status: str = "active",
            **extra: Any) -> dict[str, Any]:
    rec = {"type": "account", "platform": "x", "account_id": account_id, "handle": handle,
           "created_at": _t(created), "status": status}
    if status == "removed":
        rec.setdefault("removed_at", _t(T0))
        rec["removal_reason"] = "DOI-1"
    rec.update(extra)
    return rec


def posts(account_id: str, n: int, start: datetime, text: str, **extra: Any
          ) -> list[dict[str, Any]]:
    return [{"type": "post", "platform": "x", "post_id": f"{account_id}-p{i}",
             "account_id": account_id, "created_at": _t(start + timedelta(hours=3 * i)),
             "text": f"{text} number {i} from the valley, placeholder text", "lang": "en",
             "context": "channel:alpha", "hashtags": ["alphanews"], "links": [CHANNEL],
             **extra} for i in range(n)]


def removed() -> list[dict[str, Any]]:
    """The removed account and its posts, plus unrelated removed accounts."""
    out = [account("r1", "@alpha_media_official", T0 - timedelta(days=300), "removed",
                   display_name="Alpha Media", bio="Official channel of the Alpha media wing.",
                   links=[CHANNEL], avatar_pdq=AVATAR, removed_at=_t(T0))]
    out += posts("r1", 30, T0 - timedelta(days=20), "Alpha media bulletin")
    for i in range(20):
        out.append(account(f"o{i}", f"@gardener{i}", T0 - timedelta(days=200 + i), "removed",
                           display_name=f"Garden Fan {i}", bio="Seeds and soil.",
                           removed_at=_t(T0 - timedelta(days=5 + i))))
    return out


def mirror(account_id: str = "m1", **extra: Any) -> list[dict[str, Any]]:
    """A new account that continues r1: created hours after the removal."""
    a = account(account_id, "@alpha_media_0fficial2", T0 + timedelta(hours=5),
                display_name="Alpha Media", bio="Official channel of the Alpha media wing!",
                links=[CHANNEL], avatar_pdq=AVATAR, **extra)
    return [a, *posts(account_id, 5, T0 + timedelta(hours=6), "Alpha media bulletin")]


def journalist(account_id: str = "j1") -> list[dict[str, Any]]:
    """A verified journalist who writes about the same group, in the same places."""
    a = account(account_id, "@sara_reports", T0 - timedelta(days=900),
                display_name="Sara Khan", bio="Journalist covering security. Views my own.",
                verified_categories=["journalist"])
    ps = [{"type": "post", "platform": "x", "post_id": f"{account_id}-p{i}",
           "account_id": account_id, "created_at": _t(T0 + timedelta(hours=10 + 5 * i)),
           "text": f"Reporting on the Alpha media wing and its channel, analysis {i}",
           "lang": "en", "context": "channel:alpha", "hashtags": ["alphanews"]}
          for i in range(5)]
    return [a, *ps]
