"""A synthetic platform "x" and a government referral list, for the demo, the tests and the
engineers of mirror detection and referral checks.

Everything is invented and neutral: accounts *named* after the media wings of designated groups
(TTP, BLA, BLF, ISKP — the organisations' names are public facts), with placeholder text
("[placeholder: statement attributed to TTP]") instead of any real statement. The scenario has:

- designated-group accounts, some removed earlier, and their **mirror accounts**: handle variants
  (digits, leetspeak, look-alike letters, separators), Urdu display names, the removed account's
  avatar PDQ (a few bits flipped) and Telegram link, the same device, created minutes after the
  removal, following the same accounts;
- journalists, researchers and rights activists who cover these groups (verified, so protected),
  whose bios and posts name the groups and link to the same channels;
- ordinary users;
- a referral request of (by default) 481 items from the Ministry of Interior, Pakistan
  (``../shared/contracts/referrals.md``): most name designated-group accounts with a legal basis
  and post evidence; some lack a legal basis, cite only a vague ground ("anti-state"), name a
  journalist, name an unknown account, give no specific evidence, or repeat an item.

:func:`build` is pure (an injected ``random.Random``); :func:`generate` writes ``data.jsonl``
(interchange format), ``referrals.json`` and ``truth.jsonl`` (which active account mirrors which
removed one, in the benchmark format) and returns the truth in memory as well."""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PLATFORM = "x"
REQUEST_ID = "MOI-PK-2025-0725-01"
RECEIVED_AT = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)
EPOCH = datetime(2025, 7, 20, 0, 0, tzinfo=UTC)  # "now" in the scenario's platform history
LEGAL_BASES = ("Anti-Terrorism Act 1997, s. 11W", "Anti-Terrorism Act 1997, s. 11F",
               "Prevention of Electronic Crimes Act 2016, s. 26A",
               "Anti-Terrorism Act 1997, s. 11B and First Schedule")
VAGUE_GROUNDS = ("anti-state propaganda", "anti-state", "against national interest",
                 "propaganda against the state", "ریاست مخالف مواد")


@dataclass(frozen=True)
class Group:
    key: str  # short name used in placeholders
    name: str  # as a referral names it
    wing: str  # the media wing the accounts are named after
    wing_urdu: str
    stems: tuple[str, ...]  # handle stems
    telegram: str


GROUPS = (
    Group("TTP", "Tehreek-e-Taliban Pakistan", "Umar Media", "عمر میڈیا",
          ("umar_media", "umarmedia", "umar_news", "ttp_umar"), "umar_media_ch"),
    Group("BLA", "Balochistan Liberation Army", "Hakkal Media", "ہکل میڈیا",
          ("hakkal_media", "hakkal", "hakkal_news", "bla_hakkal"), "hakkal_ch"),
    Group("BLF", "Balochistan Liberation Front", "Aashoob Media", "آشوب میڈیا",
          ("aashoob", "aashoob_media", "blf_aashoob", "aashob_news"), "aashoob_ch"),
    Group("ISKP", "Islamic State Khorasan Province", "Al-Azaim", "العزائم",
          ("al_azaim", "alazaim", "azaim_media", "khurasan_azaim"), "azaim_foundation"),
)
PLACES = ("bannu", "swat", "kp", "quetta", "turbat", "panjgur", "waziristan", "khyber", "urdu",
          "pashto", "official", "news", "voice", "updates", "daily", "tv", "live", "archive")
LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5"})
LOOKALIKE = str.maketrans({"a": "а", "e": "е", "o": "о", "i": "і", "c": "с", "p": "р"})
FIRST = ("Ayesha", "Saleem", "Hamid", "Zainab", "Imran", "Sana", "Farhan", "Nadia", "Kamran",
         "Rabia", "Bilal", "Mehreen", "Asad", "Hina", "Tariq", "Sadia", "Usman", "Fatima",
         "Yasir", "Mariam", "Adnan", "Sobia", "Haris", "Amna", "Shahid", "Iqra")
