import bisect
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tarazu.linkage.blocking import (
    AvatarPdqBlocker,
    Blocker,
    NameIndex,
    TextLSHIndex,
    TimeIndex,
    TokenIndex,
    blocking_recall,
)
from tarazu.linkage.profile import build_profile

from .conftest import AVATAR, AVATAR_NEAR, T0, acct, posts


def _removed(i: int, handle: str | None = None, removed=T0, **kw):
    return build_profile(acct(f"r{i}", handle or f"someone{i}", status="removed",
                              created=T0 - timedelta(days=100), removed=removed, **kw))


def test_name_index_add_remove():
    ix = NameIndex()
    target = _removed(1, handle="umar_media_official")
    ix.add(target)
    ix.add(_removed(2, handle="cat_pictures"))
    q = build_profile(acct("a", "Umar_Med1a"))
    assert ix.query(q) == {"r1"}
    ix.remove("r1", target)
    assert ix.query(q) == set()


def test_pdq_blocker_finds_near_avatar_and_forgets_withdrawn():
    ix = AvatarPdqBlocker()
    ix.add(_removed(1, avatar_pdq=AVATAR))
    ix.add(_removed(2, avatar_pdq="0" * 64))
    q = build_profile(acct("a", "x", avatar_pdq=AVATAR_NEAR))
    assert ix.query(q) == {"r1"}
    ix.remove("r1")
    assert ix.query(q) == set()


def _flip(hex_hash: str, bits) -> str:
    v = int(hex_hash, 16)
    for b in bits:
        v ^= 1 << b
    return f"{v:064x}"


def test_pdq_blocker_is_exact_to_its_maximum_distance():
    """Every removed account within 31 bits is a candidate, however the differing bits fall
    (one in each 16-bit chunk defeated the old sub-hash probe), and none beyond."""
    import random

    rng = random.Random(5)
    base = [f"{rng.getrandbits(256):064x}" for _ in range(40)]
    ix = AvatarPdqBlocker()
    for i, h in enumerate(base):
        ix.add(_removed(i, avatar_pdq=h))
    for trial in range(200):
        i = rng.randrange(len(base))
        k = rng.randint(0, 31)
        q = build_profile(acct("a", "x", avatar_pdq=_flip(base[i], rng.sample(range(256), k))))
        assert ix.query(q) == {f"r{i}"}, (trial, k)  # random hashes are ~128 bits apart
    q = build_profile(acct("a", "x", avatar_pdq=_flip(base[0], range(0, 256, 16))))
    assert ix.query(q) == {"r0"}
    q = build_profile(acct("a", "x", avatar_pdq=_flip(base[0], range(0, 256, 8))))
    assert ix.query(q) == set()  # 32 bits


def test_token_index_links_and_identifiers_but_not_ip_prefix():
    ix = TokenIndex()
    ix.add(_removed(1, links=("https://t.me/umarmedia",)))
    ix.add(_removed(2, identifiers={"device": "d1", "ip_prefix": "10.1"}))
    assert ix.query(build_profile(acct("a", "x", links=("telegram.me/UmarMedia",)))) == {"r1"}
    assert ix.query(build_profile(acct("b", "x", identifiers={"device": "d1"}))) == {"r2"}
    assert ix.query(build_profile(acct("c", "x", identifiers={"ip_prefix": "10.1"}))) == set()


def test_time_index_nearest_removals():
    ix = TimeIndex(nearest=2)
    for i, h in enumerate((1, 2, 50, 100)):
        ix.add(_removed(i, removed=T0 - timedelta(hours=h)))
    assert ix.query(build_profile(acct("a", "x", created=T0))) == {"r0", "r1"}
    ix.remove("r0")
    assert ix.query(build_profile(acct("a", "x", created=T0))) == {"r1", "r2"}


def _nearest_by_walking(times: list[tuple[float, str]], t: float, k: int) -> set[str]:
    """The time index's answer by its definition: walk out from the creation time one
    removal at a time, the earlier of two as close first (the loop the index used to run)."""
    i = bisect.bisect_left(times, (t, ""))
    lo, hi, out = i - 1, i, []
    while len(out) < k and (lo >= 0 or hi < len(times)):
        dl = t - times[lo][0] if lo >= 0 else float("inf")
        dh = times[hi][0] - t if hi < len(times) else float("inf")
        if dl <= dh:
            out.append(times[lo][1])
            lo -= 1
        else:
            out.append(times[hi][1])
            hi += 1
    return set(out)


