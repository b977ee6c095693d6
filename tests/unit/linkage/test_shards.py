"""The removed set in shards: every answer of N shards is the one-linker answer, byte for
byte (candidates, totals, probabilities, levels, weights, ranking, explanation), after adds,
withdrawals and re-adds; a shard that does not answer makes the answer incomplete."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import fields

import numpy as np
import pytest

from bench.linker_answers import answers
from bench.linker_memory import deep_size
from bench.synthetic_accounts import Generator
from tarazu.linkage import LinkerConfig, LinkPolicy, MirrorLinker, decide, load_model
from tarazu.linkage.policy import AUTO_ACTION
from tarazu.linkage.profile import build_profile, build_profiles
from tarazu.linkage.shard_counts import (
    ARRAYS,
    Counts,
    NotCounted,
    local_counts,
    profile_keys,
    unknown,
)
from tarazu.linkage.shard_protocol import RemoteShard, ShardHandler
from tarazu.linkage.shards import LocalShards, ShardedLinker, ShardUnavailable, shard_of
from tarazu.linkage.snapshot import decode_profiles, encode_profiles

#: small caps, so that every cap cuts through the candidates of several shards: the text
#: index's best, the nearest removals, the tokens too common to block on, ``max_full``
TIGHT = LinkerConfig(max_full=12, lsh_max_candidates=6, time_nearest=5, token_max_postings=3,
                     name_min_shared=2, shortlist=8)


def test_shard_of_is_stable_balanced_and_moves_only_to_a_new_shard():
    ids = [f"r{i}" for i in range(3000)]
    two = {i: shard_of(i, ["0", "1"]) for i in ids}
    assert two == {i: shard_of(i, ["1", "0"]) for i in ids}  # order of the names is no matter
    assert min(Counter(two.values()).values()) > 1300
    three = {i: shard_of(i, ["0", "1", "2"]) for i in ids}
    moved = [i for i in ids if three[i] != two[i]]
    assert moved and all(three[i] == "2" for i in moved)
    assert 800 < len(moved) < 1200


@pytest.mark.parametrize(("model", "config", "n"), [
    ("default", None, 1200),  # exclusive posterior, term-frequency adjusted
    ("default", TIGHT, 600),
    ("default", LinkerConfig(max_full=None, deferred=()), 400),
    ("ira", None, 500),  # logistic calibration on the leads
], ids=["default", "tight-caps", "uncapped", "ira"])
def test_shards_give_the_one_linker_answer_byte_for_byte(model, config, n):
    kw = {"config": config, "streamed": 50, "batch": 25}
    one = json.dumps(answers(n, 11, model, 0, **kw))
    assert len(json.loads(one)) > 200
    for shards in (2, 3):
        assert json.dumps(answers(n, 11, model, shards, **kw)) == one, f"{shards} shards"


def _count_bytes(linker):
    """Bytes of the counts that grow with the accounts counted: phrase, trace and token
    counts, counted ids, term frequencies, the name and token indexes' postings (not the
    fixed-size n-gram document frequencies)."""
    c, seen = linker.corpus, set()
    return sum(deep_size(o, seen) for o in (c.shingle_df, c.trace_df, c._members, c.df,
                                           linker.tf, linker.blocker.indexes[0],
                                           linker.blocker.indexes[3]))


def test_a_shard_counts_only_its_own_accounts_and_the_answers_stay_one_linkers():
    """Each shard's counts are those of a linker holding its part alone (of every value of
    the whole set: zero for what only other shards' accounts hold); they sum to the one
    linker's; their memory falls with the number of shards; the answers do not change."""
    gen = Generator(13)
    removed = list(gen.removed_set(600))
    stream = gen.new_accounts(40, removed)
    profiles = build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed})
    model = load_model("default")
    one = MirrorLinker(model)
    held = LocalShards(model, 3)
    for p in profiles:
        one.add_removed_profile(p)
    held.add_all(profiles)
    for a, _ in removed[::9]:
        one.withdraw(a.account_id)
        held.withdraw(a.account_id)
    for a, ps in stream[::3]:  # active accounts counted in the rarity statistics
        seen = build_profile(a, ps, one.platform)
        one.observe(seen)
        held.observe(seen)
    keys = profile_keys(one, profiles[0])  # every table, filled with every account's values
    for p in profiles[1:]:
        for t, k in profile_keys(one, p).items():
            keys[t] = np.union1d(keys[t], k) if t in ARRAYS else [*keys[t], *k]
    alone = []
    for s in held.shards:
        assert 0 < len(s.removed) < 0.45 * len(one.removed)
        mine = MirrorLinker(model)
        for p in s.removed.values():
            mine.add_removed_profile(p)
        for a, ps in stream[::3]:
            if shard_of(a.account_id, held.names) == held.names[held.shards.index(s)]:
                mine.observe(build_profile(a, ps, one.platform))
        got, want = s.counts(keys), local_counts(mine, keys)
        assert got.scalars == want.scalars
        assert got.scalars["tf_accounts"] == len(s.removed) <= got.scalars["n"]
        for t in keys:
            assert np.array_equal(got.counts[t], want.counts[t]), t
        alone.append(got)
    total = Counts.total(keys, alone)
    whole = local_counts(one, keys)
    flag = "counts_text"  # whether any account with text was counted: any shard's
    assert {**total.scalars, flag: 1} == {**whole.scalars, flag: 1} and total.scalars[flag]
    assert total.scalars["n"] == len(one.removed) + len(stream[::3])  # the observed ones too
    for t in keys:
        assert np.array_equal(total.counts[t], whole.counts[t]), t
        if len(keys[t]):  # the other shards' accounts are not counted here
            assert (total.counts[t] > alone[0].counts[t]).any(), t
    sizes = [_count_bytes(s) for s in held.shards]
    assert max(sizes) < 0.5 * _count_bytes(one), (sizes, _count_bytes(one))
    want = [[repr(r) for r in one.score(a, ps)] for a, ps in stream]
    assert sum(map(len, want)) > 100
    assert [[repr(r) for r in held.linker.score(a, ps)] for a, ps in stream] == want


