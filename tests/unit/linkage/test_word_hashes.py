"""Phrase hashes and script mixes computed over arrays must be exactly the per-token and
per-character values they replace: profiles are rebuilt from records, so the same posts must
give the same features in every process and every version (the shared-phrase counts and the
script-mix comparisons of every removed account depend on them)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tarazu.linkage import profile
from tarazu.linkage.handles import handle_key
from tarazu.linkage.profile import SHINGLE_WORDS, build_profile, sign_up_traces, trace_hash
from tarazu.linkage.text import shingle_hashes, stable_hash, words

from .conftest import T0, acct, posts

TEXTS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)


def _reference_shingles(tokens: list[str], n: int) -> set[int]:
    """The definition: the hash of each n-word sequence of one text, its words joined by
    spaces."""
    return {stable_hash(" ".join(tokens[i:i + n])) for i in range(len(tokens) - n + 1)}


@settings(max_examples=300)
@given(st.lists(TEXTS, max_size=6), st.integers(1, 4))
def test_shingle_hashes_are_the_union_of_each_texts_n_word_sequences(texts, n):
    per_text = [words(t) for t in texts]
    want = sorted(set().union(*(_reference_shingles(t, n) for t in per_text)))
    got = shingle_hashes(per_text, n)
    assert got.dtype == np.uint32 and got.tolist() == want


def test_phrases_do_not_run_across_two_texts():
    # "b c d" exists only across the boundary between the two texts
    assert stable_hash("b c d") not in shingle_hashes([["a", "b", "c"], ["d", "e", "f"]], 3)
    assert stable_hash("a b c") in shingle_hashes([["a", "b", "c"], ["d", "e", "f"]], 3)


def test_a_word_with_a_separator_is_refused():
    with pytest.raises(ValueError):
        shingle_hashes([["two words", "b", "c", "d"]], 4)


def test_profiles_carry_the_reference_hashes():
    texts = ["Sharing river news every morning 🙂", "نئی ویڈیو دیکھیں river news every day",
             "Москва и Moskva 2024 river news every"]
    p = build_profile(acct("r", "r", bio="Official page for river updates 123"),
                      posts("r", texts, T0))
    toks = [words(t) for t in texts]
    assert p.shingles.tolist() == sorted(set().union(*(_reference_shingles(t, SHINGLE_WORDS)
                                                       for t in toks)))
    content = {stable_hash(w) for t in toks for w in t if len(w) > 3 and not w.isdigit()}
    assert p.content_words.tolist() == sorted(content)
    assert p.bio_words.tolist() == sorted({trace_hash("bio", w) for w in words(p.bio)})
    empty = build_profile(acct("e", "e"))
    assert empty.shingles.size == empty.content_words.size == empty.bio_words.size == 0


def test_the_bio_words_are_the_traces_the_rarity_counts_count():
    """The own-bio comparator weighs the profile's bio words by the counts of the same
    values among the sign-up traces: both must be one hash of one word."""
    p = build_profile(acct("r", "r", bio="Official page for river updates 123",
                           links=["https://t.me/riverupdates"]))
    others = [trace_hash("link", k) for k in p.link_keys]
    others += [trace_hash("name", handle_key(p.display_name))] if p.display_name else []
    want = sorted({*others, *(trace_hash("bio", w) for w in words(p.bio))})
    assert sign_up_traces(p).tolist() == want
    assert set(p.bio_words.tolist()) <= set(want) and p.bio_words.size == 6


_REFERENCE_SCRIPT_RES = (
    re.compile(r"[A-Za-z\u00c0-\u024f]"),
    re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]"),
    re.compile(r"[\u0400-\u04ff]"),
    re.compile(r"[\u0900-\u097f]"),
)


def _reference_script_mix(text: str) -> list[float] | None:
    """The definition: each script's characters by its regular expression, the letters by
    ``str.isalpha``, the rest of the letters "other"."""
    counts = [len(r.findall(text)) for r in _REFERENCE_SCRIPT_RES]
    counts.append(max(0, sum(map(str.isalpha, text)) - sum(counts)))
    total = sum(counts)
    return (np.array(counts, dtype=np.float32) / total).tolist() if total else None


@settings(max_examples=400)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
       | st.text(alphabet="aZ×÷\u00c0\u024f\u0250\u0600\u06ff\u0750\ufb50\ufefc\ufefd\u0400"
                 "\u04ff\u0900\u097f\u0980\U0001d400\U00020000🙂 1", max_size=30))
def test_the_script_mix_counts_as_the_regular_expressions_and_isalpha(text):
    got = profile._script_mix(profile.text_counts(text))
    assert (None if got is None else got.tolist()) == _reference_script_mix(text)