@settings(max_examples=300, deadline=None)
@given(removals=st.lists(st.integers(0, 40), max_size=60), created=st.integers(-5, 45),
       nearest=st.integers(1, 12))
def test_time_index_answers_as_walking_out_one_removal_at_a_time(removals, created, nearest):
    """Read as two slices, the index proposes what walking out proposes, ties (equal times,
    equally far on both sides) included: hours are whole, so they tie often."""
    ix = TimeIndex(nearest=nearest)
    for i, h in enumerate(removals):
        ix.add_time(f"r{i:02d}", h * 3600.0)
    q = build_profile(acct("a", "x", created=datetime.fromtimestamp(created * 3600, UTC)))
    assert ix.query(q) == _nearest_by_walking(list(ix.times), created * 3600.0, nearest)


def test_time_index_takes_many_removals_at_once_as_one_by_one():
    """A restart's removals in one update: the same sorted removals as added one by one; an
    account held, or given twice, keeps its first time; none without a removal time."""
    removals = [_removed(i, removed=T0 - timedelta(hours=(i * 37) % 11)) for i in range(30)]
    removals += [_removed(3, removed=T0 + timedelta(days=9)), _removed(99, removed=None)]
    one, many = TimeIndex(nearest=5), TimeIndex(nearest=5)
    for p in removals[:4] + removals:
        one.add(p)
    many.add_many(removals[:4])
    many.add_many(removals)
    assert list(many.times) == list(one.times) and many.at == one.at
    assert "r99" not in many.at and many.at["r3"] == removals[3].removed_at.timestamp()


def test_text_lsh_finds_similar_vocabulary():
    ix = TextLSHIndex(threshold=0.3)
    words = "placeholder bulletin attributed waziristan khurasani spokesman mountains bajaur video"
    r = build_profile(acct("r1", "x", status="removed", removed=T0), posts("r1", [words], T0))
    other = build_profile(acct("r2", "y", status="removed", removed=T0),
                          posts("r2", ["recipes cooking kitchen baking bread butter flour"], T0))
    ix.add(r)
    ix.add(other)
    q = build_profile(acct("a", "z"), posts("a", [words + " tonight"], T0))
    assert "r1" in ix.query(q) and "r2" not in ix.query(q)
    ix.remove("r1")
    assert "r1" not in ix.query(q)


def test_blocking_recall_on_synthetic_mirrors():
    blocker = Blocker([NameIndex(), TimeIndex(nearest=3)])
    pairs = []
    for i in range(40):
        removed_at = T0 + timedelta(hours=5 * i)
        name = "".join(chr(97 + (i * 7 + k * k * 3 + k) % 26) for k in range(7))
        blocker.add(_removed(i, handle=f"{name}_media", removed=removed_at))
        a = build_profile(acct(f"a{i}", f"{name}_med1a_2",
                               created=removed_at + timedelta(minutes=30)))
        pairs.append((a, f"r{i}"))
    rec = {r.index: r for r in blocking_recall(blocker, pairs)}
    assert rec["union"].recall == 1.0
    assert rec["time"].recall == 1.0 and rec["time"].mean_candidates == 3
    assert rec["union"].mean_candidates < 10  # sub-linear: not all 40 removed accounts


def test_capped_candidates_keep_the_most_supported_then_the_nearest_in_time():
    from tarazu.linkage import LinkerConfig, MirrorLinker, load_model

    linker = MirrorLinker(load_model("default"), LinkerConfig(max_full=2, time_nearest=10))
    # r0: same avatar and the nearest removal; r1..r4: only near in time, further and further
    linker.add_removed(acct("r0", "someone0", status="removed", created=T0 - timedelta(days=99),
                            removed=T0 - timedelta(hours=5), avatar_pdq=AVATAR))
    for i, h in enumerate((1, 2, 3, 4), start=1):
        linker.add_removed(acct(f"r{i}", f"other{i}", status="removed",
                                created=T0 - timedelta(days=99), removed=T0 - timedelta(hours=h)))
    q = build_profile(acct("a", "x", created=T0, avatar_pdq=AVATAR_NEAR))
    assert [c.account_id for c in linker.candidates(q)] == ["r0", "r1"]
    uncapped = MirrorLinker(load_model("default"), LinkerConfig(time_nearest=10, max_full=None))
    for p in linker.removed.values():
        uncapped.add_removed_profile(p)
    assert len(uncapped.candidates(q)) == 5