LAST = ("Khan", "Baloch", "Yousafzai", "Qureshi", "Malik", "Shah", "Afridi", "Bugti", "Marri",
        "Durrani", "Siddiqui", "Mengal", "Khattak", "Butt", "Chaudhry", "Mir", "Jamali")
PROTECTED_BIOS = {
    "journalist": ("Reporter covering TTP and security in KP",
                   "Journalist | Balochistan affairs, BLA and BLF insurgency",
                   "Correspondent, militancy and counter-terrorism, Peshawar",
                   "صحافی | خیبر پختونخوا میں سلامتی اور ٹی ٹی پی"),
    "researcher": ("Researcher on militancy in Pakistan; TTP, ISKP",
                   "PhD candidate studying the Baloch insurgency (BLA/BLF)",
                   "Analyst of jihadist media ecosystems: Umar Media, Al-Azaim"),
    "ngo": ("Human rights defender; documenting enforced disappearances in Balochistan",
            "Rights activist, Khyber Pakhtunkhwa | civilian harm monitoring",
            "Digital rights researcher; free expression in Pakistan"),
}
ORDINARY_BIOS = ("Cricket fan | Lahore", "Student, Karachi University", "Foodie. Chai lover.",
                 "Software engineer", "Teacher in Quetta", "Traveller | photos",
                 "کرکٹ کا شوقین", "Small business owner, Peshawar", "")
ORDINARY_TOPICS = ("cricket", "food", "weather", "exams", "traffic", "a wedding", "mangoes",
                   "a football match", "load-shedding", "a new phone")

#: Referral items by kind, for the default 481-item request; other sizes scale these.
REFERRAL_MIX = {"valid": 350, "no_legal_basis": 40, "vague_ground": 30, "protected": 20,
                "unknown_account": 20, "no_evidence": 11, "duplicate": 10}


@dataclass(frozen=True)
class ScenarioSize:
    group_active: int = 420  # active designated-group accounts (originals; mirrors are extra)
    removed: int = 60  # group accounts the platform removed earlier
    mirrors_per_removed: tuple[int, int] = (1, 2)
    protected: int = 36  # journalists, researchers, rights activists
    ordinary: int = 260
    referrals: int = 481


SMALL = ScenarioSize(group_active=24, removed=4, protected=6, ordinary=12, referrals=30)


@dataclass(frozen=True)
class Truth:
    """What the generator knows and the system must find out."""

    mirror_of: dict[str, str]  # active mirror account id -> removed account id
    group_of: dict[str, str]  # account id -> group key (TTP, BLA, BLF, ISKP)
    protected: dict[str, str]  # account id -> verified category
    referral_kinds: tuple[str, ...]  # kind of each referral item, by line (1-based: [line-1])

    def kind_counts(self) -> dict[str, int]:
        return dict(Counter(self.referral_kinds))


@dataclass(frozen=True)
class Scenario:
    accounts: tuple[dict[str, Any], ...]
    posts: tuple[dict[str, Any], ...]
    referral: dict[str, Any]
    truth: Truth


@dataclass(frozen=True)
class ScenarioFiles:
    folder: Path
    data: Path
    referrals: Path
    truth_file: Path
    scenario: Scenario = field(repr=False)

    @property
    def truth(self) -> Truth:
        return self.scenario.truth


