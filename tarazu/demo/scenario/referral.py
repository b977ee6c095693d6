"""The government's referral list for a scenario: a request from the Ministry of Interior,
Pakistan (``../shared/contracts/referrals.md``) of (by default) 481 items. Most name
designated-group accounts with a legal basis and post evidence; some lack a legal basis, cite
only a vague ground ("anti-state"), name a journalist, name an unknown account, give no
specific evidence, or repeat an item."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from tarazu.demo.scenario.builder import PLATFORM, Builder, t_iso
from tarazu.demo.scenario.vocabulary import GROUPS, PLACES
from tarazu.domain.platform import AccountStatus

REQUEST_ID = "MOI-PK-2025-0725-01"
RECEIVED_AT = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)
LEGAL_BASES = ("Anti-Terrorism Act 1997, s. 11W", "Anti-Terrorism Act 1997, s. 11F",
               "Prevention of Electronic Crimes Act 2016, s. 26A",
               "Anti-Terrorism Act 1997, s. 11B and First Schedule")
VAGUE_GROUNDS = ("anti-state propaganda", "anti-state", "against national interest",
                 "propaganda against the state", "ریاست مخالف مواد")
#: Referral items by kind, for the default 481-item request; other sizes scale these.
REFERRAL_MIX = {"valid": 350, "no_legal_basis": 40, "vague_ground": 30, "protected": 20,
                "unknown_account": 20, "no_evidence": 11, "duplicate": 10}


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


def referral(b: Builder, rng: random.Random, n: int) -> tuple[dict[str, Any], list[str]]:
    by_id = {a["account_id"]: a for a in b.accounts}
    posts_of: dict[str, list[dict[str, Any]]] = {}
    for p in b.posts:
        posts_of.setdefault(p["account_id"], []).append(p)
    # a listed account needs posts to cite (mirrors seen only at sign-up have none)
    active_group = [a for a in b.accounts
                    if a["account_id"] in b.group_of and a["status"] == AccountStatus.ACTIVE
                    and a["account_id"] in posts_of]
    ordinary = [a for a in b.accounts
                if b.roles[a["account_id"]] == "ordinary"]
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
           "received_at": t_iso(RECEIVED_AT), "items": [it for _, it in ordered]}
    return doc, [k for k, _ in ordered]
