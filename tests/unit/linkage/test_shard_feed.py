"""A shard fed by positions: a snapshot read back holds the same accounts, removal positions
and feed position; the events after it, given again from the start, bring it to the shard
that never stopped (answers byte for byte); a plain index snapshot is not a shard's."""

from __future__ import annotations

import pytest

from bench.synthetic_accounts import Generator
from tarazu.linkage import load_model
from tarazu.linkage.profile import build_profiles
from tarazu.linkage.shard_feed import FeedEvent, apply, load_shard, save_shard
from tarazu.linkage.shards import ShardedLinker, ShardLinker, shard_of
from tarazu.linkage.snapshot import SnapshotUnusable, save_snapshot


def _events(profiles):
    events, position = [], 0
    for k, p in enumerate(profiles):
        position += 1
        events.append(FeedEvent(position, p.account_id, p))
        if k % 5 == 4:  # withdraw one removed before
            position += 1
            gone = profiles[k - 3].account_id
            events.append(FeedEvent(position, gone, None))
    return events


@pytest.mark.parametrize("base_min", [None, 20], ids=["postings-in-dicts", "postings-as-base"])
def test_a_shard_restarted_from_its_snapshot_takes_the_rest_and_answers_as_before(
        tmp_path, monkeypatch, base_min):
    """``postings-as-base``: the restarted shard's name and token postings are the arrays a
    start makes of a large set (``linkage.postings``; its threshold lowered here), and the
    counts it answers the merger with come from them."""
    if base_min is not None:
        from tarazu.linkage import postings

        monkeypatch.setattr(postings, "BASE_MIN", base_min)
    gen = Generator(17)
    removed = list(gen.removed_set(300))
    stream = gen.new_accounts(20, removed)
    profiles = build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed})
    names = ["0", "1"]
    events = _events(profiles + profiles[:10])  # ten removed again
    model = load_model("default")
    steady = [ShardLinker(model) for _ in names]
    restarted = [ShardLinker(model) for _ in names]
    cut = len(events) // 2
    for i, e in enumerate(events):
        k = names.index(shard_of(e.account_id, names))
        assert apply(steady[k], e)
        if i < cut:
            apply(restarted[k], e)
    path = tmp_path / "shard-1.npz"
    save_shard(path, restarted[1])
    back = ShardLinker(model)
    assert load_shard(path, back).position == restarted[1].position > 0
    assert back.order == restarted[1].order and list(back.removed) == list(restarted[1].removed)
    names_index = back.blocker.indexes[0]
    assert bool(names_index.p._keys.size) == (base_min is not None)
    restarted[1] = back
    for e in events:  # everything again: what the snapshot holds is not taken twice
        k = names.index(shard_of(e.account_id, names))
        apply(restarted[k], e)
    for a, b in zip(steady, restarted, strict=True):
        assert a.position == b.position and a.order == b.order
        assert set(a.removed) == set(b.removed)
    want = [[repr(r) for r in ShardedLinker(model, steady).score(a, ps)] for a, ps in stream]
    got = [[repr(r) for r in ShardedLinker(model, restarted).score(a, ps)] for a, ps in stream]
    assert sum(map(len, want)) > 20 and got == want

    plain = tmp_path / "index.npz"
    save_snapshot(plain, steady[0], 7)
    with pytest.raises(SnapshotUnusable, match="not a shard"):
        load_shard(plain, ShardLinker(model))
