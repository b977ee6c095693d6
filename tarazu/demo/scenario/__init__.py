"""A synthetic platform "x" and a government referral list, for the demo, the tests and the
engineers of mirror detection and referral checks — one draw of a **family** of scenarios.

Everything is invented and neutral: accounts *named* after the media wings of designated groups
(TTP, BLA, BLF, ISKP — the organisations' names are public facts), with placeholder text
("[placeholder: statement attributed to TTP]") instead of any real statement. A draw has:

- designated-group accounts run by the groups' operators, some removed earlier, and their
  **mirror accounts**. Most come back minutes after the removal with the old look (handle
  variants with digits, leetspeak, Cyrillic look-alikes; the name, the picture, the links, the
  device, the follows); *careful* operators change everything they can and leave only subtle
  traces; some mirrors are seen only at sign-up;
- the groups' shared assets (logo, channel, hashtags, an audience of followers), which make
  the group, not the operator, easy to recognise;
- hard negatives: journalists, researchers and rights activists who cover the groups, follow
  their accounts and use their hashtags; namesakes of the operators' personas; sympathisers;
- ordinary users, and a referral request of (by default) 481 items from the Ministry of
  Interior, Pakistan (:mod:`.referral`).

What varies between draws is in :mod:`.knobs` (:class:`ScenarioSize`, :class:`Knobs`); the
defaults are the demo's draw. :func:`build` is pure (an injected ``random.Random``);
:func:`generate` writes ``data.jsonl`` (interchange format), ``referrals.json``,
``truth.jsonl`` (which active account mirrors which removed one, in the benchmark format),
``roles.jsonl`` (every account's role, group and operator) and ``settings.json`` (the draw's
size and knobs), and returns the truth in memory as well."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

from tarazu.demo.scenario.builder import EPOCH, PLATFORM, REMOVAL_WINDOW, Builder
from tarazu.demo.scenario.knobs import SMALL, Knobs, ScenarioSize, apply_settings
from tarazu.demo.scenario.model import (
    HARD_NEGATIVE_ROLES,
    PROTECTED_ROLES,
    Scenario,
    ScenarioFiles,
    Truth,
)
from tarazu.demo.scenario.referral import REFERRAL_MIX, REQUEST_ID, referral
from tarazu.demo.scenario.vocabulary import GROUPS, Group
from tarazu.domain.platform import AccountStatus

__all__ = ["EPOCH", "GROUPS", "HARD_NEGATIVE_ROLES", "PLATFORM", "PROTECTED_ROLES",
           "REFERRAL_MIX", "REQUEST_ID", "SMALL", "Group", "Knobs", "Scenario", "ScenarioFiles",
           "ScenarioSize", "Truth", "apply_settings", "build", "generate", "write"]


def build(rng: random.Random, size: ScenarioSize = ScenarioSize(), knobs: Knobs = Knobs()
          ) -> Scenario:
    """The whole scenario from one source of randomness (same seed, same scenario)."""
    b = Builder(rng, size, knobs)
    removed = []
    for i in range(size.removed):
        g = GROUPS[i % len(GROUPS)]
        at = b.time_between(EPOCH - REMOVAL_WINDOW[0], EPOCH - REMOVAL_WINDOW[1])
        removed.append((g, b.group_account(g, removed_at=at)))
    originals = [b.group_account(GROUPS[i % len(GROUPS)]) for i in range(size.group_active)]
    group_handles = [a["handle"] for a in originals]
    categories = ("journalist", "journalist", "researcher", "ngo")
    covering = [b.person(categories[i % len(categories)], group_handles)
                for i in range(size.protected)]
    people = [b.person(None, group_handles) for _ in range(size.ordinary)]
    operators = list({id(o): o for o in b.operator_of.values()}.values())
    for _ in range(size.namesakes):
        b.namesake(operators)
    standing = originals + [r for _, r in removed]
    ids_of = {g.key: [a["account_id"] for a in standing if b.group_of[a["account_id"]] == g.key]
              for g in GROUPS}
    for i in range(size.fans):
        g = GROUPS[i % len(GROUPS)]
        b.fan(g, ids_of[g.key])
    # operators follow a few rare accounts of their own (contacts among ordinary users)
    ordinary_ids = [p["account_id"] for p in people]
    for o in operators:
        o.contacts = rng.sample(ordinary_ids, min(len(ordinary_ids), rng.randint(4, 8)))
    originals_ids = {a["account_id"] for a in originals}
    followers: dict[str, list[str]] = {}
    for fans in b.fans.values():
        for f in fans:
            for x in f["following"]:
                followers.setdefault(x, []).append(f["account_id"])
    for a in standing:  # each group's accounts follow each other, and the operator's contacts
        aid = a["account_id"]
        same = [x for x in ids_of[b.group_of[aid]] if x in originals_ids and x != aid]
        o = b.operator_of[aid]
        a["following"] = (rng.sample(same, min(len(same), rng.randint(3, 8)))
                          + rng.sample(o.contacts, min(len(o.contacts), 3)))
        if aid in followers:
            a["followers"] = followers[aid]
    for g, r in removed:
        for n in range(rng.randint(*size.mirrors_per_removed)):
            b.mirror(g, r, n)
    standing_ids = [a["account_id"] for a in standing]
    for a in covering:  # who covers the groups follows their accounts
        a["following"] = rng.sample(standing_ids, min(len(standing_ids), rng.randint(3, 10)))
    followed = [a["account_id"] for a in covering if a["account_id"] in b.protected]
    for a in people:
        pool = [p["account_id"] for p in people if p is not a] + followed
        a["following"] = rng.sample(pool, min(len(pool), rng.randint(2, 10)))
    doc, kinds = referral(b, rng, size.referrals)
    truth = Truth(dict(b.mirror_of), dict(b.group_of), dict(b.protected), tuple(kinds),
                  roles=dict(b.roles),
                  operator_of={k: o.key for k, o in b.operator_of.items()},
                  careful=frozenset(b.careful), signup_only=frozenset(b.signup_only))
    settings = {**dataclasses.asdict(size), **dataclasses.asdict(knobs)}
    return Scenario(tuple(b.accounts), tuple(b.posts), doc, truth, settings)


def write(scenario: Scenario, out_dir: str | Path) -> ScenarioFiles:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data, refs, truth = out / "data.jsonl", out / "referrals.json", out / "truth.jsonl"
    roles = out / "roles.jsonl"
    with open(data, "w", encoding="utf-8") as f:
        for rec in (*scenario.accounts, *scenario.posts):
            f.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    refs.write_text(json.dumps(scenario.referral, ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")
    t = scenario.truth
    with open(truth, "w", encoding="utf-8") as f:
        for a in scenario.accounts:
            if a["status"] == AccountStatus.ACTIVE:
                f.write(json.dumps({"account_id": a["account_id"],
                                    "mirror_of": t.mirror_of.get(a["account_id"])}) + "\n")
    with open(roles, "w", encoding="utf-8") as f:
        for a in scenario.accounts:
            aid = a["account_id"]
            f.write(json.dumps({"account_id": aid, "role": t.roles.get(aid),
                                "group": t.group_of.get(aid), "operator": t.operator_of.get(aid),
                                "careful": aid in t.careful, "signup_only": aid in t.signup_only,
                                }) + "\n")
    (out / "settings.json").write_text(json.dumps(scenario.settings, indent=1) + "\n",
                                       encoding="utf-8")
    return ScenarioFiles(out, data, refs, truth, scenario, roles)


def generate(seed: int = 2025, out_dir: str | Path = "demo", size: ScenarioSize = ScenarioSize(),
             rng: random.Random | None = None, knobs: Knobs = Knobs()) -> ScenarioFiles:
    """Build the scenario (from ``rng``, or ``random.Random(seed)``) and write its files."""
    scenario = build(rng or random.Random(seed), size, knobs)
    if rng is None:
        scenario.settings["seed"] = seed
    return write(scenario, out_dir)