def test_text_lsh_minhash_with_shared_permutations_equals_a_fresh_datasketch_minhash():
    import numpy as np
    from datasketch import MinHash

    ix = TextLSHIndex(num_perm=64, seed=7)
    for i, texts in enumerate((["umar media weekly broadcast from the valley"],
                               ["ناگہانی خبریں", "breaking news tonight"], ["x"])):
        p = build_profile(acct(f"m{i}", f"m{i}"), posts(f"m{i}", texts, T0))
        fresh = MinHash(num_perm=64, seed=7, hashfunc=int)
        fresh.update_batch(p.content_words.tolist())
        got = ix._minhash(p)
        if not p.content_words.size:
            assert got is None
        else:
            assert np.array_equal(got, fresh.hashvalues)


def test_name_index_weighs_whole_tokens_as_min_shared_and_grams_as_one():
    ix = NameIndex(min_shared=3)
    ix.add(build_profile(acct("r1", "sanjaymehta", status="removed", removed=T0)))
    ix.add(build_profile(acct("r2", "qqqwwweee", status="removed", removed=T0)))
    # "mehta" shared as a whole name token (weight 3) plus trigrams
    assert ix.query(build_profile(acct("a", "mehta_zz"))) == {"r1"}
    # two shared trigrams ("san", "anj") are below min_shared
    assert ix.query(build_profile(acct("b", "sanj"))) == set()


def test_most_supported_equals_sorting_every_candidate():
    import random

    from tarazu.linkage.linker import most_supported

    rng = random.Random(11)
    for trial in range(300):
        n = rng.randint(0, 80)
        votes = {f"id{rng.randint(0, 999):03d}": rng.randint(1, 4) for _ in range(n)}
        gaps = {i: rng.choice([float("inf"), rng.randint(0, 5) * 60.0]) for i in votes}
        cap = rng.choice([0, 1, 5, 30, 60, 100])
        expected = sorted(sorted(votes, key=lambda i: (-votes[i], gaps[i], i))[:cap])
        assert most_supported(votes, cap, gaps.__getitem__) == expected, trial


def test_token_and_name_indexes_remove_by_the_profile_added_and_keep_no_copy_of_its_tokens():
    """The postings hold each account's id under its tokens and nothing else: a withdrawal
    reads the tokens again from the profile it was added with."""
    names, tokens = NameIndex(), TokenIndex()
    r1 = _removed(1, handle="umar_media_official", links=("https://t.me/umarmedia",))
    r2 = _removed(2, handle="umar_media_backup", links=("https://t.me/umarmedia",))
    for ix in (names, tokens):
        ix.add(r1)
        ix.add(r2)
    q = build_profile(acct("a", "Umar_Med1a", links=("telegram.me/UmarMedia",)))
    assert names.query(q) == tokens.query(q) == {"r1", "r2"}
    assert not hasattr(names.p, "owned") and not hasattr(tokens.p, "owned")
    for ix in (names, tokens):
        with pytest.raises(ValueError):
            ix.remove("r1")  # without the profile it was added with
        ix.remove("r1", r1)
    assert names.query(q) == tokens.query(q) == {"r2"}
    names.remove("r2", r2)
    tokens.remove("r2", r2)
    assert not names.p and not tokens.p and names.size == 0


def test_a_withdrawn_account_leaves_nothing_in_the_linkers_token_indexes():
    from tarazu.linkage import LinkerConfig, MirrorLinker, load_model

    linker = MirrorLinker(load_model("default"), LinkerConfig())
    for i in range(5):
        linker.add_removed_profile(_removed(i, handle=f"umar_media_{i}",
                                            links=(f"https://t.me/umar{i % 2}",)))
    for i in range(5):
        linker.withdraw(f"r{i}")
    for ix in linker.blocker.indexes:
        if isinstance(ix, (NameIndex, TokenIndex)):
            assert not ix.p and ix.p.tokens_held() == 0
