"""The compact feature storage that keeps a million removed accounts in memory: char n-gram
rows as two arrays, hashed shingles and content words, PDQ on the banks' own index. Each
must give what the plain representation gave."""

from datetime import timedelta

import numpy as np
import pytest

from tarazu.linkage import profile
from tarazu.linkage.blocking import AvatarPdqBlocker
from tarazu.linkage.comparators import get_comparator
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.profile import (
    N_CHAR_FEATURES,
    RECENT,
    CharNgramHasher,
    CharVector,
    build_profile,
)

from .conftest import AVATAR, T0, TTP_TEXTS, acct, posts


def _random_vector(rng: np.random.Generator, n: int, width: int = 3000) -> CharVector:
    cols = np.sort(rng.choice(width, n, replace=False)).astype(np.int32)
    return CharVector(cols, rng.random(n).astype(np.float32) + 0.01)


def test_cosines_equal_dense_tfidf_cosine_including_empty_rows():
    rng = np.random.default_rng(3)
    corpus = Corpus()
    corpus._char_df = np.zeros(N_CHAR_FEATURES, dtype=np.int32)
    corpus._char_df[:3000] = rng.integers(0, 40, 3000)
    corpus._char_log_df = np.log1p(corpus._char_df).astype(np.float32)
    corpus._char_n = 50
    a = _random_vector(rng, 400)
    bs = [_random_vector(rng, int(k)) for k in rng.integers(1, 500, 30)]
    bs.insert(7, CharVector(np.zeros(0, np.int32), np.zeros(0, np.float32)))
    bs.append(CharVector(np.zeros(0, np.int32), np.zeros(0, np.float32)))  # empty at the end
    idf = corpus.char_idf()

    def dense(v: CharVector) -> np.ndarray:
        x = np.zeros(3000)
        x[v.indices] = v.data * idf[v.indices]
        return x

    ref = []
    for b in bs:
        db = dense(b)
        ref.append(0.0 if not b.nnz else dense(a) @ db / np.linalg.norm(dense(a)) /
                   np.linalg.norm(db))
    got = corpus.cosines(a, bs)
    assert got.shape == (len(bs),)
    assert np.allclose(got, ref, atol=1e-5)
    assert got[7] == 0.0 and got[-1] == 0.0


def test_identical_texts_have_cosine_one_and_rarity_changes_with_the_corpus():
    ps = posts("x", TTP_TEXTS[:3], T0)
    a = build_profile(acct("x", "x"), ps)
    b = build_profile(acct("y", "y", status="removed", removed=T0), posts("y", TTP_TEXTS[:3], T0))
    c = build_profile(acct("z", "z", status="removed", removed=T0),
                      posts("z", ["weather report for the valley, light rain"], T0))
    corpus = Corpus()
    for p in (a, b, c):
        corpus.add(p)
    sims = corpus.cosines(a.char_tf, [b.char_tf, c.char_tf])
    assert abs(sims[0] - 1.0) < 1e-5
    assert 0.0 <= sims[1] < 0.5


def test_char_idf_follows_additions_and_removals_as_a_full_recount_would():
    texts = [TTP_TEXTS[:2], TTP_TEXTS[1:4], ["weather report for the valley, light rain"]]
    profiles = [build_profile(acct(f"r{i}", "x", status="removed", removed=T0),
                              posts(f"r{i}", t, T0)) for i, t in enumerate(texts)]
    corpus = Corpus()
    for p in profiles:
        corpus.add(p)
    corpus.remove(profiles[0])

    def recount(live):
        df = np.zeros(N_CHAR_FEATURES)
        for p in live:
            df[p.char_tf.indices] += 1
        return np.log((len(live) + 1) / (df + 1)) + 1.0

    assert np.allclose(corpus.char_idf(), recount(profiles[1:]), atol=1e-5)
    cols = profiles[1].char_tf.indices
    assert np.allclose(corpus.char_idf(cols), recount(profiles[1:])[cols], atol=1e-5)


def test_recent_vector_is_the_same_object_unless_there_are_more_posts_than_recent():
    few = build_profile(acct("a", "a"), posts("a", TTP_TEXTS[:4], T0))
    assert few.recent_tf is few.char_tf
    texts = [f"[placeholder] bulletin number {i} about district {i % 7}" for i in range(RECENT)]
    texts = ["an early post about something else entirely, cricket scores", *texts]
    many = build_profile(acct("b", "b"), posts("b", texts, T0))
    assert many.recent_tf is not many.char_tf
    assert many.recent_tf.nnz < many.char_tf.nnz
    assert np.all(np.diff(many.char_tf.indices) > 0)  # sorted, unique columns


