"""The scenario family's knobs do what they say: sign-up-only mirrors, careful operators,
operators sharing their group's assets, scripts and languages, hard negatives; and a draw is
reproducible from its seed and settings."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from tarazu.demo.scenario import Knobs, ScenarioSize, apply_settings, build, generate
from tarazu.demo.scenario.builder import handle_similarity, parse_time
from tarazu.entrypoints.cli import app as cli
from tarazu.linkage.handles import handle_key

SIZE = ScenarioSize(group_active=40, removed=24, protected=20, namesakes=15, fans=30,
                    ordinary=40, referrals=20)


def _draw(seed: int = 1, size: ScenarioSize = SIZE, **knobs):
    s = build(random.Random(seed), size, Knobs(**knobs))
    return s, {a["account_id"]: a for a in s.accounts}


def _bits(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def _arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


@pytest.mark.parametrize("share", [0.0, 0.5, 1.0])
def test_sign_up_only_mirrors_have_no_posts_follows_or_followers(share):
    s, accounts = _draw(2, signup_only_share=share, careful_share=0.5)
    authors = {p["account_id"] for p in s.posts}
    mirrors = set(s.truth.mirror_of)
    for m in s.truth.signup_only:
        a = accounts[m]
        assert m not in authors and not a.get("following") and not a.get("followers")
        assert a["handle"] and a["created_at"] and a["identifiers"]  # what sign-up shows
    for m in mirrors - s.truth.signup_only:
        assert m in authors
    n = len(s.truth.signup_only)
    if share == 0.0:
        assert n == 0
    elif share == 1.0:
        assert s.truth.signup_only == mirrors
    else:
        assert 0.25 * len(mirrors) < n < 0.75 * len(mirrors)


def test_careful_operators_change_everything_they_can():
    s, accounts = _draw(3, careful_share=1.0, group_logo_share=0.0, group_channel_share=0.0,
                        careful_network_reuse=0.0, careful_gap_days=(3, 20))
    assert s.truth.careful == set(s.truth.mirror_of)
    for m, r in s.truth.mirror_of.items():
        new, old = accounts[m], accounts[r]
        assert handle_similarity(new["handle"], old["handle"]) < 0.5
        assert handle_key(old["handle"])[:6] not in handle_key(new["handle"])
        assert new["display_name"] != old["display_name"]
        assert _bits(new["avatar_pdq"], old["avatar_pdq"]) > 40  # a new picture
        assert new["identifiers"]["device"] != old["identifiers"]["device"]
        assert new["identifiers"]["ip_prefix"] != old["identifiers"]["ip_prefix"]
        assert new["links"] != old["links"] and new.get("bio") != old.get("bio")
        gap = parse_time(new["created_at"]) - parse_time(old["removed_at"])
        assert gap >= timedelta(hours=1)
        assert s.truth.operator_of[m] == s.truth.operator_of[r]  # the same operator
    gaps = [parse_time(accounts[m]["created_at"]) - parse_time(accounts[r]["removed_at"])
            for m, r in s.truth.mirror_of.items()]
    assert sum(g >= timedelta(days=1) for g in gaps) > 0.8 * len(gaps)  # days, not minutes


def test_careful_mirrors_keep_subtle_traces_of_their_operator():
    s, accounts = _draw(4, careful_share=1.0, signup_only_share=0.0, operators_per_group=4,
                        careful_network_reuse=1.0)
    posts = defaultdict(list)
    for p in s.posts:
        posts[p["account_id"]].append(p)
    for m, r in s.truth.mirror_of.items():
        new, old = accounts[m], accounts[r]
        assert new["identifiers"]["ip_prefix"] == old["identifiers"]["ip_prefix"]
        assert set(new["following"]) & set(old["following"])  # rare follows and peers
        # the operator's way of writing: its emoji and sign-off end every post of both
        endings = {p["text"].rsplit(" ", 1)[-1] for p in posts[m] + posts[r]}
        assert len(endings) == 1
        assert {p["lang"] for p in posts[m]} == {p["lang"] for p in posts[r]}


def test_plain_mirrors_keep_the_old_look():
    s, accounts = _draw(5, careful_share=0.0, lookalike_share=1.0)
    assert not s.truth.careful
    cyrillic = 0
    for m, r in s.truth.mirror_of.items():
        new, old = accounts[m], accounts[r]
        cyrillic += any("\u0400" <= ch <= "\u04ff" for ch in new["handle"])
        assert _bits(new["avatar_pdq"], old["avatar_pdq"]) <= 10
        delay = parse_time(new["created_at"]) - parse_time(old["removed_at"])
        assert timedelta(0) < delay < timedelta(hours=3)
    # every handle that keeps a letter with a Cyrillic twin (leetspeak may replace them all)
    assert cyrillic > 0.8 * len(s.truth.mirror_of)


def test_operators_of_a_group_share_its_logo_channel_hashtags_and_audience():
    s, accounts = _draw(6, operators_per_group=3, group_logo_share=1.0,
                        group_channel_share=1.0, careful_share=0.0)
    t = s.truth
    tags = defaultdict(set)
    for p in s.posts:
        if t.roles[p["account_id"]] == "group":
            tags[t.group_of[p["account_id"]]].update(p["hashtags"])
    by_group = defaultdict(list)
    for aid, role in t.roles.items():
        if role == "group":
            by_group[t.group_of[aid]].append(accounts[aid])
    for g, members in by_group.items():
        operators = {t.operator_of[a["account_id"]] for a in members}
        assert 2 <= len(operators) <= 3
        assert len({tuple(a["links"]) for a in members}) == 1  # one channel
        logo = members[0]["avatar_pdq"]
        assert all(_bits(a["avatar_pdq"], logo) <= 12 for a in members)  # one logo
        assert len(tags[g]) == 1  # one hashtag
        audience = defaultdict(set)
        for a in members:
            audience[t.operator_of[a["account_id"]]].update(a.get("followers", []))
        sets = [x for x in audience.values() if x]
        assert len(sets) >= 2 and set.intersection(*sets[:2])  # followers across operators
        fans = {f for x in sets for f in x}
        assert {t.roles[f] for f in fans} == {"fan"}


def test_removed_accounts_share_an_operator_only_when_operators_run_out():
    s, _ = _draw(6, operators_per_group=6)  # 24 removed: 6 a group, one for each operator
    ops = [s.truth.operator_of[a] for a in set(s.truth.mirror_of.values())]
    assert len(ops) == len(set(ops))
    s, _ = _draw(6, operators_per_group=2)
    removed = set(s.truth.mirror_of.values())
    per = defaultdict(int)
    for a in removed:
        per[s.truth.operator_of[a]] += 1
    assert max(per.values()) <= 3  # 6 a group over 2 operators, some without mirrors


def test_each_account_its_own_operator_by_default():
    s, _ = _draw(7)
    groups = [a for a, r in s.truth.roles.items() if r == "group"]
    assert len({s.truth.operator_of[a] for a in groups}) == len(groups)


def test_hard_negatives_in_the_asked_numbers():
    size = ScenarioSize(group_active=40, removed=8, protected=33, namesakes=17, fans=21,
                        ordinary=30, referrals=20)
    s, accounts = _draw(8, size, persona_name_share=1.0, native_script_share=0.0,
                        verified_share=0.0)
    counts = s.truth.role_counts()
    assert counts["journalist"] + counts["researcher"] + counts["activist"] == 33
    assert counts["namesake"] == 17 and counts["fan"] == 21 and counts["ordinary"] == 30
    assert not s.truth.protected  # none verified: the linker must not rely on the badge
    assert not any(a.get("verified_categories") for a in s.accounts)
    personas = {handle_key(accounts[a]["display_name"])
                for a, r in s.truth.roles.items() if r == "group"}
    namesakes = [a for a, r in s.truth.roles.items() if r == "namesake"]
    assert all(any(p in handle_key(accounts[a]["handle"]) for p in personas) for a in namesakes)
    standing = {a for a, r in s.truth.roles.items() if r == "group"}
    covering = [a for a, r in s.truth.roles.items() if r in ("journalist", "researcher")]
    assert all(set(accounts[a]["following"]) & standing for a in covering)


def test_languages_and_scripts():
    s, accounts = _draw(9, languages=(("bal", 1.0),), native_script_share=1.0)
    group_posts = [p for p in s.posts if s.truth.roles[p["account_id"]] in ("group", "mirror")]
    assert {p["lang"] for p in group_posts} == {"bal"}
    groups = [accounts[a] for a, r in s.truth.roles.items() if r == "group"]
    assert all(_arabic(a["display_name"]) for a in groups)
    s, _ = _draw(9, languages=(("roman_ur", 1.0), ("ps", 1.0)))
    langs = {p["lang"] for p in s.posts if s.truth.roles[p["account_id"]] == "group"}
    assert langs == {"ur-Latn", "ps"}


def test_same_seed_same_bytes_other_seed_other(tmp_path):
    knobs = Knobs(signup_only_share=0.3, careful_share=0.5, operators_per_group=4,
                  group_logo_share=0.6, group_channel_share=0.6, persona_name_share=0.4)
    a = generate(5, tmp_path / "a", SIZE, knobs=knobs)
    b = generate(5, tmp_path / "b", SIZE, knobs=knobs)
    c = generate(6, tmp_path / "c", SIZE, knobs=knobs)
    for name in ("data.jsonl", "referrals.json", "truth.jsonl", "roles.jsonl", "settings.json"):
        assert (a.folder / name).read_bytes() == (b.folder / name).read_bytes(), name
    assert a.data.read_bytes() != c.data.read_bytes()
    assert a.truth_file.read_bytes() != c.truth_file.read_bytes()
    settings = json.loads((a.folder / "settings.json").read_text())
    assert settings["seed"] == 5 and settings["careful_share"] == 0.5


def test_settings_parse_and_bad_ones_are_named():
    size, knobs = apply_settings(ScenarioSize(), Knobs(), [
        "careful_share=0.45", "removed=12", "careful_gap_days=2-30",
        "languages=ur=2,bal=1", "mirrors_per_removed=1-3"])
    assert knobs.careful_share == 0.45 and size.removed == 12
    assert knobs.careful_gap_days == (2, 30) and size.mirrors_per_removed == (1, 3)
    assert knobs.languages == (("ur", 2.0), ("bal", 1.0))
    for bad, named in [("careful_share=1.5", "careful_share"), ("nope=1", "nope=1"),
                       ("removed=x", "removed=x"), ("languages=klingon=1", "languages"),
                       ("careful_share", "careful_share")]:
        with pytest.raises(ValueError, match=named):
            apply_settings(ScenarioSize(), Knobs(), [bad])


def test_cli_writes_a_draw_and_refuses_a_bad_setting(tmp_path):
    runner = CliRunner()
    out = tmp_path / "draw"
    result = runner.invoke(cli, ["scenario", str(out), "--seed", "4", "--set", "removed=8",
                                 "--set", "careful_share=1", "--set", "group_active=40",
                                 "--set", "referrals=20", "--set", "namesakes=5"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout[result.stdout.index("{"):])
    assert summary["careful"] == summary["mirrors"] > 0 and summary["roles"]["namesake"] == 5
    roles = [json.loads(x) for x in (out / "roles.jsonl").read_text().splitlines()]
    assert sum(r["careful"] for r in roles) == summary["careful"]
    bad = runner.invoke(cli, ["scenario", str(tmp_path / "bad"), "--set", "signup_only_share=2"])
    assert bad.exit_code == 1 and "signup_only_share" in bad.output
    assert "Traceback" not in bad.output and not (tmp_path / "bad").exists()
