"""What a piece of evidence in a referral points at, and whether it shows anything.

Specific evidence is an individual post (id or URL), a media item (MD5 or PDQ hash) or a link
the account shared. A profile page, a search or hashtag page, or a sentence ("posts anti-state
content daily") shows nothing a reviewer can check. Whether a specific reference exists and
belongs to the named account is a question for the platform's data, asked through an injected
:data:`EvidenceCheck` (see ``tarazu.service.referrals``); this module only reads the reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

from tarazu.domain.platform import Account


class RefKind(StrEnum):
    POST = "post"  # a post id or the URL of one post
    MEDIA = "media"  # md5:/pdq: hash of an image or video
    LINK = "link"  # an outside URL (a channel invite, a site) the account shared
    PROFILE = "profile"  # the account's page itself: not evidence of anything
    SEARCH = "search"  # a search, hashtag or explore page
    TEXT = "text"  # a description, not a reference


class Verdict(StrEnum):
    SPECIFIC = "specific"  # exists and belongs to the named account
    UNVERIFIED = "unverified"  # looks specific; the platform data has nothing to check against
    NOT_SPECIFIC = "not_specific"
    NOT_FOUND = "not_found"
    OTHER_ACCOUNT = "other_account"  # exists, but belongs to someone else

    @property
    def counts(self) -> bool:
        """Counts as specific evidence for the check."""
        return self in (Verdict.SPECIFIC, Verdict.UNVERIFIED)


@dataclass(frozen=True)
class EvidenceRef:
    raw: str
    kind: RefKind
    post_id: str | None = None
    handle: str | None = None  # the handle a post URL names, if it names one
    host: str | None = None
    media_hash: str | None = None


#: Judges one reference against the named account (None when the account is unknown).
EvidenceCheck = Callable[[EvidenceRef, Account | None], Verdict]

HOST_PLATFORM = {
    "x.com": "x", "twitter.com": "x", "mobile.twitter.com": "x", "t.me": "telegram",
    "telegram.me": "telegram", "facebook.com": "facebook", "m.facebook.com": "facebook",
    "fb.com": "facebook", "instagram.com": "instagram", "youtube.com": "youtube",
    "youtu.be": "youtube", "m.youtube.com": "youtube", "tiktok.com": "tiktok",
    "whatsapp.com": "whatsapp", "chat.whatsapp.com": "whatsapp",
}
# /<handle>/<marker>/<id>, /<marker>/<id>: status (x), posts (facebook), p/reel (instagram),
# video (tiktok), shorts (youtube).
_POST_PATH = re.compile(
    r"^/(?:@?(?P<handle>[^/]+)/)?(?:status|statuses|posts?|p|reel|videos?|shorts|s)/"
    r"(?P<id>[\w-]+)/?$")
_TELEGRAM_POST = re.compile(r"^/(?:s/)?(?P<handle>[\w]+)/(?P<id>\d+)/?$")
_SEARCH = re.compile(r"/(search|hashtag|explore|tags?|results)(/|$)|[?&](q|query|search_query)=")
_MD5 = re.compile(r"^(?:md5:)?([0-9a-f]{32})$", re.I)
_PDQ = re.compile(r"^pdq:([0-9a-f]{64})$", re.I)
#: A post id as the interchange format allows it: any string (``acc:35:1:p2``) without spaces;
#: a leading ``post:`` is a label, not part of the id.
_POST_ID = re.compile(r"^(?:post:)?([\w:-]{1,200})$")


def platform_of_host(host: str) -> str | None:
    host = host.lower().removeprefix("www.")
    return HOST_PLATFORM.get(host)


def _url(ref: str) -> EvidenceRef:
    if "://" not in ref:
        ref = "https://" + ref
    parts = urlsplit(ref)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path or "/"
    if _SEARCH.search(path + ("?" + parts.query if parts.query else "")):
        return EvidenceRef(ref, RefKind.SEARCH, host=host)
    if host in ("t.me", "telegram.me") and (m := _TELEGRAM_POST.match(path)):
        return EvidenceRef(ref, RefKind.POST, m["id"], m["handle"], host)
    if m := _POST_PATH.match(path):
        return EvidenceRef(ref, RefKind.POST, m["id"], m["handle"], host)
    if host.endswith("youtube.com") and (v := parse_qs(parts.query).get("v")):
        return EvidenceRef(ref, RefKind.POST, v[0], None, host)
    if host == "youtu.be" and path.strip("/"):
        return EvidenceRef(ref, RefKind.POST, path.strip("/"), None, host)
    segments = [s for s in path.split("/") if s]
    if platform_of_host(host) and len(segments) <= 1 and not parts.query:
        return EvidenceRef(ref, RefKind.PROFILE, handle=segments[0] if segments else None,
                           host=host)
    return EvidenceRef(ref, RefKind.LINK, host=host)


def classify(ref: str) -> EvidenceRef:
    """Read one evidence reference (never raises)."""
    ref = ref.strip()
    if not ref or any(c.isspace() for c in ref):
        return EvidenceRef(ref, RefKind.TEXT)
    if m := _PDQ.match(ref):
        return EvidenceRef(ref, RefKind.MEDIA, media_hash=m[1].lower())
    if m := _MD5.match(ref):
        return EvidenceRef(ref, RefKind.MEDIA, media_hash=m[1].lower())
    if "://" in ref or re.match(r"^(www\.)?[\w-]+(\.[\w-]+)+/", ref):
        return _url(ref)
    if m := _POST_ID.match(ref):
        return EvidenceRef(ref, RefKind.POST, m[1])
    return EvidenceRef(ref, RefKind.TEXT)


def shape_only(ref: EvidenceRef, account: Account | None) -> Verdict:
    """The check without platform data: a post, media or link reference is taken as specific
    but unverified; a post URL naming another handle belongs to someone else."""
    if ref.kind in (RefKind.PROFILE, RefKind.SEARCH, RefKind.TEXT):
        return Verdict.NOT_SPECIFIC
    if (ref.kind is RefKind.POST and ref.handle and account is not None
            and ref.handle.lstrip("@").casefold() not in (account.handle.lstrip("@").casefold(),
                                                         account.account_id.casefold())):
        return Verdict.OTHER_ACCOUNT
    return Verdict.UNVERIFIED