def test_a_count_the_values_asked_about_miss_is_an_error_not_a_zero():
    """A shard told the totals of the new account's values only (not of its candidates' own
    circle, bio, name and text columns) refuses to compare, rather than scoring with its own
    part of those counts or none."""
    gen = Generator(6)
    removed = list(gen.removed_set(300))
    stream = gen.new_accounts(10, removed, mirror_share=1.0)
    held = LocalShards(load_model("default"), 2)
    held.add_all(build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed}))
    linker = held.linker
    refused = 0
    for a, ps in stream:
        p = build_profile(a, ps, linker.platform)
        keys = profile_keys(linker, p)
        known = Counts.total(keys, [s.counts(keys) for s in held.shards])
        for k, s in enumerate(held.shards):
            ids = [c.account_id for c in linker.candidates(p) if c.shard == k]
            if ids:
                with pytest.raises(NotCounted):
                    s.compare_part(p, ids, frozenset(), None, known)
                refused += 1
                extra = unknown(s.needs(p, ids), keys)  # told those too, it compares
                needed = known.union(Counts.total(extra, [t.counts(extra) for t in held.shards]))
                assert s.compare_part(p, ids, frozenset(), None, needed).results
    assert refused >= 10


class _Silent:
    """A shard that never answers."""

    def counts(self, keys):
        raise ShardUnavailable("no answer")

    def propose(self, profile, totals):
        raise ShardUnavailable("no answer")

    def needs(self, profile, ids):
        raise ShardUnavailable("no answer")

    def compare_part(self, profile, ids, estimated, only, totals):
        raise ShardUnavailable("no answer")


def test_a_shard_that_does_not_answer_makes_the_answer_incomplete_and_never_automatic():
    gen = Generator(5)
    removed = list(gen.removed_set(400))
    stream = gen.new_accounts(40, removed, mirror_share=1.0)
    held = LocalShards(load_model("default"), 2)
    held.add_all(build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed}))
    linker = held.linker
    policy = LinkPolicy(review_threshold=0.0, auto_threshold=0.0, min_independent_strong=0)
    full = [linker.score(a, ps) for a, ps in stream]
    assert all(r.complete for rs in full for r in rs) and not linker.incomplete
    assert any(decide(r, policy).action == AUTO_ACTION for rs in full for r in rs)

    linker.shards[1] = _Silent()
    part = [linker.score(a, ps) for a, ps in stream]
    got = [r for rs in part for r in rs]
    assert got and not any(r.complete for r in got)
    assert linker.incomplete == {a.account_id for a, _ in stream}
    assert all(r.removed_id in held.shards[0].removed for r in got)
    assert not any(decide(r, policy).action == AUTO_ACTION for r in got)

    linker.shards[1] = held.shards[1]  # back: the accounts scored again are complete
    again = [linker.score(a, ps) for a, ps in stream]
    assert not linker.incomplete and all(r.complete for rs in again for r in rs)


def test_the_json_messages_carry_the_shards_answers_exactly():
    """Two shards reached through the protocol's bytes (as a broker carries them) give the
    answers of the shards in this process: every float read back is the one computed."""
    gen = Generator(9)
    removed = list(gen.removed_set(500))
    stream = gen.new_accounts(40, removed)
    held = LocalShards(load_model("default"), 2)
    held.add_all(build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed}))
    for a, _ in removed[::7]:
        held.withdraw(a.account_id)
    direct = [held.linker.score(a, ps) for a, ps in stream]
    remote = ShardedLinker(load_model("default"), [
        RemoteShard(ShardHandler(s).handle) for s in held.shards])
    wired = [remote.score(a, ps) for a, ps in stream]
    assert sum(map(len, direct)) > 100
    assert [[repr(r) for r in rs] for rs in wired] == [[repr(r) for r in rs] for rs in direct]


def test_profiles_as_bytes_read_back_equal_and_hold_no_objects():
    gen = Generator(4)
    removed = list(gen.removed_set(30))
    stream = gen.new_accounts(30, removed)
    profiles = build_profiles([a for a, _ in removed + stream],
                              {a.account_id: ps for a, ps in removed + stream})
    data = encode_profiles(profiles)
    back = decode_profiles(data)
    assert len(back) == len(profiles)
    for a, b in zip(profiles, back, strict=True):
        for f in fields(a):
            x, y = getattr(a, f.name), getattr(b, f.name)
            if isinstance(x, np.ndarray):
                assert np.array_equal(x, y) and x.dtype == y.dtype, f.name
                # as built ones: writeable, and of a column of their own, not of ``data``
                # (which, strings and all, each would keep alive)
                assert y.flags.writeable and not isinstance(y.base, memoryview | bytes), f.name
            elif hasattr(x, "indices"):  # n-gram vectors
                assert np.array_equal(x.indices, y.indices), f.name
                assert np.array_equal(x.data, y.data), f.name
            else:
                assert x == y, f.name
    n = int.from_bytes(data[:4], "big")
    doc = json.loads(data[4:4 + n])
    doc["columns"][0][1] = "|O"  # a column claiming to hold Python objects is refused
    forged = json.dumps(doc).encode()
    with pytest.raises(ValueError, match="Python objects"):
        decode_profiles(len(forged).to_bytes(4, "big") + forged + data[4 + n:])
