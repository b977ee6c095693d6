"""Builds the accounts and posts of one scenario draw from one source of randomness.

A group's accounts are run by its **operators**: each has a persona (a name in two scripts),
devices and a network, a few rare accounts it follows (its own contacts), and a way of writing
(language, favourite function words, an emoji, a sign-off, the hours it posts at). A group's
accounts share its **assets**: a logo, a channel, hashtags and an audience of followers. So
evidence shared inside a group says the account belongs to the group; only the operator's own
traces say *which* removed account came back."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from difflib import SequenceMatcher
from typing import Any

from tarazu.demo.scenario.knobs import Knobs, ScenarioSize
from tarazu.demo.scenario.vocabulary import (
    EMOJI,
    FAN_BIOS,
    FIRST,
    FRESH_WORDS,
    GROUPS,
    LAST,
    LEET,
    LOOKALIKE,
    ORDINARY_BIOS,
    ORDINARY_TOPICS,
    PERSONA_FIRST,
    PERSONA_LAST,
    PLACES,
    PROTECTED_BIOS,
    PUNCTUATION,
    STYLES,
    Group,
)
from tarazu.domain.platform import AccountStatus

PLATFORM = "x"
EPOCH = datetime(2025, 7, 20, 0, 0, tzinfo=UTC)  # "now" in the scenario's platform history
#: Removals happen in this window before EPOCH; namesakes and fans may sign up inside it too.
REMOVAL_WINDOW = (timedelta(days=50), timedelta(days=2))
#: Verified categories by role (the platform's word for an activist is "ngo").
CATEGORY_ROLE = {"journalist": "journalist", "researcher": "researcher", "ngo": "activist"}


def t_iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _flip_bits(pdq: str, rng: random.Random, bits: int) -> str:
    v = int(pdq, 16)
    for b in rng.sample(range(256), bits):
        v ^= 1 << b
    return f"{v:064x}"


def _title(word: str) -> str:
    return word.upper() if len(word) < 3 else word.title()


def _digest(rng: random.Random) -> str:
    return hashlib.sha256(_hex(rng, 16).encode()).hexdigest()[:32]


def handle_similarity(a: str, b: str) -> float:
    """How alike two handles read once case, separators, leetspeak and look-alikes are folded
    (0..1): a careful operator's new handle stays below one half of its old one."""
    from tarazu.linkage.handles import handle_key

    return SequenceMatcher(None, handle_key(a), handle_key(b)).ratio()


@dataclass
class Operator:
    """The person (or desk) behind some of a group's accounts, and the traces they leave."""

    key: str
    group: Group
    persona: tuple[str, str]  # the persona's name in Latin letters and in Arabic script
    devices: list[str]
    network: str
    style: str  # a key of STYLES
    words: tuple[str, ...]
    emoji: str
    punctuation: str
    signoff: str
    hour: int  # the hour of day (UTC) it mostly posts at
    contacts: list[str] = field(default_factory=list)  # rare accounts it follows


