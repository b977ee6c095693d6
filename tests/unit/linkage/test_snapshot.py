"""The mirror index snapshot: a round trip gives the same index, a bad file is refused, and
the file holds plain arrays only (no pickle)."""

from __future__ import annotations

import zipfile
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

from bench.synthetic_accounts import Generator
from tarazu.linkage import LinkerConfig, MirrorLinker, load_model
from tarazu.linkage.blocking import TextLSHIndex
from tarazu.linkage.profile import (
    AccountProfile,
    CharVector,
    build_profiles,
    profiles_of_columns,
)
from tarazu.linkage.snapshot import (
    SnapshotUnusable,
    load_snapshot,
    read_header,
    save_snapshot,
    uncovered_fields,
)


@pytest.fixture(scope="module")
def world():
    gen = Generator(11)
    removed = list(gen.removed_set(150))
    new = gen.new_accounts(25, removed)
    profiles = build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed})
    return profiles, new


def _drawn(seed: int, removed: int, new: int) -> tuple[list, list]:
    """Synthetic removed accounts with their posts, and new accounts drawn from them."""
    gen = Generator(seed)
    held = list(gen.removed_set(removed))
    return held, gen.new_accounts(new, held)


def _profiles(accounts: list) -> list[AccountProfile]:
    return build_profiles([a for a, _ in accounts], {a.account_id: ps for a, ps in accounts})


def _default_linkers(n: int) -> tuple[MirrorLinker, ...]:
    return tuple(MirrorLinker(load_model("default"), LinkerConfig()) for _ in range(n))


def _linker(profiles, **config) -> MirrorLinker:
    lk = MirrorLinker(load_model("default"), LinkerConfig(**config))
    for p in profiles:
        lk.add_removed_profile(p)
    return lk


