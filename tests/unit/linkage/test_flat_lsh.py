"""FlatLSH gives datasketch's MinHashLSH answers (same MinHash, same banding) through
inserts, removals and the merges of its buffer."""

import gc

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from tarazu.linkage.lsh import FlatLSH, _counted, _first_by_count, banding


def _minhash(words: set[int]) -> MinHash:
    m = MinHash(num_perm=64, seed=7, hashfunc=int)
    m.update_batch(sorted(words))
    return m


def _vocabularies(n: int, rng: np.random.Generator) -> list[set[int]]:
    topics = [set(rng.integers(0, 5000, 60).tolist()) for _ in range(12)]
    out = []
    for _ in range(n):
        base = topics[int(rng.integers(0, len(topics)))]
        own = set(rng.integers(0, 50_000, int(rng.integers(5, 60))).tolist())
        keep = {w for w in base if rng.random() < 0.5}
        out.append(keep | own)
    return out


@pytest.mark.parametrize("merge_every", [1, 7, 4096])
def test_same_candidates_as_datasketch_through_inserts_removals_and_merges(merge_every):
    rng = np.random.default_rng(11)
    vocab = _vocabularies(300, rng)
    b, r = banding(0.15, 64)
    ours = FlatLSH(b, r, merge_every=merge_every)
    theirs = MinHashLSH(threshold=0.15, num_perm=64)
    hashes = [_minhash(v) for v in vocab]
    for i, m in enumerate(hashes[:200]):
        ours.insert(f"a{i}", m.hashvalues)
        theirs.insert(f"a{i}", m)
    for i in range(0, 200, 3):  # withdraw a third
        ours.remove(f"a{i}")
        theirs.remove(f"a{i}")
    for i, m in enumerate(hashes[200:250], start=200):  # and add more after the removals
        ours.insert(f"a{i}", m.hashvalues)
        theirs.insert(f"a{i}", m)
    found = 0
    for m in hashes[250:] + hashes[:20]:
        expected = set(theirs.query(m))
        assert ours.query(m.hashvalues) == expected
        found += len(expected)
    assert found > 50  # the comparison is not between two empty answers
    assert len(ours) == 200 - len(range(0, 200, 3)) + 50
    assert "a0" not in ours and "a1" in ours


def test_insert_twice_is_refused_and_unknown_removal_ignored():
    lsh = FlatLSH(*banding(0.15, 64))
    m = _minhash({1, 2, 3, 4})
    lsh.insert("x", m.hashvalues)
    with pytest.raises(ValueError, match="already indexed"):
        lsh.insert("x", m.hashvalues)
    lsh.remove("nobody")
    assert lsh.query(m.hashvalues) == {"x"}
    lsh.remove("x")
    assert lsh.query(m.hashvalues) == set()
    lsh.insert("x", m.hashvalues)  # re-added after a withdrawal (a reversal undone)
    assert lsh.query(m.hashvalues) == {"x"}


@pytest.mark.parametrize("merge_every", [1, 4096])
def test_a_limited_query_keeps_the_items_sharing_the_most_bands(merge_every):
    rng = np.random.default_rng(3)
    vocab = _vocabularies(300, rng)
    b, r = banding(0.15, 64)
    lsh = FlatLSH(b, r, merge_every=merge_every)
    hashes = [_minhash(v) for v in vocab]
    for i, m in enumerate(hashes[:250]):
        lsh.insert(f"a{i}", m.hashvalues)
    for i in range(0, 250, 5):
        lsh.remove(f"a{i}")
    keys = {f"a{i}": set(lsh.band_keys(m.hashvalues).tolist()) for i, m in enumerate(hashes)}
    limited = 0
    for q in range(250, 300):
        full = lsh.query(hashes[q].hashvalues)
        shared = {i: len(keys[i] & keys[f"a{q}"]) for i in full}
        assert all(shared.values())
        for limit in (1, 5, 20, len(full) + 1):
            got = lsh.query(hashes[q].hashvalues, limit)
            assert got <= full and len(got) == min(limit, len(full))
            if got != full:  # nothing left out shares more bands than anything kept
                limited += 1
                assert min(shared[i] for i in got) >= max(shared[i] for i in full - got)
    assert limited > 50


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 6), max_size=60) | st.lists(st.integers(0, 32), max_size=300),
       st.integers(0, 320))
def test_the_first_by_count_are_those_of_a_stable_sort(counts, k):
    """Ties are kept in position order (the order of insertion of the items sharing a
    band): which of the tied a capped query keeps must not depend on how it selects them.
    Band counts run from 1 to the number of bands; 0 is there for the histogram's edge."""
    c = np.array(counts, dtype=np.int64)
    assert _first_by_count(c, k).tolist() == np.argsort(-c, kind="stable")[:k].tolist()


