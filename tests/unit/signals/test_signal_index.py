"""Indexes: add / remove / query by entry id with metadata, corrupt hashes skipped and
reported; bank rules: thresholds and negative banks. (The PDQ index's exactness and its
snapshots: test_pdq_index.py.)"""

from __future__ import annotations

import random

from tarazu.signals.banks import Bank, match_signal
from tarazu.signals.index import IndexedHash, SkippedHash, build_index
from tarazu.signals.md5 import Md5Signal
from tarazu.signals.pdq import PdqSignal
from tarazu.signals.pdq_index import PdqIndex
from tarazu.signals.text import TextMinHashSignal
from tests.unit.signals.hashes import flip, rand_pdq


def entry(i: int, signal: str, bank_id: int = 1, bank: str = "tcap") -> IndexedHash:
    return IndexedHash(i, signal, bank_id, bank, {"source_ref": f"ref-{i}"})


def test_pdq_query_returns_distance_hash_and_metadata():
    rng = random.Random(1)
    hashes = [rand_pdq(rng) for _ in range(300)]
    index, skipped = build_index(PdqSignal, [entry(i + 1, h) for i, h in enumerate(hashes)])
    assert skipped == []
    probe = flip(hashes[41], 31, rng)
    found = index.query(probe, 31)
    assert [(m.entry.entry_id, m.distance) for m in found] == [(42, 31)]
    assert found[0].entry.signal == hashes[41]
    assert found[0].entry.metadata["source_ref"] == "ref-42"
    assert index.query(flip(hashes[41], 32, rng), 31) == []


def test_pdq_add_and_remove_in_place():
    rng = random.Random(2)
    hashes = [rand_pdq(rng) for _ in range(50)]
    index = PdqIndex(PdqSignal)
    index.add([entry(i + 1, h) for i, h in enumerate(hashes)])
    assert index.remove([3, 999]) == 1
    assert index.query(hashes[2], 31) == [] and len(index) == 49
    index.add([entry(100, hashes[2])])
    assert [m.entry.entry_id for m in index.query(hashes[2], 0)] == [100]


def test_a_corrupt_hash_is_reported_by_bank_and_entry_and_the_rest_indexed():
    rng = random.Random(5)
    good = [rand_pdq(rng) for _ in range(3)]
    entries = [entry(1, good[0]), IndexedHash(2, "not-a-hash", 9, "feed-x"),
               entry(3, good[1]), IndexedHash(4, None, 9, "feed-x"),  # type: ignore[arg-type]
               entry(5, good[2].upper())]
    index, skipped = build_index(PdqSignal, entries)
    assert [(s.bank, s.entry_id) for s in skipped] == [("feed-x", 2), ("feed-x", 4)]
    assert all(isinstance(s, SkippedHash) and s.error for s in skipped)
    assert index.entry_ids() == {1, 3, 5}
    assert index.query(good[2], 0)[0].entry.signal == good[2]  # stored canonical


def test_exact_index_add_remove_query():
    a, b = Md5Signal.get_examples()[:2]
    index, _ = build_index(Md5Signal, [entry(1, a), entry(2, a, 2, "other"), entry(3, b)])
    assert [m.entry.entry_id for m in index.query(a)] == [1, 2]
    index.remove([1])
    assert [m.entry.bank for m in index.query(a.upper())] == ["other"]
    index.remove([2])
    assert index.query(a) == []


def test_minhash_index_finds_near_duplicates_only():
    texts = ["an invented placeholder message about meeting at the park today",
             "completely different neutral words on the subject of the weather"]
    entries = [entry(i + 1, TextMinHashSignal.hash_text(t).signal) for i, t in enumerate(texts)]
    index, _ = build_index(TextMinHashSignal, entries)
    q = TextMinHashSignal.hash_text("an invented placeholder message about meeting in the park")
    found = index.query(q.signal, TextMinHashSignal.default_threshold)
    assert [m.entry.entry_id for m in found] == [1] and 0 < found[0].distance <= 19
    index.remove([1])
    assert index.query(q.signal, 19) == []


# -- bank rules -------------------------------------------------------------------------------

def _banks(*banks: Bank) -> dict[int, Bank]:
    return {b.bank_id: b for b in banks}


def test_per_bank_thresholds_apply_to_each_banks_own_hashes():
    rng = random.Random(6)
    h = rand_pdq(rng)
    index, _ = build_index(PdqSignal, [entry(1, h, 1, "strict"), entry(2, h, 2, "loose")])
    banks = _banks(Bank(1, "strict", thresholds={"pdq": 10}), Bank(2, "loose"))
    q = flip(h, 20, rng)
    out = match_signal(index, q, banks)
    assert [(m.bank.name, m.distance) for m in out.matches] == [("loose", 20)]
    assert match_signal(index, flip(h, 5, rng), banks).matches[0].bank.name == "strict"


def test_a_bank_threshold_above_the_default_widens_the_search():
    rng = random.Random(7)
    h = rand_pdq(rng)
    index, _ = build_index(PdqSignal, [entry(1, h)])
    out = match_signal(index, flip(h, 45, rng), _banks(Bank(1, "tcap", thresholds={"pdq": 48})))
    assert [m.distance for m in out.matches] == [45]


def test_disabled_banks_never_match():
    h = PdqSignal.get_examples()[0]
    index, _ = build_index(PdqSignal, [entry(1, h)])
    assert match_signal(index, h, _banks(Bank(1, "tcap", enabled=False))).matches == ()
    assert match_signal(index, h, {}).matches == ()


def test_a_negative_bank_suppresses_the_match_and_says_so():
    rng = random.Random(8)
    meme = rand_pdq(rng)
    index, _ = build_index(PdqSignal, [entry(1, meme, 1, "tcap"),
                                       entry(2, flip(meme, 4, rng), 2, "allow")])
    banks = _banks(Bank(1, "tcap"), Bank(2, "allow", negative=True))
    out = match_signal(index, meme, banks)
    assert out.matches == ()
    assert [m.entry.entry_id for m in out.suppressed] == [1]
    assert [m.bank.name for m in out.allowed_by] == ["allow"]
    # with the allow-list disabled, the match stands
    banks[2] = Bank(2, "allow", negative=True, enabled=False)
    assert [m.entry.entry_id for m in match_signal(index, meme, banks).matches] == [1]


def test_match_dict_carries_hash_and_metadata():
    h = PdqSignal.get_examples()[0]
    index, _ = build_index(PdqSignal, [entry(1, h)])
    d = match_signal(index, h, _banks(Bank(1, "tcap", designation_id="Q-TTP"))).as_dict()
    m = d["matches"][0]
    assert m["matched_signal"] == h and m["entry_id"] == 1 and m["distance"] == 0
    assert m["metadata"] == {"source_ref": "ref-1"} and m["designation_id"] == "Q-TTP"