def _same_value(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype \
            and np.array_equal(a, b)
    if isinstance(a, CharVector) or isinstance(b, CharVector):
        return isinstance(a, CharVector) and isinstance(b, CharVector) \
            and _same_value(a.indices, b.indices) and _same_value(a.data, b.data) \
            and (a.counts is None) == (b.counts is None) \
            and (a.counts is None or _same_value(a.counts, b.counts))
    return type(a) is type(b) and a == b


def same_scores(want_from, got_from, new) -> int:
    """Assert that two scorers (linkers or detectors) give every new account the same
    results, explanations included; the number of accounts with a result."""
    scored = 0
    for acc, posts in new:
        want, got = want_from.score(acc, posts), got_from.score(acc, posts)
        assert [(r.removed_id, r.total, r.probability, r.signals) for r in got] == \
            [(r.removed_id, r.total, r.probability, r.signals) for r in want]
        scored += bool(want)
    return scored


def test_the_format_stores_every_profile_field():
    assert uncovered_fields() == []


def test_round_trip_keeps_every_field_and_every_score(world, tmp_path: Path):
    profiles, new = world
    fresh = _linker(profiles)
    path = tmp_path / "index.npz"
    save_snapshot(path, fresh, position=17, extra={"fingerprint": [f"fp-{i}" for i in
                                                                   range(len(profiles))]})
    loaded = MirrorLinker(load_model("default"), LinkerConfig())
    header, extra = load_snapshot(path, loaded)
    assert header.position == 17 and header.count == len(profiles)
    assert extra["fingerprint"] == [f"fp-{i}" for i in range(len(profiles))]
    assert list(loaded.removed) == list(fresh.removed)
    for pid, a in fresh.removed.items():
        b = loaded.removed[pid]
        for f in fields(AccountProfile):
            assert _same_value(getattr(a, f.name), getattr(b, f.name)), (pid, f.name)
        assert (b.recent_tf is b.char_tf) == (a.recent_tf is a.char_tf)
    assert same_scores(fresh, loaded, new) > 10  # the comparison compared something


def test_a_start_whose_postings_are_a_base_scores_as_one_by_one(world, tmp_path: Path,
                                                                monkeypatch):
    """A start takes the whole set in at once, which the name and token indexes hold as
    arrays (``linkage.postings``; at least ``BASE_MIN`` accounts, lowered here): the same
    scores as a linker given the accounts one by one, also after withdrawals and adds."""
    from tarazu.linkage import postings

    monkeypatch.setattr(postings, "BASE_MIN", 50)
    profiles, new = world
    path = tmp_path / "index.npz"
    save_snapshot(path, _linker(profiles), position=1)
    loaded = MirrorLinker(load_model("default"), LinkerConfig())
    load_snapshot(path, loaded)
    assert all(ix.p.post == {} and ix.p._keys.size for ix in _postings_of(loaded))
    _scores_as_one_by_one_through_changes(loaded, profiles, new)


def test_a_build_in_pieces_compacted_scores_as_one_by_one(world):
    """A build from the store takes the set a piece at a time (the recent part) and ends by
    folding it into the arrays (``MirrorLinker.compact``): the same scores as one by one,
    also after withdrawals and adds."""
    profiles, new = world
    built = MirrorLinker(load_model("default"), LinkerConfig())
    for at in range(0, len(profiles), 40):
        built.add_removed_profiles(profiles[at:at + 40])
    assert all(ix.p.post and not ix.p._keys.size for ix in _postings_of(built))
    built.compact()
    assert all(ix.p.post == {} and ix.p._keys.size for ix in _postings_of(built))
    _scores_as_one_by_one_through_changes(built, profiles, new)


def test_a_bulk_build_gathers_its_pieces_and_scores_as_one_by_one(world):
    """Within ``MirrorLinker.bulk`` the name and token indexes gather the pieces as arrays,
    not in their dicts, and fold them once at its end: the same scores as one by one,
    also after withdrawals and adds."""
    profiles, new = world
    built = MirrorLinker(load_model("default"), LinkerConfig())
    with built.bulk():
        for at in range(0, len(profiles), 40):
            built.add_removed_profiles(profiles[at:at + 40])
            assert all(ix.p.post == {} for ix in _postings_of(built))
    assert all(ix.p.post == {} and ix.p._keys.size and not ix.p.gathering
               for ix in _postings_of(built))
    _scores_as_one_by_one_through_changes(built, profiles, new)


def _postings_of(linker: MirrorLinker) -> list:
    from tarazu.linkage.blocking import NameIndex, TokenIndex

    found = [ix for ix in linker.blocker.indexes if isinstance(ix, (NameIndex, TokenIndex))]
    assert len(found) == 2
    return found


def _scores_as_one_by_one_through_changes(linker: MirrorLinker, profiles, new) -> None:
    """``linker`` (holding ``profiles``) scores ``new`` as a linker given them one by one,
    and still does after both withdraw some and take some back; their postings count the
    same tokens."""
    one = _linker(profiles)
    assert same_scores(one, linker, new) > 10
    for p in profiles[:40:3]:
        one.withdraw(p.account_id)
        linker.withdraw(p.account_id)
    for p in profiles[:40:6]:  # back again, now in the recent part
        one.add_removed_profile(p)
        linker.add_removed_profile(p)
    assert same_scores(one, linker, new) > 10
    for ix, jx in zip(_postings_of(linker), _postings_of(one), strict=True):
        assert ix.p.tokens_held() == jx.p.tokens_held()


def test_n_gram_counts_come_back_each_in_its_own_narrow_type(world, tmp_path: Path):
    """A start narrows a column of counts at once: each vector must still hold its counts
    in the type a build gives it (one large count widens its vector, not its neighbours)."""
    profiles, _ = world
    big = {3: 300, 7: 70_000}  # a uint16 and a uint32 vector among uint8 ones
    changed = []
    for k, p in enumerate(profiles[:10]):
        v = p.char_tf
        counts = v.counts.astype(np.uint32)
        if k in big and counts.size:
            counts[0] = big[k]
        changed.append(replace(p, char_tf=CharVector.of_counts(v.indices, counts)))
    path = tmp_path / "index.npz"
    save_snapshot(path, _linker(changed), position=0)
    loaded = MirrorLinker(load_model("default"), LinkerConfig())
    load_snapshot(path, loaded)
    for p in changed:
        got = loaded.removed[p.account_id].char_tf
        assert got.counts.dtype == p.char_tf.counts.dtype, p.account_id
        assert np.array_equal(got.counts, p.char_tf.counts)
    assert {p.char_tf.counts.dtype for p in changed} == {np.dtype(t) for t in
                                                         (np.uint8, np.uint16, np.uint32)}


def test_profiles_filled_by_columns_refuse_a_missing_or_short_column(world):
    profiles, _ = world
    cols = {f.name: [getattr(p, f.name) for p in profiles[:3]] for f in fields(AccountProfile)}
    built = profiles_of_columns(cols, 3)
    assert all(_same_value(getattr(b, f.name), getattr(p, f.name))
               for b, p in zip(built, profiles, strict=False) for f in fields(AccountProfile))
    with pytest.raises(ValueError, match="missing \\['bio'\\]"):
        profiles_of_columns({k: v for k, v in cols.items() if k != "bio"}, 3)
    with pytest.raises(ValueError, match="unequal"):
        profiles_of_columns({**cols, "bio": cols["bio"][:2]}, 3)
    # filling the slots skips __init__: right only while __init__ only sets the fields
    assert not hasattr(AccountProfile, "__post_init__")


def test_a_withdrawal_after_loading_is_honoured(world, tmp_path: Path):
    profiles, new = world
    path = tmp_path / "index.npz"
    save_snapshot(path, _linker(profiles), position=3)
    loaded = MirrorLinker(load_model("default"), LinkerConfig())
    load_snapshot(path, loaded)
    acc, posts = next((a, ps) for a, ps in new if loaded.score(a, ps))
    top = loaded.score(acc, posts)[0].removed_id
    loaded.withdraw(top)
    assert top not in {r.removed_id for r in loaded.score(acc, posts, top_k=50)}


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "one byte changed"])
def test_a_damaged_file_is_refused_before_the_linker_changes(world, tmp_path: Path, damage):
    profiles, _ = world
    path = tmp_path / "index.npz"
    save_snapshot(path, _linker(profiles[:30]), position=1)
    data = path.read_bytes()
    changed = bytearray(data)
    changed[len(data) // 2] ^= 0x01  # inside a column (the file is nearly all columns)
    path.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"\x93NUMPY" + bytes(500),
                      "empty": b"", "one byte changed": bytes(changed)}[damage])
    target = MirrorLinker(load_model("default"), LinkerConfig())
    with pytest.raises(SnapshotUnusable, match="unreadable|corrupt"):
        load_snapshot(path, target)
    assert not target.removed


