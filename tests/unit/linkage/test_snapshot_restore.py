"""A start from a snapshot restores the linker's columns, the text index's band tables and the
picture index's hashes instead of deriving them: it scores every new account as a linker
that derived them, takes what a damaged or inconsistent file stores for them only after a
check and derives it again when the check fails, and still reads a file of the format
before (which stores none of them)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bench.synthetic_accounts import Generator
from tarazu.linkage import LinkerConfig, MirrorLinker, load_model
from tarazu.linkage.profile import bio_terms, build_profiles
from tarazu.linkage.snapshot import (
    FORMAT,
    SnapshotUnusable,
    linker_fingerprint,
    load_snapshot,
    save_snapshot,
)
from tarazu.linkage.snapshot_codec import get_arrays, get_strings, put_arrays
from tarazu.linkage.snapshot_restore import (
    columns_agree,
    picture_index,
    restored,
    sampled,
    text_index,
)
from tarazu.linkage.text import stable_hash, words
from tests.unit.linkage.test_snapshot import same_scores

Cols = dict[str, np.ndarray]


@pytest.fixture(scope="module")
def world():
    """A linker whose rows were recycled (a ninth withdrawn, half of them added again), as a
    worker's is when it writes a snapshot, and new accounts drawn from its removed set."""
    gen = Generator(21)
    removed = list(gen.removed_set(160))
    new = gen.new_accounts(30, removed)
    return removed, new


def _live(removed) -> MirrorLinker:
    lk = MirrorLinker(load_model("default"), LinkerConfig())
    lk.add_removed_profiles(build_profiles([a for a, _ in removed],
                                           {a.account_id: ps for a, ps in removed}))
    for a, _ in removed[::9]:
        lk.withdraw(a.account_id)
    for a, ps in removed[::18]:
        lk.add_removed(a, ps)
    return lk


def _derived(live: MirrorLinker) -> MirrorLinker:
    """A linker that derived everything from the live linker's profiles, in its order."""
    lk = MirrorLinker(load_model("default"), LinkerConfig())
    lk.add_removed_profiles(list(live.removed.values()))
    return lk


def _columns(path: Path) -> Cols:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _rewrite(path: Path, cols: Cols) -> None:
    np.savez(path.with_suffix(""), **cols)  # writes <name>.npz again


def _loaded(path: Path) -> MirrorLinker:
    lk = MirrorLinker(load_model("default"), LinkerConfig())
    load_snapshot(path, lk)
    return lk


def _what_is_restored(path: Path) -> dict[str, bool]:
    """Which of the three structures a start from ``path`` takes from the file."""
    from tarazu.linkage.snapshot import _decode

    cols = _columns(path)
    lk = MirrorLinker(load_model("default"), LinkerConfig())
    header = json.loads(cols.pop("header").tobytes())
    taken = restored(cols, lk, _decode(cols, header["count"]), get_arrays(cols, "text_signature"))
    return {"columns": taken.columns is not None, "text": taken.text_bands is not None,
            "pictures": taken.pictures is not None}


def assert_same_index(got: MirrorLinker, want: MirrorLinker) -> None:
    """The same accounts, the same columns (every packed column and the name hashes), and the
    text and picture indexes proposing the same candidates for every held account."""
    ids = list(want.removed)
    assert list(got.removed) == ids
    assert columns_agree(want.columns, got.columns, ids)
    text_got, text_want = text_index(got), text_index(want)
    pics_got, pics_want = picture_index(got), picture_index(want)
    assert text_got is not None and text_want is not None
    assert pics_got is not None and pics_want is not None
    pictured = 0
    for p in want.removed.values():
        assert text_got.ranked(p) == text_want.ranked(p)
        assert pics_got.query(p) == pics_want.query(p)
        pictured += bool(pics_want.query(p))
    assert pictured > 10  # the picture index proposed something


def assert_same_scores(got: MirrorLinker, want: MirrorLinker, new) -> None:
    assert same_scores(want, got, new) > 10