def _t(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _flip_bits(pdq: str, rng: random.Random, bits: int) -> str:
    v = int(pdq, 16)
    for b in rng.sample(range(256), bits):
        v ^= 1 << b
    return f"{v:064x}"


def _title(word: str) -> str:
    return word.upper() if len(word) < 3 else word.title()


def _device(rng: random.Random) -> str:
    return hashlib.sha256(_hex(rng, 16).encode()).hexdigest()[:32]


class _Builder:
    def __init__(self, rng: random.Random, size: ScenarioSize) -> None:
        self.rng = rng
        self.size = size
        self.accounts: list[dict[str, Any]] = []
        self.posts: list[dict[str, Any]] = []
        self.handles: set[str] = set()
        self.next_id = 1_000_001
        self.next_post = 5_000_001
        self.group_of: dict[str, str] = {}
        self.mirror_of: dict[str, str] = {}
        self.protected: dict[str, str] = {}
        self.media_pool = {g.key: [_hex(rng, 64) for _ in range(6)] for g in GROUPS}

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

    def _account(self, **fields: Any) -> dict[str, Any]:
        a = {"type": "account", "platform": PLATFORM, "status": "active", **fields}
        self.accounts.append(a)
        return a

    def _post(self, account: dict[str, Any], text: str, at: datetime, lang: str,
              **fields: Any) -> dict[str, Any]:
        self.next_post += 1
        p = {"type": "post", "post_id": str(self.next_post), "account_id": account["account_id"],
             "platform": PLATFORM, "created_at": _t(at), "text": text, "lang": lang, **fields}
        self.posts.append(p)
        return p

    def _time_between(self, start: datetime, end: datetime) -> datetime:
        span = int((end - start).total_seconds())
        return start + timedelta(seconds=self.rng.randrange(max(span, 1)))

    # -- designated-group accounts --------------------------------------------------------------
    def group_account(self, g: Group, removed_at: datetime | None = None) -> dict[str, Any]:
        rng = self.rng
        stem, place = rng.choice(g.stems), rng.choice(PLACES)
        handle = self._unique(f"{stem}{rng.choice(['_', '', '.'])}{place}")
        urdu = rng.random() < 0.4
        created = self._time_between(datetime(2023, 1, 1, tzinfo=UTC),
                                     (removed_at or EPOCH) - timedelta(days=20))
        a = self._account(
            account_id=self._id(), handle=handle,
            display_name=g.wing_urdu if urdu else f"{g.wing} {_title(place)}",
            bio=(f"{g.wing_urdu} | [placeholder: profile text attributed to {g.key}]" if urdu
                 else f"{g.wing} — [placeholder: profile text attributed to {g.key}]"),
            links=[f"https://t.me/{g.telegram}{rng.randrange(1, 40)}"],
            avatar_pdq=_hex(rng, 64), created_at=_t(created),
            identifiers={"device": _device(rng)})
        if removed_at:
            a.update(status="removed", removed_at=_t(removed_at),
                     removal_reason=f"DOI-1: official media of {g.name}")
        self.group_of[a["account_id"]] = g.key
        self._group_posts(a, g, created, removed_at or EPOCH)
        return a

    def _group_posts(self, a: dict[str, Any], g: Group, start: datetime, end: datetime) -> None:
        rng = self.rng
        for _ in range(rng.randint(2, 4)):
            lang = rng.choice(["ur", "ps", "en"])
            media = ([{"pdq": _flip_bits(rng.choice(self.media_pool[g.key]), rng,
                                         rng.randint(0, 6)), "kind": "image"}]
                     if rng.random() < 0.6 else [])
            self._post(a, f"[placeholder: statement attributed to {g.key}]",
                       self._time_between(start, end), lang,
                       hashtags=[g.wing.replace(" ", "").replace("-", "")],
                       links=a["links"][:1] if rng.random() < 0.5 else [], media=media)

    def mirror(self, g: Group, removed: dict[str, Any], n: int) -> dict[str, Any]:
        """An account that continues a removed one: its look, its links, its device."""
        rng = self.rng
        base = removed["handle"]
        variant = [
            lambda h: f"{h}{n + 1}",
            lambda h: f"{h}_{rng.randrange(10, 999)}",
            lambda h: h.translate(LEET),
            lambda h: h.replace("_", "__") if "_" in h else h + "_",
            lambda h: h.replace("_", ".") if "_" in h else "the" + h,
            lambda h: h.translate(LOOKALIKE),
            lambda h: f"{h}_back",
            lambda h: f"real_{h}",
        ][(n + rng.randrange(8)) % 8]
        handle = self._unique(variant(base))
        removed_at = datetime.fromisoformat(removed["removed_at"].replace("Z", "+00:00"))
        created = removed_at + timedelta(minutes=rng.randint(3, 45) + 60 * n)
        name = removed["display_name"]
        display = rng.choice([g.wing_urdu, name.translate(LOOKALIKE), f"{name} (backup)", name])
        same_device = rng.random() < 0.6
        a = self._account(
            account_id=self._id(), handle=handle, display_name=display,
            bio=removed["bio"] if rng.random() < 0.7 else
            f"[placeholder: new account notice] {g.wing_urdu}",
            links=removed["links"] if rng.random() < 0.8 else [f"https://t.me/{g.telegram}_new"],
            avatar_pdq=_flip_bits(removed["avatar_pdq"], rng, rng.randint(0, 10)),
            created_at=_t(created),
            identifiers={"device": removed["identifiers"]["device"] if same_device
                         else _device(rng)},
            following=[f for f in removed.get("following", []) if rng.random() < 0.7])
        self.group_of[a["account_id"]] = g.key
        self.mirror_of[a["account_id"]] = removed["account_id"]
        self._group_posts(a, g, created, max(EPOCH, created + timedelta(days=1)))
        return a

    # -- people who are not the groups ----------------------------------------------------------
    def person(self, category: str | None, group_handles: list[str]) -> dict[str, Any]:
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        style = rng.choice([f"{first}{last}", f"{first.lower()}_{last.lower()}",
                            f"{first.lower()}{rng.randrange(10, 99)}",
                            f"{last.lower()}_{first.lower()}"])
        if category == "journalist":
            style = rng.choice([f"{first.lower()}_reports", f"{last.lower()}_news",
                                f"kp_reporter_{first.lower()}", style])
        handle = self._unique(style)
        created = self._time_between(datetime(2012, 1, 1, tzinfo=UTC),
                                     datetime(2024, 6, 1, tzinfo=UTC))
        a = self._account(
            account_id=self._id(), handle=handle, display_name=f"{first} {last}",
            bio=rng.choice(PROTECTED_BIOS[category] if category else ORDINARY_BIOS),
            created_at=_t(created), avatar_pdq=_hex(rng, 64),
            identifiers={"device": _device(rng)},
            verified_categories=[category] if category else [])
        if category:
            self.protected[a["account_id"]] = category
            for _ in range(rng.randint(2, 4)):
                g = rng.choice(GROUPS)
                mention = rng.choice(group_handles) if group_handles else ""
                self._post(a, f"[placeholder: news report on {g.key} ({g.wing}) and its "
                              f"claims, with comment from officials]",
                           self._time_between(EPOCH - timedelta(days=200), EPOCH),
                           rng.choice(["en", "ur"]), mentions=[mention] if mention else [],
                           hashtags=[g.key], links=[f"https://t.me/{g.telegram}"]
                           if rng.random() < 0.3 else [])
        else:
            for _ in range(rng.randint(1, 3)):
                self._post(a, f"[placeholder: everyday post about {rng.choice(ORDINARY_TOPICS)}]",
                           self._time_between(EPOCH - timedelta(days=300), EPOCH),
                           rng.choice(["en", "ur"]))
        return a


def _mix(n: int) -> dict[str, int]:
    """The referral mix scaled to ``n`` items: every kind at least once, valid items the
    rest."""
    if n == sum(REFERRAL_MIX.values()):
        return dict(REFERRAL_MIX)
    total = sum(REFERRAL_MIX.values())
    mix = {k: max(1, round(v * n / total)) for k, v in REFERRAL_MIX.items() if k != "valid"}
    mix["valid"] = n - sum(mix.values())
    if mix["valid"] < 1:
        raise ValueError(f"a referral list of {n} items is too small for every kind")
    return {"valid": mix.pop("valid"), **mix}


def _post_url(handle: str, post_id: str) -> str:
    return f"https://x.com/{handle}/status/{post_id}"


def _referral(b: _Builder, rng: random.Random, n: int) -> tuple[dict[str, Any], list[str]]:
    by_id = {a["account_id"]: a for a in b.accounts}
    posts_of: dict[str, list[dict[str, Any]]] = {}
    for p in b.posts:
        posts_of.setdefault(p["account_id"], []).append(p)
    active_group = [a for a in b.accounts
                    if a["account_id"] in b.group_of and a["status"] == "active"]
    ordinary = [a for a in b.accounts
                if a["account_id"] not in b.group_of and a["account_id"] not in b.protected]
    protected = [by_id[i] for i in b.protected]
    mix = _mix(n)
    need = mix["valid"] + mix["no_legal_basis"] + mix["no_evidence"]
    if need > len(active_group):
        raise ValueError(f"{need} referral items need designated-group accounts, only "
                         f"{len(active_group)} exist: raise group_active")
    targets = rng.sample(active_group, need)
    group_by_key = {g.key: g for g in GROUPS}
    items: list[tuple[str, dict[str, Any]]] = []

    def evidence(a: dict[str, Any]) -> list[str]:
        ps = posts_of.get(a["account_id"], [])
        return [_post_url(a["handle"], p["post_id"]) for p in rng.sample(ps, min(2, len(ps)))]

    def group_item(a: dict[str, Any]) -> dict[str, Any]:
        g = group_by_key[b.group_of[a["account_id"]]]
        return {"account": rng.choice([f"@{a['handle']}", f"https://x.com/{a['handle']}"]),
                "platform": PLATFORM, "group": rng.choice([g.name, g.key]),
                "ground": f"official media ({g.wing}) of a proscribed organisation",
                "legal_basis": rng.choice(LEGAL_BASES),
                "instrument": f"MoI/PTA/{rng.randrange(1000, 9999)}/2025",
                "evidence": evidence(a), "note": ""}

    valid = targets[:mix["valid"]]
    for a in valid:
        items.append(("valid", group_item(a)))
    for a in targets[mix["valid"]:mix["valid"] + mix["no_legal_basis"]]:
        items.append(("no_legal_basis", {**group_item(a), "legal_basis": "", "instrument": ""}))
    for a in targets[mix["valid"] + mix["no_legal_basis"]:]:
        items.append(("no_evidence", {**group_item(a), "evidence": rng.choice([
            [f"https://x.com/{a['handle']}"], ["posts anti-state content daily"], []])}))
    for a in rng.sample(ordinary, min(mix["vague_ground"], len(ordinary))):
        items.append(("vague_ground", {
            "account": f"@{a['handle']}", "platform": PLATFORM, "group": "",
            "ground": rng.choice(VAGUE_GROUNDS), "legal_basis": rng.choice(LEGAL_BASES),
            "evidence": evidence(a), "note": ""}))
    named = rng.sample(protected, min(mix["protected"], len(protected)))
    for a in (named * mix["protected"])[:mix["protected"]] if named else []:
        g = rng.choice(GROUPS)
        items.append(("protected", {
            "account": f"@{a['handle']}", "platform": PLATFORM, "group": g.name,
            "ground": f"propagating the narrative of {g.key}",
            "legal_basis": rng.choice(LEGAL_BASES), "evidence": evidence(a),
            "note": "amplifies statements of a proscribed organisation"}))
    for i in range(mix["unknown_account"]):
        g = rng.choice(GROUPS)
        items.append(("unknown_account", {
            "account": f"@{rng.choice(g.stems)}_{rng.choice(PLACES)}_x{i}", "platform": PLATFORM,
            "group": g.name, "ground": "official media of a proscribed organisation",
            "legal_basis": rng.choice(LEGAL_BASES),
            "evidence": [f"https://x.com/unknown/status/{rng.randrange(10**9, 10**10)}"],
            "note": ""}))
    for a in rng.sample(valid, min(mix["duplicate"], len(valid))):
        items.append(("duplicate", {**group_item(a), "note": "repeated from an earlier list"}))
    # Shuffle, then put each repeat somewhere after the item it repeats.
    ordered = [it for it in items if it[0] != "duplicate"]
    rng.shuffle(ordered)
    for kind, item in (it for it in items if it[0] == "duplicate"):
        first = next(i for i, (_, x) in enumerate(ordered)
                     if x["evidence"] and x["account"].rsplit("/", 1)[-1].lstrip("@")
                     == item["account"].rsplit("/", 1)[-1].lstrip("@"))
        ordered.insert(rng.randint(first + 1, len(ordered)), (kind, item))
    doc = {"request_id": REQUEST_ID,
           "requester": {"type": "government", "country": "PK",
                         "agency": "Ministry of Interior",
                         "official": {"name": "[placeholder official]",
                                      "title": "Section Officer (Internal Security)"},
                         "contact": "referrals@interior.example"},
           "received_at": _t(RECEIVED_AT), "items": [it for _, it in ordered]}
    return doc, [k for k, _ in ordered]


def build(rng: random.Random, size: ScenarioSize = ScenarioSize()) -> Scenario:
    """The whole scenario from one source of randomness (same seed, same scenario)."""
    b = _Builder(rng, size)
    removed = []
    for i in range(size.removed):
        g = GROUPS[i % len(GROUPS)]
        at = b._time_between(EPOCH - timedelta(days=50), EPOCH - timedelta(days=2))
        removed.append((g, b.group_account(g, removed_at=at)))
    originals = [b.group_account(GROUPS[i % len(GROUPS)]) for i in range(size.group_active)]
    ids = [a["account_id"] for a in originals]
    for a in originals + [r for _, r in removed]:  # each group's accounts follow each other
        same = [x for x in ids if b.group_of[x] == b.group_of[a["account_id"]]
                and x != a["account_id"]]
        a["following"] = rng.sample(same, min(len(same), rng.randint(3, 8)))
    for g, r in removed:
        for n in range(rng.randint(*size.mirrors_per_removed)):
            b.mirror(g, r, n)
    group_handles = [a["handle"] for a in originals]
    categories = ("journalist", "journalist", "researcher", "ngo")
    for i in range(size.protected):
        b.person(categories[i % len(categories)], group_handles)
    people = [b.person(None, group_handles) for _ in range(size.ordinary)]
    followed = [a["account_id"] for a in b.accounts if a["account_id"] in b.protected]
    for a in people:
        pool = [p["account_id"] for p in people if p is not a] + followed
        a["following"] = rng.sample(pool, min(len(pool), rng.randint(2, 10)))
    referral, kinds = _referral(b, rng, size.referrals)
    truth = Truth(dict(b.mirror_of), dict(b.group_of), dict(b.protected), tuple(kinds))
    return Scenario(tuple(b.accounts), tuple(b.posts), referral, truth)


def write(scenario: Scenario, out_dir: str | Path) -> ScenarioFiles:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data, refs, truth = out / "data.jsonl", out / "referrals.json", out / "truth.jsonl"
    with open(data, "w", encoding="utf-8") as f:
        for rec in (*scenario.accounts, *scenario.posts):
            f.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    refs.write_text(json.dumps(scenario.referral, ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")
    with open(truth, "w", encoding="utf-8") as f:
        for a in scenario.accounts:
            if a["status"] == "active":
                f.write(json.dumps({"account_id": a["account_id"],
                                    "mirror_of": scenario.truth.mirror_of.get(a["account_id"])})
                        + "\n")
    return ScenarioFiles(out, data, refs, truth, scenario)


def generate(seed: int = 2025, out_dir: str | Path = "demo", size: ScenarioSize = ScenarioSize(),
             rng: random.Random | None = None) -> ScenarioFiles:
    """Build the scenario (from ``rng``, or ``random.Random(seed)``) and write its files."""
    return write(build(rng or random.Random(seed), size), out_dir)
