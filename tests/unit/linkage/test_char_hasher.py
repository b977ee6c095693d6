"""The char n-gram hasher must give exactly the columns and counts of scikit-learn's
``HashingVectorizer`` it replaces: fitted models and the corpus statistics read those columns."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import HashingVectorizer

from tarazu.linkage import profile
from tarazu.linkage.profile import (
    REFERENCE_VECTORIZER,
    CharNgramHasher,
    build_profile,
    build_profiles,
)

from .conftest import T0, acct, posts

MIXED = [
    "",
    "   ",
    "a",
    "I",
    "ab cd",
    "Hello World! HELLO world?",
    "Tehreek-e-Taliban\tPakistan\n\nپاکستان زندہ باد",
    "عمر میڈیا — نئی ویڈیو دیکھیں",
    "Москва и Moskva: ПРИВЕТ, мир! 2024",
    "Ελληνικά και 中文字符 测试 日本語のテキスト",
    "café naïve résumé Ｆｕｌｌｗｉｄｔｈ",
    "e\u0301 combining a\u0308 marks",
    "emoji 🙂🙂 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and \u200bzero width",
    "İstanbul ß ǅ ﬁ ligatures",
    "repeat repeat repeat repeat repeat " * 20,
]


def _reference(doc: str) -> tuple[np.ndarray, np.ndarray]:
    m = REFERENCE_VECTORIZER.transform([doc]).tocsr()
    m.sort_indices()
    return m.indices.astype(np.int32), m.data


@pytest.mark.parametrize("doc", MIXED)
def test_counts_equal_the_hashing_vectorizer_on_mixed_scripts(doc):
    cols, n = CharNgramHasher().counts(doc)
    ref_cols, ref_n = _reference(doc)
    assert cols.dtype == np.int32 and n.dtype == np.float32
    assert np.array_equal(cols, ref_cols)
    assert np.array_equal(n, ref_n)


def test_colliding_ngrams_add_up_as_in_the_reference():
    # with 16 columns most n-grams collide: counts must be summed per column, as scikit-learn does
    small = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=16,
                              alternate_sign=False, norm=None, lowercase=True,
                              dtype=np.float32)
    doc = " ".join(MIXED)
    cols, n = CharNgramHasher(small).counts(doc)
    ref = small.transform([doc]).tocsr()
    ref.sort_indices()
    assert np.array_equal(cols, ref.indices) and np.array_equal(n, ref.data)
    assert n.sum() == ref.data.sum() and len(cols) <= 16


def test_signed_or_normalised_vectorizers_are_refused():
    with pytest.raises(ValueError):
        CharNgramHasher(HashingVectorizer(analyzer="char_wb", alternate_sign=True, norm=None))
    with pytest.raises(ValueError):
        CharNgramHasher(HashingVectorizer(analyzer="char_wb", alternate_sign=False))


def test_vectorizers_the_compiled_loop_does_not_cut_are_refused():
    for other in (dict(analyzer="char"), dict(analyzer="word"),
                  dict(analyzer="char_wb", strip_accents="unicode"),
                  dict(analyzer="char_wb", preprocessor=str.upper)):
        with pytest.raises(ValueError):
            CharNgramHasher(HashingVectorizer(alternate_sign=False, norm=None, **other))


def test_profiles_carry_the_reference_log_counts_one_by_one_and_in_a_batch(monkeypatch):
    monkeypatch.setattr(profile, "CHAR_TOP", None)  # every n-gram (the cut is tested apart)
    texts = [t for t in MIXED if t.strip()]
    removed = acct("r", "r", status="removed", removed=T0)
    alone = build_profile(removed, posts("r", texts, T0))
    batch = build_profiles([removed, acct("s", "s")],
                           {"r": posts("r", texts, T0), "s": posts("s", texts[:2], T0)})
    ref_cols, ref_n = _reference(" ".join(texts))
    for p in (alone, batch[0]):
        assert np.array_equal(p.char_tf.indices, ref_cols)
        assert np.array_equal(p.char_tf.data, np.log1p(ref_n).astype(np.float32))
    s_cols, _ = _reference(" ".join(texts[:2]))
    assert np.array_equal(batch[1].char_tf.indices, s_cols)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120))
def test_the_compiled_kernel_equals_the_reference_on_any_text(doc):
    cols, n = CharNgramHasher().counts(doc)
    ref_cols, ref_n = _reference(doc)
    assert np.array_equal(cols, ref_cols) and np.array_equal(n, ref_n)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=" \t\n\u00a0\u2003\u3000ab\u0628\U0001f642", max_size=40),
       st.sampled_from([(1, 1), (1, 3), (2, 4), (3, 5)]))
def test_the_kernel_cuts_words_as_the_analyzer_for_other_ranges_and_white_space(doc, ngrams):
    vec = HashingVectorizer(analyzer="char_wb", ngram_range=ngrams, n_features=2**18,
                            alternate_sign=False, norm=None, lowercase=False, dtype=np.float32)
    hasher = CharNgramHasher(vec)
    assert hasher._ngram_range == ngrams
    cols, n = hasher.counts(doc)
    ref = vec.transform([doc]).tocsr()
    ref.sort_indices()
    assert np.array_equal(cols, ref.indices) and np.array_equal(n, ref.data)