def test_a_start_restores_what_it_stored_and_scores_as_a_derived_linker(world, tmp_path):
    removed, new = world
    live = _live(removed)
    path = tmp_path / "index.npz"
    save_snapshot(path, live, position=4)
    assert _what_is_restored(path) == {"columns": True, "text": True, "pictures": True}
    loaded, derived = _loaded(path), _derived(live)
    assert_same_index(loaded, derived)
    assert_same_scores(loaded, derived, new)
    assert_same_scores(_loaded(path), live, new)  # and as the linker it was written from
    # the restored index goes on as a derived one: adds and withdrawals after the start
    for lk in (loaded, derived):
        for a, _ in removed[1::7]:
            lk.withdraw(a.account_id)
        for a, ps in removed[1::14]:
            lk.add_removed(a, ps)
    assert_same_index(loaded, derived)
    assert_same_scores(loaded, derived, new)


def _add_one(name: str) -> Callable[[Cols], None]:
    def change(cols: Cols) -> None:
        cols[name] = cols[name].copy()
        cols[name][0] += 1  # the first account: always among the sampled ones
    return change


def _cut_short(name: str) -> Callable[[Cols], None]:
    return lambda cols: cols.update({name: cols[name][:-1]})


def _swap_first_two(name: str) -> Callable[[Cols], None]:
    def change(cols: Cols) -> None:
        cols[name] = cols[name].copy()
        cols[name][[0, 1]] = cols[name][[1, 0]]
    return change


def _language_out_of_range(cols: Cols) -> None:
    cols["columns.lang_top"] = cols["columns.lang_top"].copy()
    cols["columns.lang_top"][3] = 10_000


def _first_name_renamed(cols: Cols) -> None:
    keys = cols["columns.strings.name_keys.bytes"].copy()
    keys[0] = ord("z") if keys[0] != ord("z") else ord("y")
    cols["columns.strings.name_keys.bytes"] = keys


#: (what is damaged, the change, the structure that must be derived again)
DAMAGE = [
    ("a column's value", _add_one("columns.n_posts"), "columns"),
    ("a column's type", lambda cols: cols.update(
        {"columns.n_posts": cols["columns.n_posts"].astype(np.int32)}), "columns"),
    ("a column cut short", _cut_short("columns.removed_us"), "columns"),
    ("a ragged column's length", _add_one("columns.pauses_of.length"), "columns"),
    ("a language id out of range", _language_out_of_range, "columns"),
    ("a normalised name", _first_name_renamed, "columns"),
    ("a band key", lambda cols: _rekey(cols), "text"),
    ("band keys out of order", _swap_first_two("text.keys"), "text"),
    ("band slots cut short", _cut_short("text.slots"), "text"),
    ("a slot's band moved to another slot", lambda cols: _reslot(cols), "text"),
    ("a picture hash", lambda cols: _repicture(cols), "pictures"),
    ("picture counts that do not add up", _add_one("pictures.counts"), "pictures"),
]


def _rekey(cols: Cols) -> None:
    """The first account's first band under its neighbour's key: the keys still in order
    (so the order check alone passes it)."""
    keys = cols["text.keys"].copy()
    at = int(np.flatnonzero(cols["text.slots"] == 0)[0])
    other = np.flatnonzero(keys != keys[at])
    keys[at] = keys[other[np.argmin(np.abs(other - at))]]
    cols["text.keys"] = keys


def _reslot(cols: Cols) -> None:
    """The first account's first band said to be another account's: each slot still
    counted once a band but for the two swapped (so the counts check alone passes it)."""
    slots = cols["text.slots"].copy()
    a = int(np.flatnonzero(slots == 0)[0])
    b = int(np.flatnonzero(slots == 1)[0])
    slots[a], slots[b] = 1, 0
    cols["text.slots"] = slots


def _repicture(cols: Cols) -> None:
    """A bit flipped in the first hash of the first pictured account the check samples."""
    counts = cols["pictures.counts"]
    first = next(i for i in sampled(range(len(counts))) if counts[i])
    words = cols["pictures.words"].copy()
    words[int(counts[:first].sum()), 0] ^= np.uint64(1)
    cols["pictures.words"] = words