@pytest.mark.parametrize("merge_every", [1, 4096])
def test_a_limited_query_keeps_the_first_live_items_of_the_order(merge_every):
    """Most bands first, ties in insertion order, removed items skipped (still holding
    their slots until a merge when ``merge_every`` is large)."""
    rng = np.random.default_rng(5)
    vocab = _vocabularies(400, rng)
    lsh = FlatLSH(*banding(0.15, 64), merge_every=merge_every)
    hashes = [_minhash(v) for v in vocab]
    for i, m in enumerate(hashes[:350]):
        lsh.insert(f"a{i}", m.hashvalues)
    for i in range(0, 350, 3):
        lsh.remove(f"a{i}")
    for q in range(350, 400):
        ranked = [i for i, _ in lsh.ranked(hashes[q].hashvalues)]
        for limit in (1, 7, 30):
            assert lsh.query(hashes[q].hashvalues, limit) == set(ranked[:limit])


@pytest.mark.parametrize("merge_every", [7, 64])
def test_many_inserted_at_once_answer_as_one_by_one(merge_every):
    """A restart inserts the whole removed set at once: the same answers, ranked alike, as
    inserting one by one, before and after removals and later single inserts."""
    rng = np.random.default_rng(5)
    hashes = [_minhash(v).hashvalues for v in _vocabularies(260, rng)]
    b, r = banding(0.15, 64)
    single, bulk = FlatLSH(b, r, merge_every=merge_every), FlatLSH(b, r, merge_every=merge_every)
    for i, hv in enumerate(hashes[:5]):  # some held before the bulk insert
        single.insert(f"a{i}", hv)
        bulk.insert(f"a{i}", hv)
    for i, hv in enumerate(hashes[5:200], start=5):
        single.insert(f"a{i}", hv)
    bulk.insert_many([f"a{i}" for i in range(5, 200)], hashes[5:200])
    for lsh in (single, bulk):
        for i in range(0, 200, 4):
            lsh.remove(f"a{i}")
        for i, hv in enumerate(hashes[200:220], start=200):
            lsh.insert(f"a{i}", hv)
    found = 0
    for hv in hashes[220:] + hashes[:30]:
        assert bulk.ranked(hv) == single.ranked(hv)
        assert bulk.query(hv, limit=5) == single.query(hv, limit=5)
        found += len(single.ranked(hv))
    assert found > 50 and len(bulk) == len(single)
    with pytest.raises(ValueError, match="twice or is already indexed"):
        bulk.insert_many(["a1", "new"], hashes[:2])
    with pytest.raises(ValueError, match="twice or is already indexed"):
        bulk.insert_many(["x", "x"], hashes[:2])
    assert "new" not in bulk and "x" not in bulk  # refused before changing anything


def test_pieces_of_any_size_answer_as_one_by_one():
    """A batch's removed accounts arrive in pieces: pieces worth a merge of their own are
    merged at once, smaller ones join the buffer; either way the answers, ranked alike, of
    inserting one by one, and a single insert still goes through the buffer."""
    rng = np.random.default_rng(8)
    hashes = [_minhash(v).hashvalues for v in _vocabularies(420, rng)]
    b, r = banding(0.15, 64)
    single, pieces = FlatLSH(b, r), FlatLSH(b, r)
    for i, hv in enumerate(hashes[:400]):
        single.insert(f"a{i}", hv)
    at = 0
    for size, merged in ((3, False), (150, True), (40, False), (200, True), (7, False)):
        pieces.insert_many([f"a{i}" for i in range(at, at + size)], hashes[at:at + size])
        assert (not pieces._pending) == merged
        at += size
    pieces.insert(f"a{at}", hashes[at])
    assert pieces._pending and at + 1 == 401
    single.insert(f"a{at}", hashes[at])
    for hv in hashes[401:] + hashes[:40]:
        assert pieces.ranked(hv) == single.ranked(hv)
        assert pieces.query(hv, limit=5) == single.query(hv, limit=5)
    assert len(pieces) == len(single)


def test_a_buffered_insert_leaves_the_cyclic_collector_nothing_new_to_walk():
    """A stream's add waits in the buffer: a band key one item holds keeps its bare slot,
    not a list of one, so that an add leaves no container object behind for the
    collector's passes (whose cost sets the add's p99); a key several items share is still
    answered for each of them."""
    rng = np.random.default_rng(5)
    b, r = banding(0.15, 64)
    lsh = FlatLSH(b, r, merge_every=4096)
    signatures = [rng.integers(0, 2**32, 64, dtype=np.uint64) for _ in range(100)]
    ids = [f"a{i}" for i in range(100)]
    was = gc.isenabled()
    gc.disable()
    try:
        before = len(gc.get_objects())
        for item, sig in zip(ids, signatures, strict=True):
            lsh.insert(item, sig)
        grown = len(gc.get_objects()) - before
    finally:
        if was:
            gc.enable()
    assert grown < 10, f"{grown} objects for the collector after 100 inserts of {b} bands"
    lsh.insert("twin", signatures[0].copy())  # every band of a0 again: keys held by two
    assert {"a0", "twin"} <= lsh.query(signatures[0])
    assert lsh.query(signatures[1]) == {"a1"}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 50), max_size=12), max_size=8))
def test_slots_are_counted_as_numpy_counts_them(runs):
    """The band keys' slots, counted: what ``np.unique`` gives, sorted runs or not."""
    slots = np.array([s for run in runs for s in run], dtype=np.int32)
    got, want = _counted(slots), np.unique(slots, return_counts=True)
    assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()