def test_a_column_cut_short_is_refused(world, tmp_path: Path):
    profiles, _ = world
    path = tmp_path / "index.npz"
    save_snapshot(path, _linker(profiles[:30]), position=1)
    with np.load(path, allow_pickle=False) as z:
        cols = {k: z[k] for k in z.files}
    cols["n_posts"] = cols["n_posts"][:-1]
    np.savez(path.with_suffix(""), **cols)  # writes index.npz again
    with pytest.raises(SnapshotUnusable, match="corrupt"):
        load_snapshot(path, MirrorLinker(load_model("default"), LinkerConfig()))


def test_a_snapshot_of_another_configuration_or_model_is_refused(world, tmp_path: Path):
    profiles, _ = world
    path = tmp_path / "index.npz"
    save_snapshot(path, _linker(profiles[:30]), position=1)
    with pytest.raises(SnapshotUnusable, match="another model or linker configuration"):
        load_snapshot(path, MirrorLinker(load_model("default"), LinkerConfig(lsh_threshold=0.3)))
    model = load_model("default")
    other = replace(model, prior=model.prior / 2)
    with pytest.raises(SnapshotUnusable, match="another model"):
        load_snapshot(path, MirrorLinker(other, LinkerConfig()))
    with pytest.raises(SnapshotUnusable, match="no snapshot"):
        load_snapshot(tmp_path / "none.npz", MirrorLinker(model, LinkerConfig()))


def _same_counts(a, b) -> bool:
    """Two ``CorpusCounts`` hold the same counts."""
    return (a.n, a.char_n, a.members, a.df) == (b.n, b.char_n, b.members, b.df) \
        and all(np.array_equal(x, y) for x, y in zip((*a.shingles, *a.traces),
                                                     (*b.shingles, *b.traces), strict=True)) \
        and (a.char_df is None) == (b.char_df is None) \
        and (a.char_df is None or np.array_equal(a.char_df, b.char_df))


def _rewritten(path: Path, change) -> None:
    """Rewrite the snapshot at ``path`` with ``change`` applied to its columns."""
    with np.load(path, allow_pickle=False) as z:
        cols = {k: z[k] for k in z.files}
    change(cols)
    np.savez(path.with_suffix(""), **cols)