def test_shingles_and_content_words_are_sorted_hash_arrays_and_shared_phrases_count():
    a = build_profile(acct("a", "a"), posts("a", TTP_TEXTS[:3], T0))
    b = build_profile(acct("b", "b", status="removed", removed=T0), posts("b", TTP_TEXTS[:3], T0))
    empty = build_profile(acct("c", "c"))
    for arr in (a.shingles, a.content_words):
        assert arr.dtype == np.uint32 and arr.size and np.all(np.diff(arr.astype(np.int64)) > 0)
    assert empty.shingles.size == 0 and empty.content_words.size == 0
    corpus = Corpus()
    for p in (a, b, empty):
        corpus.add(p)
    phrases = get_comparator("shared_phrases")
    assert phrases.compare(a, b, corpus).label in ("many shared phrases", "several shared phrases")
    assert phrases.compare(a, empty, corpus).missing


def test_pdq_blocker_skips_an_invalid_hash_without_error():
    ix = AvatarPdqBlocker()
    bad = build_profile(acct("r1", "x", status="removed", removed=T0, avatar_pdq="zz" * 32))
    good = build_profile(acct("r2", "y", status="removed", removed=T0, avatar_pdq=AVATAR))
    ix.add(bad)
    ix.add(good)
    q = build_profile(acct("a", "q", created=T0 + timedelta(hours=1), avatar_pdq=AVATAR))
    assert ix.query(q) == {"r2"}
    assert ix.query(build_profile(acct("b", "q", avatar_pdq="not a hash"))) == set()
    ix.remove("r1")  # never indexed: nothing to do
    ix.remove("r2")
    assert ix.query(q) == set()


def test_pdq_blocker_forgets_withdrawals_at_once_and_compacts():
    ix = AvatarPdqBlocker()
    ids = [f"r{i}" for i in range(200)]
    for i, rid in enumerate(ids):
        h = f"{i:064x}"  # distinct hashes, all within a few bits of each other
        ix.add(build_profile(acct(rid, "x", status="removed", removed=T0, avatar_pdq=h)))
    q = build_profile(acct("a", "q", avatar_pdq=f"{0:064x}"))
    near = ix.query(q)
    assert "r0" in near and len(near) > 50
    for rid in ids[:70]:
        ix.remove(rid)
    assert not ix.query(q) & set(ids[:70])  # forgotten at once
    assert len(ix._index) == 130 and ix._index._n < 200  # dead rows dropped past a tenth
    assert ix.query(q) == near - set(ids[:70])


def test_remembered_cosines_equal_fresh_ones_and_follow_the_counts():
    rng = np.random.default_rng(5)
    texts = ["weather report for the valley, light rain", "umar media weekly broadcast"]
    profiles = [build_profile(acct(f"p{i}", f"p{i}", status="removed", removed=T0),
                              posts(f"p{i}", TTP_TEXTS[i % 3: i % 3 + 2] + texts[i % 2:], T0))
                for i in range(6)]
    corpus = Corpus()
    for p in profiles[:5]:
        corpus.add(p)
    a = profiles[0].char_tf
    bs = [p.char_tf for p in profiles[1:5]]
    first = corpus.cosines(a, bs)
    again = corpus.cosines(a, bs[::-1] + [_random_vector(rng, 50)])  # partly remembered
    assert np.array_equal(again[:4], first[::-1])
    assert np.array_equal(corpus._cosines(a, bs), first)  # as computed without the memory
    corpus.add(profiles[5])  # the counts change: nothing stale may come back
    after = corpus.cosines(a, bs)
    assert np.array_equal(after, corpus._cosines(a, bs))
    assert not np.array_equal(after, first)
    other = profiles[1].char_tf  # another active vector starts afresh
    assert np.array_equal(corpus.cosines(other, bs), corpus._cosines(other, bs))


def test_an_account_keeps_only_its_most_frequent_char_ngrams():
    hasher = CharNgramHasher()
    doc = "alpha " * 50 + " ".join(f"w{i}q{i * 7}z" for i in range(300))
    cols, counts = hasher.counts(doc)
    assert cols.shape[0] > 300
    kept = hasher.sublinear(doc, top=40)
    assert kept.nnz == 40
    assert np.all(np.diff(kept.indices) > 0)  # column order, as cosines expect
    # every n-gram left out is at most as frequent as the least frequent one kept
    by_col = dict(zip(cols.tolist(), counts.tolist(), strict=True))
    kept_counts = [by_col[c] for c in kept.indices.tolist()]
    dropped = [n for c, n in by_col.items() if c not in set(kept.indices.tolist())]
    assert max(dropped) <= min(kept_counts)
    assert np.allclose(kept.data, np.log1p(kept_counts))
    # the n-grams of "alpha", written fifty times, are among those kept
    alpha_cols, _ = hasher.counts("alpha")
    assert set(alpha_cols.tolist()) <= set(kept.indices.tolist())
    # no limit, or a limit above the count: everything
    full = hasher.sublinear(doc)
    assert full.nnz == cols.shape[0] == hasher.sublinear(doc, top=10_000).nnz