@pytest.mark.parametrize(("what", "change", "part"), DAMAGE, ids=[d[0] for d in DAMAGE])
def test_a_damaged_or_inconsistent_structure_is_derived_again(world, tmp_path, what, change,
                                                              part):
    removed, new = world
    live = _live(removed)
    path = tmp_path / "index.npz"
    save_snapshot(path, live, position=4)
    cols = _columns(path)
    change(cols)
    _rewrite(path, cols)
    restored_now = _what_is_restored(path)
    assert restored_now == {"columns": True, "text": True, "pictures": True} | {part: False}
    loaded, derived = _loaded(path), _derived(live)
    assert_same_index(loaded, derived)
    assert_same_scores(loaded, derived, new)


def test_text_signatures_hashed_otherwise_are_computed_again(world, tmp_path):
    """Stored signatures that are not the accounts' own (a version that hashed otherwise)
    are not used to build the text index where its tables are not restored."""
    removed, new = world
    live = _live(removed)
    path = tmp_path / "index.npz"
    save_snapshot(path, live, position=4)
    cols = _columns(path)
    cols["text_signature.values"] = cols["text_signature.values"] ^ np.uint64(1)
    del cols["text.keys"], cols["text.slots"]
    _rewrite(path, cols)
    loaded, derived = _loaded(path), _derived(live)
    assert_same_index(loaded, derived)
    assert_same_scores(loaded, derived, new)


def test_a_snapshot_of_the_format_before_still_loads(world, tmp_path):
    """A file written before the columns and tables were stored (format 4: the profiles,
    signatures and counts) is read, and what it lacks derived; a format before that is
    refused, as it was."""
    removed, new = world
    live = _live(removed)
    path = tmp_path / "index.npz"
    save_snapshot(path, live, position=4)
    cols = _columns(path)
    for k in [k for k in cols if k.split(".")[0] in ("columns", "text", "pictures")]:
        del cols[k]
    old = "tarazu-mirror-index/4"
    assert old != FORMAT
    header = json.loads(cols["header"].tobytes())
    header |= {"format": old, "fingerprint": linker_fingerprint(live, old)}
    cols["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    _rewrite(path, cols)
    assert _what_is_restored(path) == {"columns": False, "text": False, "pictures": False}
    loaded, derived = _loaded(path), _derived(live)
    assert_same_index(loaded, derived)
    assert_same_scores(loaded, derived, new)
    header |= {"format": "tarazu-mirror-index/3",
               "fingerprint": linker_fingerprint(live, "tarazu-mirror-index/3")}
    cols["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    _rewrite(path, cols)
    with pytest.raises(SnapshotUnusable, match="has format 'tarazu-mirror-index/3'"):
        _loaded(path)


def test_a_snapshot_whose_bio_words_are_hashed_otherwise_loads_them_derived(world, tmp_path):
    """Format 5 held a bio's words as another hash (CRC-32) than the rarity counts' traces;
    such a file loads with the bio words derived from the bio, and scores as a linker built
    from the profiles does."""
    removed, new = world
    live = _live(removed)
    path = tmp_path / "index.npz"
    save_snapshot(path, live, position=4)
    cols = _columns(path)
    bios = get_strings(cols, "bio")
    assert sum(map(bool, bios)) > len(bios) // 2
    put_arrays(cols, "bio_words", [np.array(sorted({stable_hash(w) for w in words(b)}),
                                            dtype=np.uint32) for b in bios],
               np.dtype(np.uint32))
    old = "tarazu-mirror-index/5"
    header = json.loads(cols["header"].tobytes())
    header |= {"format": old, "fingerprint": linker_fingerprint(live, old)}
    cols["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    _rewrite(path, cols)
    loaded, derived = _loaded(path), _derived(live)
    assert all(np.array_equal(p.bio_words, bio_terms(p.bio)) for p in loaded.removed.values())
    assert_same_index(loaded, derived)
    assert_same_scores(loaded, derived, new)


def test_the_sample_spreads_over_all_accounts_and_takes_the_last():
    assert sampled([]) == []
    assert sampled(range(5)) == [0, 1, 2, 3, 4]
    picked = sampled(range(1000))
    assert picked[0] == 0 and picked[-1] == 999 and 32 <= len(picked) <= 34