def test_a_start_takes_the_rarity_counts_as_they_were_saved(world, tmp_path: Path):
    """The counts come from the file, not from counting the profiles again: active accounts
    observed before the save (which no removed profile holds) are still counted, and a
    withdrawal's counts stay taken off."""
    profiles, new = world
    saved = _linker(profiles)
    saved.withdraw(profiles[0].account_id)
    saved.observe_many(_profiles(new))
    path = tmp_path / "index.npz"
    save_snapshot(path, saved, position=2)
    loaded = MirrorLinker(load_model("default"), LinkerConfig())
    load_snapshot(path, loaded)
    assert loaded.corpus.n == len(profiles) - 1 + len(new)
    assert _same_counts(loaded.corpus.counted(), saved.corpus.counted())
    assert same_scores(saved, loaded, new) > 10


def test_counts_a_version_counted_otherwise_are_counted_again(world, tmp_path: Path):
    """Stored counts that lack what the profiles would count (a version that hashed traces
    otherwise wrote them) are not trusted: the start counts the profiles, as one without
    stored counts (an older writer's file) does."""
    profiles, new = world

    def other_traces(cols):
        cols["counts.traces.keys"] = np.sort(cols["counts.traces.keys"] ^ np.uint64(1))

    for change in (other_traces, lambda cols: [cols.pop(k) for k in list(cols)
                                               if k.startswith("counts.")]):
        fresh = _linker(profiles)  # a score records successors: a linker for each
        path = tmp_path / "index.npz"
        save_snapshot(path, fresh, position=2)
        _rewritten(path, change)
        loaded = MirrorLinker(load_model("default"), LinkerConfig())
        load_snapshot(path, loaded)
        assert _same_counts(loaded.corpus.counted(), fresh.corpus.counted())
        assert same_scores(fresh, loaded, new) > 10


def test_counts_out_of_order_are_refused_before_the_linker_changes(world, tmp_path: Path):
    profiles, _ = world
    path = tmp_path / "index.npz"
    save_snapshot(path, _linker(profiles[:30]), position=1)
    _rewritten(path, lambda cols: cols.update(
        {"counts.shingles.n": np.zeros_like(cols["counts.shingles.n"])}))
    target = MirrorLinker(load_model("default"), LinkerConfig())
    with pytest.raises(SnapshotUnusable, match="corrupt.*count not positive"):
        load_snapshot(path, target)
    assert not target.removed and target.corpus.n == 0


def test_the_snapshot_holds_plain_arrays_only(world, tmp_path: Path):
    profiles, _ = world
    path = tmp_path / "index.npz"
    save_snapshot(path, _linker(profiles), position=5)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert names and all(n.endswith(".npy") for n in names)
        for n in names:
            with z.open(n) as f:
                version = np.lib.format.read_magic(f)
                read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                        else np.lib.format.read_array_header_2_0)
                _, _, dtype = read(f)
                assert not dtype.hasobject, n
    assert b"\x80\x04\x95" not in path.read_bytes()  # no pickle protocol-4 frame anywhere
    assert read_header(path)["position"] == 5
    assert path.stat().st_mode & 0o777 == 0o600  # personal data: the owner's alone


def test_many_accounts_taken_in_together_index_as_one_by_one():
    """A restart takes the removed set in at once (the picture and text indexes in one call
    each): the same candidates and scores as adding the accounts one by one, and a repeat
    still replaces."""
    removed, new = _drawn(3, 300, 40)
    profiles = _profiles(removed)
    one, many = _default_linkers(2)
    for p in profiles:
        one.add_removed_profile(p)
    text = next(ix for ix in many.blocker.indexes if isinstance(ix, TextLSHIndex))
    for at in (0, 140):  # pieces, as a batch's workers hand them over
        many.add_removed_profiles(profiles[at:at + 140])
        assert not text.lsh._pending  # each merged at once, not buffered one by one
    many.add_removed_profiles(profiles[280:])  # a few: buffered, as one by one
    assert text.lsh._pending
    many.add_removed_profiles(profiles[:5])  # held already: replaced one by one
    assert set(many.removed) == set(one.removed)
    pictures = [p for p in profiles if p.avatar_pdq or p.media_pdq]
    assert pictures
    for a, ps in new:
        got, want = many.score(a, ps), one.score(a, ps)
        assert [(r.removed_id, r.total) for r in got] == [(r.removed_id, r.total) for r in want]