def test_social_graph_overlap_on_hashed_ids_equals_the_overlap_of_the_id_sets():
    rng = np.random.default_rng(3)
    comp = get_comparator("social_graph")
    for _ in range(50):
        ids = [f"acct{i}" for i in range(60)]
        fa = set(rng.choice(ids, rng.integers(0, 25), replace=False).tolist())
        fb = set(rng.choice(ids, rng.integers(0, 25), replace=False).tolist())
        ordered = sorted(fa)
        if rng.integers(0, 2):  # half of the time split between following and followers
            a = build_profile(acct("a", "a", following=tuple(ordered[::2]),
                                   followers=tuple(ordered[1::2])))
        else:
            a = build_profile(acct("a", "a", following=tuple(ordered)))
        b = build_profile(acct("b", "b", status="removed", removed=T0,
                               following=tuple(sorted(fb)), followers=()))
        r = comp.compare(a, b, Corpus())
        if not fa or not fb:
            assert r.level == -1  # missing, not "no overlap"
        else:
            assert r.raw == pytest.approx(len(fa & fb) / len(fa | fb))
    assert profile.id_hashes(["x", "x", "y"]).tolist() == sorted(profile.id_hashes(["y", "x"]))


def test_bio_overlap_on_hashed_words_equals_the_overlap_of_the_word_sets():
    comp = get_comparator("bio")
    a = build_profile(acct("a", "a", bio="Official channel of the media wing, news daily"))
    b = build_profile(acct("b", "b", status="removed", removed=T0,
                           bio="Media wing official news, every day"))
    wa = {"official", "channel", "of", "the", "media", "wing", "news", "daily"}
    wb = {"media", "wing", "official", "news", "every", "day"}
    r = comp.compare(a, b, Corpus())
    assert r.raw == pytest.approx(len(wa & wb) / len(wa | wb))
    assert comp.compare(a, build_profile(acct("c", "c")), Corpus()).level == -1  # no bio


def test_a_built_n_gram_vector_holds_narrow_counts_and_reads_the_same_weights():
    """The counts, in uint8 where they fit, stand for the float32 weights the vector held
    before: log1p of the same float32 counts, bit for bit, alone and concatenated."""
    texts = [*TTP_TEXTS, "la la la " * 400]  # one n-gram counted past 255: a wider type
    hasher = CharNgramHasher()
    vectors = []
    for i, text in enumerate(texts):
        p = build_profile(acct(f"r{i}", "x"), posts(f"r{i}", [text], T0))
        cols, n = hasher.counts(profile.strip_urls(text))
        keep = np.sort(np.lexsort((cols, -n))[: profile.CHAR_TOP])
        before = np.log1p(n[keep]).astype(np.float32)  # the weights as they were stored
        v = p.char_tf
        assert v is not None and v.counts is not None
        assert v.counts.dtype == (np.uint8 if n.max() < 256 else np.uint16)
        assert v.data.dtype == np.float32 and v.data.tobytes() == before.tobytes()
        assert np.array_equal(v.indices, cols[keep])
        vectors.append(v)
    both = profile.weights_of(vectors)
    assert both.tobytes() == np.concatenate([v.data for v in vectors]).tobytes()
    given = CharVector(vectors[0].indices, vectors[0].data.copy())  # weights given: kept
    assert given.counts is None and profile.weights_of([given, vectors[1]]).tobytes() == \
        np.concatenate([vectors[0].data, vectors[1].data]).tobytes()


def test_tokens_many_accounts_share_are_one_string_object_built_or_loaded(tmp_path):
    """Hashtags, pages, languages, name tokens and profile links shared by accounts are held
    once (interned), in built profiles and in profiles loaded from a snapshot."""
    from tarazu.linkage import LinkerConfig, MirrorLinker, load_model
    from tarazu.linkage.snapshot import load_snapshot, save_snapshot

    def one(i: int):
        # fresh strings per account, as parsed records bring them
        tag, page = "".join(["T", "TP"]), "".join(["Talk:", "Umar"])
        return build_profile(
            acct(f"r{i}", f"umar_media_{i}", status="removed", removed=T0,
                 links=("https://t.me/" + "umar",)),
            posts(f"r{i}", ["a post about the valley"], T0 - timedelta(days=1),
                  hashtags=("#" + tag,), context=page, lang="".join(["u", "r"])))

    def shared(a, b):
        def same(x, y):
            return [s for s in x if any(s is t for t in y)]
        return (same(a.hashtags, b.hashtags), same(a.contexts, b.contexts),
                same(a.langs, b.langs), same(a.name_tokens & b.name_tokens, b.name_tokens),
                same(a.link_keys, b.link_keys))

    a, b = one(1), one(2)
    assert all(shared(a, b))  # each kind: at least one token is one object in both
    linker = MirrorLinker(load_model("default"), LinkerConfig())
    linker.add_removed_profile(a)
    linker.add_removed_profile(b)
    save_snapshot(tmp_path / "ix.npz", linker, position=0)
    loaded = MirrorLinker(load_model("default"), LinkerConfig())
    load_snapshot(tmp_path / "ix.npz", loaded)
    la, lb = loaded.removed["r1"], loaded.removed["r2"]
    assert all(shared(la, lb)) and la.status is lb.status
