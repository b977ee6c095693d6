"""The PDQ bank index returns exactly the brute-force answer (no lost match, nothing beyond the
distance) through its tables, its tail of recent additions and its wide-distance scan; it
changes in place; its snapshots round-trip and a corrupt or foreign one is refused by name."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tarazu.signals import pdq_index
from tarazu.signals.index import BuildCheckpoint, IndexedHash
from tarazu.signals.md5 import Md5Signal
from tarazu.signals.pdq import PdqSignal
from tarazu.signals.pdq_index import PdqIndex, SnapshotError
from tests.unit.signals.hashes import flip_bits, rand_pdq


def spread(d: int, rng: random.Random) -> list[int]:
    """``d`` bit positions spread as evenly as possible over the 16 chunks of 16 bits: the
    hardest case for multi-index hashing (at 31, fifteen chunks differ by 2 and one by 1)."""
    chunks = rng.sample(range(16), 16)
    out: list[int] = []
    for i in range(d):
        chunk = chunks[i % 16]
        taken = {b for b in out if b // 16 == chunk}
        out.append(rng.choice([chunk * 16 + j for j in range(16) if chunk * 16 + j not in taken]))
    return out


def brute_force(hashes: dict[int, str], q: str, radius: int) -> list[tuple[int, int]]:
    found = [(PdqSignal.distance(q, h), i) for i, h in hashes.items()]
    return [(i, d) for d, i in sorted(found) if d <= radius]


def answers(index: PdqIndex, q: str, radius: int) -> list[tuple[int, int]]:
    return [(m.entry.entry_id, m.distance) for m in index.query(q, radius)]


def planted_bank(rng: random.Random, n_random: int) -> tuple[dict[int, str], str]:
    """Random hashes, many sharing chunks with the query (dense buckets that the pair filter
    must sift), plus copies of the query at every distance 0..32, random and spread."""
    q = rand_pdq(rng)
    hashes = {i + 1: rand_pdq(rng) for i in range(n_random)}
    nid = n_random + 1
    for d in range(33):
        for bits in (rng.sample(range(256), d), spread(d, rng)):
            hashes[nid] = flip_bits(q, bits)
            nid += 1
    for _ in range(300):  # far hashes that still hold some of the query's chunks intact
        hashes[nid] = flip_bits(q, rng.sample(range(256), rng.randint(32, 90)))
        nid += 1
    return hashes, q


def build(hashes: dict[int, str]) -> PdqIndex:
    index = PdqIndex(PdqSignal)
    assert index.add(IndexedHash(i, h, 1, "tcap") for i, h in hashes.items()) == []
    return index


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_random=st.integers(0, 2000))
def test_the_index_returns_exactly_the_brute_force_matches_within_31(seed, n_random):
    rng = random.Random(seed)
    hashes, q = planted_bank(rng, n_random)
    index = build(hashes)
    expected = brute_force(hashes, q, 31)
    assert answers(index, q, 31) == expected
    # every planted copy within 31 is there, both at 32 are not
    assert sum(1 for _, d in expected if d <= 31) >= 64
    assert all(d != 32 for _, d in answers(index, q, 31))


@pytest.mark.parametrize("radius", [0, 1, 15, 16, 47, 48, 63, 64, 90])
def test_other_distances_are_exact_too(radius):
    """Wider bank thresholds probe more flipped bits per chunk (and past 63, scan)."""
    rng = random.Random(radius)
    hashes, q = planted_bank(rng, 1500)
    assert answers(build(hashes), q, radius) == brute_force(hashes, q, radius)


@pytest.mark.parametrize("radius", [31, 90])
def test_the_tail_of_recent_additions_answers_exactly_too(radius):
    """The linear scan of the rows added since the tables were built (a stream worker's
    last few thousand removals) finds exactly what brute force finds, and no removed row."""
    rng = random.Random(radius + 7)
    index = build({i + 1: rand_pdq(rng) for i in range(300)})
    hashes, q = planted_bank(rng, 800)
    index.query(q, radius)  # builds the tables over the first 300 rows
    planted = {i + 10_000: h for i, h in hashes.items()}
    index.add(IndexedHash(i, h, 1, "tcap") for i, h in planted.items())
    gone = {i for i, _ in brute_force(planted, q, radius)[::3]}
    index.remove(sorted(gone))
    assert index._tables is not None and index._tables.size == 300  # all still in the tail
    live = {i: h for i, h in planted.items() if i not in gone}
    expected = brute_force(live, q, radius)
    assert len(expected) >= 40 and answers(index, q, radius) == expected


def test_an_added_hash_is_matchable_at_once_from_the_tail_and_after_the_fold(monkeypatch):
    monkeypatch.setattr(pdq_index, "TAIL_ROWS", 50)
    rng = random.Random(11)
    hashes = {i + 1: rand_pdq(rng) for i in range(500)}
    index = build(hashes)
    q = rand_pdq(rng)
    assert index.query(q, 31) == []  # builds the tables over the 500
    index.add([IndexedHash(1000, flip_bits(q, spread(31, rng)), 2, "new", {"ref": "x"})])
    assert index._tables is not None and index._tables.size == 500  # still in the tail
    found = index.query(q, 31)
    assert [(m.entry.entry_id, m.distance, m.entry.bank) for m in found] == [(1000, 31, "new")]
    assert found[0].entry.metadata == {"ref": "x"}
    more = {2000 + i: rand_pdq(rng) for i in range(60)}
    index.add(IndexedHash(i, h, 1, "tcap") for i, h in more.items())
    assert index._tables.size == 561  # the tail passed 50 and was folded into the tables
    assert answers(index, q, 31) == [(1000, 31)]
    assert answers(index, more[2005], 0) == [(2005, 0)]


def test_folding_the_tail_keeps_removals_and_ids_that_came_back(monkeypatch):
    monkeypatch.setattr(pdq_index, "TAIL_ROWS", 40)
    rng = random.Random(16)
    hashes, q = planted_bank(rng, 600)
    index = build(hashes)
    index.query(q, 31)
    planted = [i for i, _ in brute_force(hashes, q, 31)]
    index.remove(planted[:3])  # dead rows stay in the tables until a rebuild
    moved = flip_bits(q, spread(20, rng))
    index.add([IndexedHash(planted[0], moved, 1, "tcap")])  # the same id, another hash
    later = {10_000 + i: rand_pdq(rng) for i in range(45)}
    index.add(IndexedHash(i, h, 1, "tcap") for i, h in later.items())  # folds (merge)
    assert index._tables.size == index._n and index._n > len(index)
    live = {i: h for i, h in hashes.items() if i not in planted[:3]} | later
    live[planted[0]] = moved
    assert answers(index, q, 31) == brute_force(live, q, 31)
    assert index.remove([planted[0]]) == 1 and index.remove([planted[0]]) == 0
    del live[planted[0]]
    assert answers(index, q, 31) == brute_force(live, q, 31)


def test_removal_is_immediate_and_compaction_keeps_the_answers():
    rng = random.Random(12)
    hashes, q = planted_bank(rng, 1000)
    index = build(hashes)
    planted = [i for i, _ in brute_force(hashes, q, 31)]
    assert index.remove([planted[0], 10**9]) == 1
    assert planted[0] not in {i for i, _ in answers(index, q, 31)}
    assert len(index) == len(hashes) - 1
    gone = set(range(1, 401)) | {planted[0]}
    index.remove(range(1, 401))  # past a tenth: dead rows are dropped and tables rebuilt
    assert index._n == len(index) == len(hashes) - len(gone)
    live = {i: h for i, h in hashes.items() if i not in gone}
    assert answers(index, q, 31) == brute_force(live, q, 31)
    index.add([IndexedHash(planted[0], hashes[planted[0]], 1, "tcap")])  # an id can come back
    live[planted[0]] = hashes[planted[0]]
    assert answers(index, q, 31) == brute_force(live, q, 31)


def test_a_repeated_entry_id_is_ignored_and_bad_hashes_are_reported():
    rng = random.Random(13)
    h = rand_pdq(rng)
    index = PdqIndex(PdqSignal)
    skipped = index.add([IndexedHash(1, h, 1, "a"), IndexedHash(1, rand_pdq(rng), 1, "a"),
                         IndexedHash(2, "zz" * 32, 3, "feed")])
    assert [(s.bank, s.entry_id) for s in skipped] == [("feed", 2)]
    assert len(index) == 1 and answers(index, h, 0) == [(1, 0)]
    assert index.entry_ids() == {1}


# -- snapshots --------------------------------------------------------------------------------

def test_a_snapshot_round_trips_entries_banks_metadata_and_checkpoint(tmp_path):
    rng = random.Random(14)
    hashes, q = planted_bank(rng, 800)
    index = PdqIndex(PdqSignal)
    index.add(IndexedHash(i, h, i % 3, f"bank-{i % 3}", {"ref": i} if i % 2 else {})
              for i, h in hashes.items())
    index.remove([5, 6])
    index.save(tmp_path / "snap", BuildCheckpoint(last_id=max(hashes), count=len(hashes) - 2))
    header = json.loads((tmp_path / "snap" / "header.json").read_text())
    assert header["format"] == "tarazu.pdq-index" and header["version"] == 1
    assert header["count"] == len(hashes) - 2
    loaded = PdqIndex.load(tmp_path / "snap", PdqSignal)
    assert loaded.checkpoint == BuildCheckpoint(max(hashes), len(hashes) - 2)
    again = loaded.index
    assert len(again) == len(index) and again.entry_ids() == index.entry_ids()
    for radius in (31, 70):
        assert ([(m.entry, m.distance) for m in again.query(q, radius)]
                == [(m.entry, m.distance) for m in index.query(q, radius)])
    some = again.query(hashes[7], 0)[0].entry
    assert (some.bank_id, some.bank, dict(some.metadata)) == (1, "bank-1", {"ref": 7})
    again.add([IndexedHash(5, hashes[5], 2, "bank-2")])  # and it goes on changing in place
    assert answers(again, hashes[5], 0) == [(5, 0)]


def _snapshot(tmp_path) -> tuple[str, list[str]]:
    rng = random.Random(15)
    hashes = [rand_pdq(rng) for _ in range(200)]
    index = PdqIndex(PdqSignal)
    index.add(IndexedHash(i + 1, h, 1, "tcap") for i, h in enumerate(hashes))
    path = tmp_path / "snap"
    index.save(path)
    return str(path), hashes


def test_a_corrupt_array_file_is_refused_naming_it(tmp_path):
    path, _ = _snapshot(tmp_path)
    f = tmp_path / "snap" / "hashes.npy"
    raw = bytearray(f.read_bytes())
    raw[-5] ^= 0x10  # one bit of one hash
    f.write_bytes(bytes(raw))
    with pytest.raises(SnapshotError, match=r"hashes\.npy: checksum"):
        PdqIndex.load(path, PdqSignal)


def test_a_truncated_or_pickled_array_is_refused(tmp_path):
    path, _ = _snapshot(tmp_path)
    f = tmp_path / "snap" / "entry_ids.npy"
    f.write_bytes(f.read_bytes()[:-16])
    with pytest.raises(SnapshotError, match=r"entry_ids\.npy"):
        PdqIndex.load(path, PdqSignal)
    np.save(f, np.array([object()] * 200, dtype=object), allow_pickle=True)
    with pytest.raises(SnapshotError, match=r"entry_ids\.npy: not a readable \.npy array"):
        PdqIndex.load(path, PdqSignal)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("version", 2, "field 'version' is 2, expected 1"),
    ("format", "faiss", "field 'format'"),
    ("count", 199, r"hashes\.npy: dtype uint64 shape \(200, 4\), the header's count 199"),
    ("count", "many", "field 'count' is 'many'"),
])
def test_a_header_that_disagrees_is_refused_naming_the_field(tmp_path, field, value, message):
    path, _ = _snapshot(tmp_path)
    f = tmp_path / "snap" / "header.json"
    header = json.loads(f.read_text())
    header[field] = value
    f.write_text(json.dumps(header))
    with pytest.raises(SnapshotError, match=message):
        PdqIndex.load(path, PdqSignal)


def test_a_missing_header_or_another_signal_type_is_refused(tmp_path):
    path, _ = _snapshot(tmp_path)
    with pytest.raises(SnapshotError, match="field 'signal_type' is 'pdq', expected 'md5'"):
        PdqIndex.load(path, Md5Signal)
    (tmp_path / "snap" / "header.json").unlink()
    with pytest.raises(SnapshotError, match=r"header\.json: no snapshot header"):
        PdqIndex.load(path, PdqSignal)


def test_a_clean_index_saves_its_tables_and_a_load_checks_them(tmp_path, monkeypatch):
    """Without removed rows the tables are saved too (the tail folded in first), so a load
    builds nothing; a table that names a row twice is refused even with a matching checksum."""
    monkeypatch.setattr(pdq_index, "TAIL_ROWS", 50)
    rng = random.Random(17)
    hashes, q = planted_bank(rng, 700)
    index = build(hashes)
    index.query(q, 31)
    index.add([IndexedHash(99_999, flip_bits(q, spread(31, rng)), 1, "tcap")])  # in the tail
    index.save(tmp_path / "snap")
    assert (tmp_path / "snap" / "table_cells.npy").exists()
    loaded = PdqIndex.load(tmp_path / "snap", PdqSignal).index
    assert loaded._tables is not None and loaded._tables.size == len(hashes) + 1
    assert answers(loaded, q, 31) == answers(index, q, 31)
    assert (99_999, 31) in answers(loaded, q, 31)
    cells = np.load(tmp_path / "snap" / "table_cells.npy")
    cells[3, 1:7:3] = cells[3, 1]  # two cells of table 3 name the same row
    cells[3, 2:8:3] = cells[3, 2]
    np.save(tmp_path / "snap" / "table_cells.npy", cells)
    header_file = tmp_path / "snap" / "header.json"
    header = json.loads(header_file.read_text())
    header["arrays"]["table_cells"]["crc32"] = pdq_index._crc32(cells)
    header_file.write_text(json.dumps(header))
    with pytest.raises(SnapshotError, match=r"table_cells\.npy: table 3 does not list"):
        PdqIndex.load(tmp_path / "snap", PdqSignal)


@pytest.fixture
def held_fold(monkeypatch):
    """Folds go to the worker thread at any size, and each waits until the test lets it go:
    what the index does while a fold is under way can be looked at."""
    import threading

    from tarazu.signals import mih

    monkeypatch.setattr(pdq_index, "BACKGROUND_FOLD_ROWS", 0)
    monkeypatch.setattr(pdq_index, "TAIL_ROWS", 50)
    gate = threading.Event()
    real = mih.ChunkTables.extended

    def held(self, words):
        assert gate.wait(10), "the test never let the fold go"
        return real(self, words)

    monkeypatch.setattr(mih.ChunkTables, "extended", held)
    return gate


def test_a_long_fold_runs_aside_while_adds_and_queries_go_on(held_fold):
    rng = random.Random(21)
    hashes, q = planted_bank(rng, 500)
    index = build(hashes)
    index.query(q, 31)  # builds the tables over the first rows
    first = index._tables.size
    more = {50_000 + i: rand_pdq(rng) for i in range(60)}
    index.add(IndexedHash(i, h, 1, "tcap") for i, h in more.items())  # starts a held fold
    assert index._fold is not None and index._tables.size == first  # add did not wait
    near = flip_bits(q, spread(25, rng))
    index.add([IndexedHash(60_000, near, 2, "new")])  # while the fold is held
    planted = [i for i, _ in brute_force(hashes, q, 31)]
    assert index.remove([planted[1], 50_003]) == 2
    live = {i: h for i, h in (hashes | more).items() if i not in (planted[1], 50_003)}
    live[60_000] = near
    assert answers(index, q, 31) == brute_force(live, q, 31)  # old tables and a long tail
    assert answers(index, near, 0) == [(60_000, 0)]
    held_fold.set()
    index.settle()
    assert index._fold is None and index._tables.size == first + 60  # the rows it was given
    assert answers(index, q, 31) == brute_force(live, q, 31)
    assert answers(index, more[50_007], 0) == [(50_007, 0)]
    assert index.remove([60_000]) == 1 and index.remove([60_000]) == 0  # still in the tail


def test_a_fold_overtaken_by_a_rebuild_is_dropped(held_fold):
    rng = random.Random(22)
    hashes, q = planted_bank(rng, 300)
    index = build(hashes)
    index.query(q, 31)
    more = {70_000 + i: rand_pdq(rng) for i in range(60)}
    index.add(IndexedHash(i, h, 1, "tcap") for i, h in more.items())
    assert index._fold is not None
    gone = list(hashes)[:100]  # past a tenth of the index: rebuilt without them at once
    assert index.remove(gone) == 100
    rebuilt = index._tables.size
    assert rebuilt == len(index)
    held_fold.set()
    index.settle()  # the fold over the old rows is stale: the rebuilt tables stay
    assert index._tables.size == rebuilt
    live = {i: h for i, h in (hashes | more).items() if i not in set(gone)}
    assert answers(index, q, 31) == brute_force(live, q, 31)