def test_observing_a_batch_of_active_accounts_at_once_counts_as_one_by_one():
    """A batch's active accounts are observed together (``MirrorLinker.load``): the rarity
    counts of observing them one by one, none of them a candidate."""
    from tarazu.linkage.profile import sign_up_traces

    _, new = _drawn(4, 30, 200)
    actives = _profiles(new)
    one, many = _default_linkers(2)
    for p in actives:
        one.observe(p)
    many.observe_many(actives)
    many.observe_many(actives[:80])  # seen already: not counted twice
    assert many.corpus.n == one.corpus.n == len(actives) and not many.removed
    traces = np.unique(np.concatenate([sign_up_traces(p) for p in actives]))
    assert np.array_equal(many.corpus.trace_counts(traces), one.corpus.trace_counts(traces))
    assert dict(many.corpus.df["hashtags"]) == dict(one.corpus.df["hashtags"])


def test_counting_many_accounts_at_once_gives_the_counts_of_one_by_one():
    """The rarity counts of a restart (every removed account at once, in pieces) are those
    of adding the accounts one by one, and a repeat is not counted twice."""
    from bench.synthetic_accounts import Generator
    from tarazu.linkage.corpus import KINDS, Corpus
    from tarazu.linkage.profile import sign_up_traces

    gen = Generator(9)
    removed = list(gen.removed_set(400))
    profiles = build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed})
    one, many = Corpus(), Corpus()
    for p in profiles:
        one.add(p)
    many.add_many(profiles[:10])  # few: one by one
    many.add_many(profiles, piece=37)  # the first ten again: not counted twice
    assert many.n == one.n == len(profiles) and many.texts == one.texts
    for kind in KINDS:
        assert dict(many.df[kind]) == dict(one.df[kind])
    assert one.df["hashtags"] and one.df["contexts"]
    shingles = np.unique(np.concatenate([p.shingles for p in profiles]))
    assert np.array_equal(many.shingle_df.counts(shingles), one.shingle_df.counts(shingles))
    traces = np.unique(np.concatenate([sign_up_traces(p) for p in profiles]
                                      + [p.connections for p in profiles]
                                      + [p.voice for p in profiles]))
    assert traces.size and np.array_equal(many.trace_counts(traces), one.trace_counts(traces))
    assert np.array_equal(many._char_df, one._char_df)
    assert np.array_equal(many._char_log_df, one._char_log_df)
    for p in profiles[:50]:  # and withdrawals after take the same counts off
        one.remove(p)
        many.remove(p)
    assert dict(many.df["hashtags"]) == dict(one.df["hashtags"])
    assert np.array_equal(many.shingle_df.counts(shingles), one.shingle_df.counts(shingles))


def test_counts_taken_are_not_changed_by_what_is_counted_after(world):
    """A snapshot writes ``counted()`` while the worker goes on: later adds and withdrawals
    change the corpus, not the counts taken (the hash counts are shared, not copied)."""
    profiles, new = world
    lk = _linker(profiles[:100])
    taken = lk.corpus.counted()
    before = _linker(profiles[:100]).corpus.counted()
    for p in profiles[100:]:
        lk.add_removed_profile(p)
    lk.observe_many(_profiles(new))
    for p in profiles[:20]:
        lk.withdraw(p.account_id)
    assert _same_counts(taken, before)
    assert not _same_counts(lk.corpus.counted(), before)


def _cycles_of_a_start(path: Path) -> int:
    """The objects a start from ``path`` leaves only the cyclic collector could free."""
    import gc

    linker = _default_linkers(1)[0]
    gc.collect()
    gc.disable()
    try:
        load_snapshot(path, linker)
        return gc.collect()
    finally:
        gc.enable()


def test_a_start_makes_no_cycles_that_grow_with_the_accounts(tmp_path: Path):
    """What lets a start freeze what it made without a collector's pass over it
    (``bulk_build(collect=False)``): its cycles are the same few whatever the size."""
    small, large = _drawn(5, 40, 0)[0], _drawn(6, 400, 0)[0]
    counts = []
    for name, held in (("small", small), ("large", large)):
        path = tmp_path / f"{name}.npz"
        save_snapshot(path, _linker(_profiles(held)), position=0)
        _cycles_of_a_start(path)  # the first start loads what any first call does
        counts.append(_cycles_of_a_start(path))
    assert abs(counts[1] - counts[0]) < (len(large) - len(small)) / 20, counts
