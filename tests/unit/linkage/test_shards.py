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
from bench.synthetic_accounts import Generator
from tarazu.linkage import LinkerConfig, LinkPolicy, decide, load_model
from tarazu.linkage.policy import AUTO_ACTION
from tarazu.linkage.profile import build_profiles
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


class _Silent:
    """A shard that never answers."""

    def propose(self, profile):
        raise ShardUnavailable("no answer")

    def compare_part(self, profile, ids, estimated, only):
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
