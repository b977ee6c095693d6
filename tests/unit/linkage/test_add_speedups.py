"""Taking a removed account in was made cheaper by compiled passes, tables and shortcuts in
place of many small Python and numpy calls. Each must give exactly what it replaced — the
profile is rebuilt from the records and the counts decide answers — so each is held here to
the plain definition it replaced, on arbitrary inputs."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from tarazu.domain.platform import Post
from tarazu.linkage import profile
from tarazu.linkage.blocking import TextLSHIndex
from tarazu.linkage.columnar.kernels import affine32_minhash, value_counts
from tarazu.linkage.counts import Changes, HashCounts, sorted_distinct
from tarazu.linkage.handles import name_tokens
from tarazu.linkage.profile import (
    CharNgramHasher,
    build_profile,
    median_pause,
    text_counts,
    voice_hashes,
)
from tarazu.linkage.text import (
    function_word_counts,
    stable_hash,
    strip_urls,
    word_hashes,
    words,
)

from .conftest import T0, acct, posts

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120)
#: white space of every kind str.split cuts at, between words
SPACED = st.lists(st.text(alphabet="aéЖ \t\n\x1c\x85\xa0 　​", max_size=8),
                  max_size=10).map("".join)
#: few letters, so that n-grams, words and tokens recur and counts tie
SMALL_TEXT = st.text(alphabet="ab AB1!?🙂é\u0416\u0628", max_size=200)


def _sorted_top(doc: str, top: int | None) -> tuple[list[int], list[float]]:
    """The definition: the columns of ``counts`` and, of more than ``top``, the first in the
    order (-count, column), back in column order."""
    cols, n = CharNgramHasher().counts(doc)
    if top is not None and n.shape[0] > top:
        keep = np.sort(np.lexsort((cols, -n))[:top])
        cols, n = cols[keep], n[keep]
    return cols.tolist(), n.tolist()


@settings(max_examples=300, deadline=None)
@given(TEXT | SMALL_TEXT | SPACED, st.one_of(st.none(), st.integers(0, 40)))
def test_sublinear_keeps_the_top_columns_of_the_sort(doc, top):
    v = CharNgramHasher().sublinear(doc, top)
    cols, n = _sorted_top(doc, top)
    assert v.indices.dtype == np.int32 and v.indices.tolist() == cols
    assert v.counts.tolist() == n
    assert v.counts.dtype == profile.narrow_counts(np.asarray(n, dtype=np.float32)).dtype


def test_no_white_space_beyond_the_table_of_the_bmp():
    table = profile._bmp_spaces()
    assert table.tolist() == [chr(c).isspace() for c in range(0x10000)]
    assert not any(chr(c).isspace() for c in range(0x10000, 0x110000))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 200), max_size=300), st.integers(-1, 30))
def test_value_counts_is_unique_with_counts_and_leaves_its_scratch_zero(values, top):
    tally, seen = np.zeros(256, dtype=np.int32), np.zeros(4, dtype=np.uint64)
    cols, n = value_counts(np.asarray(values, dtype=np.int64), top, tally, seen)
    want_cols, want_n = np.unique(np.asarray(values, dtype=np.int64), return_counts=True)
    if 0 <= top < want_cols.shape[0]:
        keep = np.sort(np.lexsort((want_cols, -want_n))[:top])
        want_cols, want_n = want_cols[keep], want_n[keep]
    assert cols.tolist() == want_cols.tolist() and n.tolist() == want_n.tolist()
    assert not tally.any() and not seen.any()


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT | SMALL_TEXT, max_size=5))
def test_word_hashes_are_the_sorted_distinct_stable_hashes(texts):
    tokens = [w for t in texts for w in words(t)]
    want = sorted({stable_hash(w) for w in tokens})
    got = word_hashes(tokens)
    assert got.dtype == np.uint32 and got.tolist() == want


@settings(max_examples=300, deadline=None)
@given(TEXT | SMALL_TEXT | st.text(alphabet="aZ×\u00c0\u0600\u0400\u0900\U0001d400𝔘ǅ", max_size=30))
def test_text_counts_are_isalpha_isupper_and_the_script_ranges(text):
    counted = text_counts(text)
    assert counted.letters == sum(map(str.isalpha, text))
    assert counted.upper == sum(map(str.isupper, text))
    ranges = [sum(any(lo <= ord(c) <= hi for lo, hi in group) for c in text)
              for group in profile._SCRIPT_RANGES]
    assert counted.scripts == ranges


def _reference_voice(used: Counter[str]) -> np.ndarray:
    top = sorted(used.items(), key=lambda kv: (-kv[1], kv[0]))[: profile.VOICE_TOP]
    return voice_hashes(k for k, _ in top)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="abcdef", min_size=1, max_size=4),
                          st.integers(1, 3)), max_size=150, unique_by=lambda kv: kv[0])
       | st.lists(st.tuples(st.text(alphabet="abcdef", min_size=1, max_size=4),
                            st.integers(1, 3)), min_size=65, max_size=150,
                  unique_by=lambda kv: kv[0]))
def test_the_voice_is_the_top_tokens_of_the_sort(counts):
    used = Counter(dict(counts))  # in no particular order: ties at the cut go by token
    assert profile._voice(used).tolist() == _reference_voice(used).tolist()


@given(st.lists(st.integers(0, 23), max_size=50))
def test_hours_are_the_shares_counted_one_by_one(hours):
    times = [T0.replace(hour=h) for h in hours]
    want = None
    if times:
        h = np.zeros(24)
        for t in times:
            h[t.hour] += 1
        want = (h / h.sum()).astype(np.float32).tolist()
    got = profile._hours(times)
    assert (None if got is None else got.tolist()) == want


@given(st.lists(st.text(alphabet="abc", max_size=3), max_size=40))
def test_voice_hashes_are_the_sorted_distinct_trace_hashes(tokens):
    want = sorted({profile.trace_hash("voice", t) for t in tokens})
    got = voice_hashes(tokens)
    assert got.dtype == np.uint64 and got.tolist() == want


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(-1e10, 1e10, allow_nan=False), max_size=25))
def test_median_pause_is_numpys_median_of_the_pauses(stamps):
    want = float(np.median(np.diff(stamps))) if len(stamps) > 2 else None
    got = median_pause(stamps)
    assert (got is None and want is None) or (got == want and np.signbit(got) ==
                                               np.signbit(want))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=200, unique=True))
def test_the_compiled_minhash_is_datasketchs(values):
    template = MinHash(num_perm=64, seed=7, hashfunc=int)
    m = MinHash(num_perm=64, seed=7, hashfunc=int, permutations=template.permutations,
                scheme=template.scheme)
    m.update_batch(values)
    got = affine32_minhash(np.asarray(values, dtype=np.uint32), *template.permutations)
    assert got.dtype == m.hashvalues.dtype and got.tolist() == m.hashvalues.tolist()


def test_the_text_index_signs_with_datasketchs_values():
    p = build_profile(acct("r", "r"), posts("r", ["river news every morning and evening",
                                                  "weather report for the valley today"], T0))
    index = TextLSHIndex()
    m = MinHash(num_perm=index.num_perm, seed=index.seed, hashfunc=int,
                permutations=index._permutations, scheme=index._scheme)
    m.update_batch(p.content_words.tolist())
    assert index.signature(p).tolist() == m.hashvalues.tolist()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 50),
                                   max_size=40), st.sampled_from([1, -1])), max_size=40))
def test_the_table_of_changes_sums_as_a_dict(steps):
    changes, ref = Changes(capacity=4), {}
    for hashes, sign in steps:
        arr = np.asarray(hashes, dtype=np.uint64)
        changes.add(arr, np.full(arr.shape[0], sign, dtype=np.int64))
        for h in hashes:
            ref[h] = ref.get(h, 0) + sign
    assert len(changes) == len(ref)
    keys, sums = changes.items()
    assert dict(zip(keys.tolist(), sums.tolist(), strict=True)) == ref
    probe = np.asarray([*ref, 7, 2**63], dtype=np.uint64)
    assert changes.get(probe).tolist() == [ref.get(int(h), 0) for h in probe.tolist()]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sets(st.integers(0, 2**64 - 1) | st.integers(0, 30), max_size=20),
                min_size=1, max_size=30), st.integers(1, 8))
def test_64_bit_counts_equal_a_counter_through_merges(sets, merge_at):
    counts, ref = HashCounts(merge_at=merge_at, dtype=np.uint64), Counter()
    for i, s in enumerate(sets):
        sign = -1 if i % 3 == 2 else 1
        source = sets[i - 1] if sign < 0 else s
        counts.update(np.array(sorted(source), dtype=np.uint64), sign)
        ref.update({h: sign for h in source})
    probe = np.array(sorted({h for s in sets for h in s} | {5}), dtype=np.uint64)
    assert counts.counts(probe).tolist() == [ref[int(h)] for h in probe.tolist()]


@given(st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 9), max_size=60))
def test_sorted_distinct_is_unique(values):
    arr = np.asarray(values, dtype=np.uint64)
    assert sorted_distinct(arr).tolist() == np.unique(arr).tolist()
    assert sorted_distinct(arr).dtype == np.unique(arr).dtype


def _reference_style(texts: list[str], all_words: list[str]) -> np.ndarray:
    """The style vector as it was first written: a Python call per character."""
    fw = np.asarray(function_word_counts(all_words), dtype=np.float64)
    rates = np.sqrt(fw / max(1, len(all_words)))
    m = max(1, len(texts))
    joined = "".join(texts)
    letters = sum(map(str.isalpha, joined)) or 1
    habits = np.array([
        sum("http" in t for t in texts) / m,
        sum("#" in t for t in texts) / m,
        sum("@" in t for t in texts) / m,
        sum(t.startswith("RT ") for t in texts) / m,
        sum(map(str.isupper, joined)) / letters,
        joined.count("!") / m,
        joined.count("?") / m,
        min(1.0, np.mean([len(t) for t in texts]) / 280) if texts else 0.0,
    ])
    return np.concatenate([rates, np.sqrt(habits)]).astype(np.float32)


@settings(max_examples=100, deadline=None)
@given(st.lists(TEXT | SMALL_TEXT | st.sampled_from(
    ["see https://t.me/x and www.example.org/a", "RT @someone: WOW!!", "#tag @at http://a.b"]),
    min_size=1, max_size=8), st.lists(st.integers(0, 10**6), min_size=8, max_size=8))
def test_profiles_carry_what_the_plain_definitions_give(texts, gaps):
    at = np.cumsum(gaps)  # uneven pauses, some of them none
    step_posts = [Post(post_id=f"r:{i}", account_id="r", text=t,
                       created_at=T0 + timedelta(seconds=int(at[i % len(at)]) + i // len(at)))
                  for i, t in enumerate(texts)]
    step_posts.sort(key=lambda p: p.created_at)
    p = build_profile(acct("r", "r", display_name="Ab Cd"), step_posts)
    kept = [t.text for t in step_posts if t.text.strip()]
    if not kept:
        assert p.style is None and p.scripts is None and p.char_tf is None
        return
    all_words = [w for t in kept for w in words(t)]
    assert p.style.tolist() == _reference_style(kept, all_words).tolist()
    stamps = [t.created_at.timestamp() for t in step_posts][-profile.RECENT:]
    assert p.median_pause == (float(np.median(np.diff(stamps))) if len(stamps) > 2 else None)
    want = {stable_hash(w) for w in all_words if len(w) > 3 and not w.isdigit()}
    assert p.content_words.tolist() == sorted(want)
    doc = " ".join(strip_urls(t) for t in kept)
    cols, n = _sorted_top(doc, profile.CHAR_TOP)
    assert p.char_tf.indices.tolist() == cols and p.char_tf.counts.tolist() == n
    assert p.name_tokens == name_tokens("r") | name_tokens("Ab Cd")


@pytest.mark.parametrize("links", [(), ("https://t.me/a",) * 3,
                                   ("https://t.me/a", "t.me/s/A", "https://x.org/1", "")])
def test_post_links_are_keyed_once_each(links):
    from tarazu.linkage.text import link_key

    p = build_profile(acct("r", "r"), posts("r", ["a", "b"], T0, links=links))
    assert p.post_links == {k for k in map(link_key, links) if k}