class Builder:
    def __init__(self, rng: random.Random, size: ScenarioSize, knobs: Knobs) -> None:
        self.rng = rng
        self.size = size
        self.knobs = knobs
        self.accounts: list[dict[str, Any]] = []
        self.posts: list[dict[str, Any]] = []
        self.handles: set[str] = set()
        self.next_id = 1_000_001
        self.next_post = 5_000_001
        self.group_of: dict[str, str] = {}
        self.mirror_of: dict[str, str] = {}
        self.protected: dict[str, str] = {}
        self.roles: dict[str, str] = {}
        self.operator_of: dict[str, Operator] = {}
        self.careful: set[str] = set()
        self.signup_only: set[str] = set()
        self.media_pool = {g.key: [_hex(rng, 64) for _ in range(6)] for g in GROUPS}
        self.logo = {g.key: _hex(rng, 64) for g in GROUPS}
        self.operators: dict[str, list[Operator]] = {
            g.key: [self.operator(g, i) for i in range(knobs.operators_per_group)]
            for g in GROUPS}
        self.fans: dict[str, list[dict[str, Any]]] = {g.key: [] for g in GROUPS}
        self.removed_turn = {g.key: 0 for g in GROUPS}

    # -- helpers ---------------------------------------------------------------------------------
    def _id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def _unique(self, handle: str) -> str:
        h, n = handle, 2
        while h.casefold() in self.handles:
            h, n = f"{handle}{n}", n + 1
        self.handles.add(h.casefold())
        return h

    def _account(self, role: str, **fields: Any) -> dict[str, Any]:
        a = {"type": "account", "platform": PLATFORM, "status": "active", **fields}
        self.accounts.append(a)
        self.roles[a["account_id"]] = role
        return a

    def _post(self, account: dict[str, Any], text: str, at: datetime, lang: str,
              **fields: Any) -> dict[str, Any]:
        self.next_post += 1
        p = {"type": "post", "post_id": str(self.next_post), "account_id": account["account_id"],
             "platform": PLATFORM, "created_at": t_iso(at), "text": text, "lang": lang, **fields}
        self.posts.append(p)
        return p

    def time_between(self, start: datetime, end: datetime) -> datetime:
        span = int((end - start).total_seconds())
        return start + timedelta(seconds=self.rng.randrange(max(span, 1)))

    def _at_hour(self, start: datetime, end: datetime, hour: int) -> datetime:
        """A time between ``start`` and ``end`` near ``hour`` of the day (habits show)."""
        t = self.time_between(start, end)
        h = (hour + self.rng.randint(-2, 2)) % 24
        t = t.replace(hour=h, minute=self.rng.randrange(60))
        return min(max(t, start), end)

    def _share(self, p: float) -> bool:
        return p > 0 and self.rng.random() < p

    def _persona(self) -> tuple[str, str]:
        (f, fn), (la, ln) = self.rng.choice(PERSONA_FIRST), self.rng.choice(PERSONA_LAST)
        return f"{f} {la}", f"{fn} {ln}"

    def _language(self) -> str:
        langs, weights = zip(*self.knobs.languages, strict=True)
        return self.rng.choices(langs, weights=weights)[0]

    def operator(self, g: Group, n: int) -> Operator:
        rng = self.rng
        style = self._language()
        return Operator(
            key=f"{g.key}-{n + 1}", group=g, persona=self._persona(),
            devices=[_digest(rng) for _ in range(rng.randint(1, 2))], network=_digest(rng),
            style=style, words=tuple(rng.sample(STYLES[style][1], 4)), emoji=rng.choice(EMOJI),
            punctuation=rng.choice(PUNCTUATION), signoff=rng.choice(STYLES[style][2]),
            hour=rng.randrange(24))

    def _operator_for(self, g: Group, removed: bool) -> Operator:
        """One of the group's operators (a fresh one when each account is its own). Removed
        accounts go round the operators in turn, so that two share an operator only when
        there are more removed accounts than operators."""
        pool = self.operators[g.key]
        if not pool:
            return self.operator(g, len(self.operator_of))
        if removed:
            self.removed_turn[g.key] += 1
            return pool[(self.removed_turn[g.key] - 1) % len(pool)]
        return self.rng.choice(pool)

    def _styled(self, o: Operator, core: str) -> str:
        rng = self.rng
        return (f"{core} {' '.join(rng.sample(o.words, 3))}{o.punctuation} {o.signoff} "
                f"{o.emoji}")

    # -- designated-group accounts --------------------------------------------------------------
    def _avatar(self, g: Group) -> str:
        if self._share(self.knobs.group_logo_share):
            return _flip_bits(self.logo[g.key], self.rng, self.rng.randint(0, 6))
        return _hex(self.rng, 64)

    def _channel(self, g: Group) -> list[str]:
        if self._share(self.knobs.group_channel_share):
            return [f"https://t.me/{g.telegram}"]
        return [f"https://t.me/{g.telegram}{self.rng.randrange(1, 40)}"]

    def _display(self, g: Group, o: Operator, place: str) -> str:
        native = self.rng.random() < self.knobs.native_script_share
        if self._share(self.knobs.persona_name_share):
            return o.persona[1] if native else o.persona[0]
        return g.wing_urdu if native else f"{g.wing} {_title(place)}"

    def group_account(self, g: Group, removed_at: datetime | None = None) -> dict[str, Any]:
        rng = self.rng
        o = self._operator_for(g, removed=removed_at is not None)
        stem, place = rng.choice(g.stems), rng.choice(PLACES)
        handle = self._unique(f"{stem}{rng.choice(['_', '', '.'])}{place}")
        display = self._display(g, o, place)
        urdu = any("\u0600" <= ch <= "\u06ff" for ch in display)
        created = self.time_between(datetime(2023, 1, 1, tzinfo=UTC),
                                    (removed_at or EPOCH) - timedelta(days=20))
        a = self._account(
            "group", account_id=self._id(), handle=handle, display_name=display,
            bio=(f"{g.wing_urdu} | [placeholder: profile text attributed to {g.key}]" if urdu
                 else f"{g.wing} — [placeholder: profile text attributed to {g.key}]"),
            links=self._channel(g), avatar_pdq=self._avatar(g), created_at=t_iso(created),
            identifiers={"device": rng.choice(o.devices), "ip_prefix": o.network})
        if removed_at:
            a.update(status=AccountStatus.REMOVED.value, removed_at=t_iso(removed_at),
                     removal_reason=f"DOI-1: official media of {g.name}")
        self.group_of[a["account_id"]] = g.key
        self.operator_of[a["account_id"]] = o
        self.group_posts(a, g, o, created, removed_at or EPOCH)
        return a

    def group_posts(self, a: dict[str, Any], g: Group, o: Operator, start: datetime,
                    end: datetime) -> None:
        rng = self.rng
        lang = STYLES[o.style][0]
        for _ in range(rng.randint(2, 4)):
            media = ([{"pdq": _flip_bits(rng.choice(self.media_pool[g.key]), rng,
                                         rng.randint(0, 6)), "kind": "image"}]
                     if rng.random() < 0.6 else [])
            self._post(a, self._styled(o, f"[placeholder: statement attributed to {g.key}]"),
                       self._at_hour(start, end, o.hour), lang,
                       hashtags=[g.wing.replace(" ", "").replace("-", "")],
                       links=a["links"][:1] if rng.random() < 0.5 else [], media=media)

    # -- mirrors -------------------------------------------------------------------------------
    def mirror(self, g: Group, removed: dict[str, Any], n: int) -> dict[str, Any]:
        """An account that continues a removed one, run by the same operator."""
        o = self.operator_of[removed["account_id"]]
        careful = self._share(self.knobs.careful_share)
        a = (self._careful_mirror if careful else self._plain_mirror)(g, o, removed, n)
        aid = a["account_id"]
        self.group_of[aid] = g.key
        self.operator_of[aid] = o
        self.mirror_of[aid] = removed["account_id"]
        self.roles[aid] = "mirror"
        if careful:
            self.careful.add(aid)
        if self._share(self.knobs.signup_only_share):
            self.signup_only.add(aid)  # seen only at sign-up: no posts, follows or followers
            a.pop("following", None)
            a.pop("followers", None)
        else:
            created = parse_time(a["created_at"])
            self.group_posts(a, g, o, created, max(EPOCH, created + timedelta(days=1)))
        return a

    def _plain_mirror(self, g: Group, o: Operator, removed: dict[str, Any], n: int
                      ) -> dict[str, Any]:
        """Back minutes after the removal with the old look: a handle variant, the name, the
        picture, the links, the device, the follows."""
        rng = self.rng
        variant = [
            lambda h: f"{h}{n + 1}",
            lambda h: f"{h}_{rng.randrange(10, 999)}",
            lambda h: h.translate(LEET),
            lambda h: h.replace("_", "__") if "_" in h else h + "_",
            lambda h: h.replace("_", ".") if "_" in h else "the" + h,
            lambda h: f"{h}_back",
            lambda h: f"real_{h}",
        ][(n + rng.randrange(7)) % 7]
        handle = variant(removed["handle"])
        if self._share(self.knobs.lookalike_share):
            handle = handle.translate(LOOKALIKE)
        removed_at = parse_time(removed["removed_at"])
        created = removed_at + timedelta(minutes=rng.randint(3, 45) + 60 * n)
        name = removed["display_name"]
        display = rng.choice([g.wing_urdu, name.translate(LOOKALIKE), f"{name} (backup)", name])
        device = removed["identifiers"]["device"] if rng.random() < 0.6 else _digest(rng)
        return self._account(
            "mirror", account_id=self._id(), handle=self._unique(handle), display_name=display,
            bio=removed["bio"] if rng.random() < 0.7 else
            f"[placeholder: new account notice] {g.wing_urdu}",
            links=removed["links"] if rng.random() < 0.8 else [f"https://t.me/{g.telegram}_new"],
            avatar_pdq=_flip_bits(removed["avatar_pdq"], rng, rng.randint(0, 10)),
            created_at=t_iso(created),
            identifiers={"device": device, "ip_prefix": o.network},
            following=[f for f in removed.get("following", []) if rng.random() < 0.7],
            followers=[f for f in removed.get("followers", []) if rng.random() < 0.5])

    def _fresh_handle(self, old: str) -> str:
        rng = self.rng
        while True:
            a, b = rng.sample(FRESH_WORDS, 2)
            h = rng.choice([f"{a}_{b}", f"{a}{rng.randrange(10, 9999)}",
                            f"{a}.{b}{rng.randrange(10)}", f"the_{a}"])
            if handle_similarity(h, old) < 0.5 and h.casefold() not in self.handles:
                return self._unique(h)

    def _careful_mirror(self, g: Group, o: Operator, removed: dict[str, Any], n: int
                        ) -> dict[str, Any]:
        """Back days or weeks later with everything changed that the operator controls; left
        over: the persona's name in another script (or not even that), the rare accounts it
        follows, its way of writing and its hours, now and then its network."""
        rng = self.rng
        removed_at = parse_time(removed["removed_at"])
        lo, hi = self.knobs.careful_gap_days
        created = removed_at + timedelta(days=rng.uniform(lo, hi) + n)
        created = max(min(created, EPOCH - timedelta(seconds=rng.randrange(3600, 12 * 3600))),
                      removed_at + timedelta(hours=1))
        old_name = removed["display_name"]
        old_native = any("\u0600" <= ch <= "\u06ff" for ch in old_name)
        if rng.random() < 0.5:
            display = o.persona[0] if old_native else o.persona[1]
        else:
            fresh = self._persona()
            display = fresh[0] if rng.random() < 0.5 else fresh[1]
        contacts = [c for c in removed.get("following", []) if c in o.contacts]
        peers = [x for x in removed.get("following", []) if x not in o.contacts]
        network = o.network if self._share(self.knobs.careful_network_reuse) else _digest(rng)
        return self._account(
            "mirror", account_id=self._id(), handle=self._fresh_handle(removed["handle"]),
            display_name=display,
            bio=self._styled(o, "[placeholder: new profile text]"),
            links=[f"https://t.me/{g.telegram}"] if self._share(self.knobs.group_channel_share)
            else [],
            avatar_pdq=self._avatar(g), created_at=t_iso(created),
            identifiers={"device": _digest(rng), "ip_prefix": network},
            following=rng.sample(contacts, min(len(contacts), rng.randint(1, 3)))
            + rng.sample(peers, min(len(peers), rng.randint(1, 3))),
            followers=[f for f in removed.get("followers", []) if rng.random() < 0.3])

    # -- people who are not the groups ----------------------------------------------------------
    def _person(self, role: str, first: str, last: str, handle: str, bio: str,
                created: datetime, **fields: Any) -> dict[str, Any]:
        return self._account(
            role, account_id=self._id(), handle=self._unique(handle),
            display_name=fields.pop("display_name", f"{first} {last}"), bio=bio,
            created_at=t_iso(created), avatar_pdq=fields.pop("avatar_pdq", _hex(self.rng, 64)),
            identifiers={"device": _digest(self.rng), "ip_prefix": _digest(self.rng)},
            **fields)

    def person(self, category: str | None, group_handles: list[str]) -> dict[str, Any]:
        """A journalist, researcher or activist who covers the groups (``category``), or an
        ordinary user (None)."""
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        style = rng.choice([f"{first}{last}", f"{first.lower()}_{last.lower()}",
                            f"{first.lower()}{rng.randrange(10, 99)}",
                            f"{last.lower()}_{first.lower()}"])
        if category == "journalist":
            style = rng.choice([f"{first.lower()}_reports", f"{last.lower()}_news",
                                f"kp_reporter_{first.lower()}", style])
        created = self.time_between(datetime(2012, 1, 1, tzinfo=UTC),
                                    datetime(2024, 6, 1, tzinfo=UTC))
        verified = category is not None and rng.random() < self.knobs.verified_share
        a = self._person(CATEGORY_ROLE[category] if category else "ordinary", first, last,
                         style, rng.choice(PROTECTED_BIOS[category] if category
                                           else ORDINARY_BIOS), created,
                         verified_categories=[category] if verified else [])
        if category:
            if verified:
                self.protected[a["account_id"]] = category
            hour = rng.randint(7, 18)
            for _ in range(rng.randint(2, 4)):
                g = rng.choice(GROUPS)
                mention = rng.choice(group_handles) if group_handles else ""
                self._post(a, f"[placeholder: news report on {g.key} ({g.wing}) and its "
                              f"claims, with comment from officials]",
                           self._at_hour(EPOCH - timedelta(days=200), EPOCH, hour),
                           rng.choice(["en", "ur"]), mentions=[mention] if mention else [],
                           hashtags=[g.key, g.wing.replace(" ", "").replace("-", "")]
                           if rng.random() < 0.5 else [g.key],
                           links=[f"https://t.me/{g.telegram}"] if rng.random() < 0.3 else [])
        else:
            self._everyday_posts(a, 1, 3)
        return a

    def _everyday_posts(self, a: dict[str, Any], lo: int, hi: int) -> None:
        rng = self.rng
        for _ in range(rng.randint(lo, hi)):
            self._post(a, f"[placeholder: everyday post about {rng.choice(ORDINARY_TOPICS)}]",
                       self.time_between(EPOCH - timedelta(days=300), EPOCH),
                       rng.choice(["en", "ur"]))

    def _recent_or_old(self, recent: float) -> datetime:
        """Sign-up time: inside the removal window with probability ``recent`` (where mirrors
        sign up too), else years earlier."""
        if self.rng.random() < recent:
            return self.time_between(EPOCH - REMOVAL_WINDOW[0], EPOCH)
        return self.time_between(datetime(2014, 1, 1, tzinfo=UTC),
                                 datetime(2024, 6, 1, tzinfo=UTC))

    def namesake(self, operators: list[Operator]) -> dict[str, Any]:
        """Someone who shares the name of an operator's persona (in either script) and has
        nothing to do with the group."""
        rng = self.rng
        latin, native = rng.choice(operators).persona if operators else self._persona()
        first, _, last = latin.partition(" ")
        base = latin.lower().replace(" ", rng.choice(["_", "", "."]))
        a = self._person("namesake", first, last,
                         rng.choice([base, f"{base}{rng.randrange(10, 99)}", f"{base}_official"]),
                         rng.choice(ORDINARY_BIOS), self._recent_or_old(0.5),
                         display_name=native if rng.random() < 0.5 else latin)
        self._everyday_posts(a, 0, 3)
        return a

    def fan(self, g: Group, group_ids: list[str]) -> dict[str, Any]:
        """A sympathiser: follows the group's accounts, shares its hashtags and channel, may
        wear its logo; runs no group account."""
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        handle = rng.choice([f"{first.lower()}_{rng.choice(PLACES)}",
                             f"{last.lower()}{rng.randrange(100, 999)}",
                             f"{rng.choice(FRESH_WORDS)}_{first.lower()}"])
        a = self._person("fan", first, last, handle, rng.choice(FAN_BIOS),
                         self._recent_or_old(0.4),
                         avatar_pdq=self._avatar(g) if rng.random() < 0.5 else _hex(rng, 64),
                         links=[f"https://t.me/{g.telegram}"] if rng.random() < 0.4 else [],
                         following=rng.sample(group_ids, min(len(group_ids),
                                                             rng.randint(2, 8))))
        tag = g.wing.replace(" ", "").replace("-", "")
        for _ in range(rng.randint(0, 3)):
            self._post(a, f"[placeholder: repost of a statement attributed to {g.key}]",
                       self.time_between(EPOCH - timedelta(days=100), EPOCH),
                       rng.choice(["ur", "ps", "en"]), hashtags=[tag],
                       links=[f"https://t.me/{g.telegram}"] if rng.random() < 0.3 else [])
        self.fans[g.key].append(a)
        return a
