"""The synthetic scenario: deterministic, the promised 481 referral items of every kind, and
mirrors that look like their removed originals."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

import pytest

from tarazu.demo.scenario import REFERRAL_MIX, SMALL, ScenarioSize, build, generate
from tarazu.interchange import load_records
from tarazu.referrals.grounds import is_vague
from tarazu.referrals.parse import parse_json


@pytest.fixture(scope="module")
def full():
    return build(random.Random(11))


def _t(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def test_same_seed_same_scenario_other_seed_other(tmp_path):
    a = generate(5, tmp_path / "a", SMALL)
    b = generate(5, tmp_path / "b", SMALL)
    c = generate(6, tmp_path / "c", SMALL)
    assert a.data.read_bytes() == b.data.read_bytes()
    assert a.referrals.read_bytes() == b.referrals.read_bytes()
    assert a.data.read_bytes() != c.data.read_bytes()
    assert a.truth == b.truth


def test_referral_list_has_481_items_of_every_kind(full):
    items = full.referral["items"]
    assert len(items) == 481 == len(full.truth.referral_kinds)
    assert full.truth.kind_counts() == REFERRAL_MIX
    req = full.referral["requester"]
    assert (req["type"], req["country"], req["agency"]) == ("government", "PK",
                                                           "Ministry of Interior")
    kinds = full.truth.referral_kinds
    by_kind = {k: [it for it, kk in zip(items, kinds, strict=True) if kk == k] for k in kinds}
    assert all(it["legal_basis"] and it["group"] and it["evidence"] for it in by_kind["valid"])
    assert all(not it["legal_basis"] for it in by_kind["no_legal_basis"])
    assert all(not it["group"] and is_vague(it["ground"]) for it in by_kind["vague_ground"])
    handles = {a["handle"].casefold(): a for a in full.accounts}
    for it in by_kind["protected"]:
        assert handles[it["account"].lstrip("@").casefold()].get("verified_categories")
    for it in by_kind["unknown_account"]:
        assert it["account"].lstrip("@").casefold() not in handles
    first = {}
    for line, (it, k) in enumerate(zip(items, kinds, strict=True)):
        name = it["account"].rsplit("/", 1)[-1].lstrip("@")
        if k == "duplicate":
            assert name in first and first[name] < line  # repeats an earlier item
        first.setdefault(name, line)


def test_valid_evidence_points_at_the_accounts_own_posts(full):
    posts = {p["post_id"]: p for p in full.posts}
    ids = {a["handle"]: a["account_id"] for a in full.accounts}
    for it, kind in zip(full.referral["items"], full.truth.referral_kinds, strict=True):
        if kind != "valid":
            continue
        handle = it["account"].rsplit("/", 1)[-1].lstrip("@")
        for url in it["evidence"]:
            assert url.startswith(f"https://x.com/{handle}/status/")
            assert posts[url.rsplit("/", 1)[-1]]["account_id"] == ids[handle]


def test_mirrors_continue_a_removed_account_minutes_after_removal(full):
    accounts = {a["account_id"]: a for a in full.accounts}
    assert len(full.truth.mirror_of) >= 60
    shared_link = shared_device = 0
    for mirror_id, removed_id in full.truth.mirror_of.items():
        m, r = accounts[mirror_id], accounts[removed_id]
        assert r["status"] == "removed" and m["status"] == "active"
        delay = _t(m["created_at"]) - _t(r["removed_at"])
        assert timedelta(0) < delay < timedelta(hours=3)
        assert m["handle"] != r["handle"]
        assert bin(int(m["avatar_pdq"], 16) ^ int(r["avatar_pdq"], 16)).count("1") <= 10
        shared_link += m["links"] == r["links"]
        shared_device += m["identifiers"] == r["identifiers"]
    n = len(full.truth.mirror_of)
    assert 0.5 * n < shared_link < n and 0.3 * n < shared_device < n  # not every signal, always
    scripts = "".join(accounts[m]["display_name"] + accounts[m]["handle"]
                      for m in full.truth.mirror_of)
    assert any("\u0600" <= ch <= "\u06ff" for ch in scripts)  # Urdu display names
    assert any("\u0400" <= ch <= "\u04ff" for ch in scripts)  # look-alike (Cyrillic) letters


def test_people_who_cover_the_groups_are_verified_and_name_them(full):
    protected = [a for a in full.accounts if a.get("verified_categories")]
    cats = {a["verified_categories"][0] for a in protected}
    assert cats == {"journalist", "researcher", "ngo"}
    assert any("TTP" in a["bio"] for a in protected)
    assert set(full.truth.protected) == {a["account_id"] for a in protected}
    group_posts = [p for p in full.posts if p["account_id"] in full.truth.group_of]
    assert group_posts and all(p["text"].startswith("[placeholder:") for p in group_posts)


def test_files_are_valid_interchange_and_referral_documents(tmp_path):
    files = generate(3, tmp_path, SMALL)
    accounts, posts, errors = load_records(files.data)
    assert errors == [] and len(accounts) == len(files.scenario.accounts)
    assert len(posts) == len(files.scenario.posts)
    request, item_errors = parse_json(files.referrals.read_text("utf-8"), datetime.now())
    assert item_errors == [] and len(request.items) == SMALL.referrals
    truth = [json.loads(line) for line in files.truth_file.read_text().splitlines()]
    assert {t["account_id"] for t in truth if t["mirror_of"]} == set(files.truth.mirror_of)


def test_a_list_too_long_for_the_accounts_is_refused():
    with pytest.raises(ValueError, match="group_active"):
        build(random.Random(1), ScenarioSize(group_active=10, referrals=481))
