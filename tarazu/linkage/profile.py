"""An account's comparable features, computed once from its record and posts.

Comparators never see raw posts: they compare profiles. A profile is derived data (rebuilt from
the records whenever needed, never stored as a blob)."""

from __future__ import annotations

import hashlib
import re
import sys
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

from tarazu.domain.platform import Account, AccountStatus, Post
from tarazu.linkage.counts import sorted_distinct
from tarazu.linkage.handles import handle_key, name_tokens
from tarazu.linkage.platforms import NEUTRAL, PlatformProfile
from tarazu.linkage.text import (
    function_word_counts,
    link_key,
    shingle_hashes,
    strip_urls,
    unlinked_words,
    word_hashes,
    words,
)

N_CHAR_FEATURES = 2**18
#: Char n-grams within word boundaries: robust to inflection and to Cyrillic/Latin mixing.
#: The reference definition of the hashed columns (fitted models depend on them);
#: :class:`CharNgramHasher` computes the same columns faster.
REFERENCE_VECTORIZER = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(2, 4),
    n_features=N_CHAR_FEATURES,
    alternate_sign=False,
    norm=None,
    lowercase=True,
    dtype=np.float32,
)
SHINGLE_WORDS = 4
#: Posts at the end of a removed account's timeline: what it was about when it was removed.
RECENT = 20
#: Character n-grams kept per account: its most frequent ones, which carry the cosine (what
#: fewer or more cost in recall and memory: BENCHMARKS.md). None keeps all.
CHAR_TOP: int | None = 256
#: Pauses kept per account for the pause-fit comparator (its own rhythm).
MAX_PAUSES = 200


@dataclass(frozen=True, eq=False, slots=True)
class AccountProfile:
    """Comparable features of one account (active or removed)."""

    account_id: str
    status: str
    handle: str
    display_name: str
    handle_key: str
    name_tokens: frozenset[str]
    created_at: datetime
    removed_at: datetime | None
    verified_categories: tuple[str, ...]
    #: the platform the account declares (interchange ``platform``): what a mirror is there
    #: (``platforms.PREDATING_PLATFORMS``)
    platform: str = "default"
    bio: str = ""
    #: the bio's words as sorted, distinct :func:`trace_hash` values (:func:`bio_terms`): the
    #: same values the rarity counts hold for them, so that a comparator weighing a word by
    #: how many bios use it reads them here instead of splitting and hashing the text again
    bio_words: np.ndarray = field(default_factory=lambda: _NO_IDS)
    link_keys: frozenset[str] = frozenset()
    avatar_pdq: str | None = None
    identifiers: Mapping[str, str] = field(default_factory=dict)
    #: the accounts it follows or is followed by, as sorted 64-bit hashes of their ids (a
    #: real account follows hundreds: far smaller than a set of strings)
    connections: np.ndarray = field(default_factory=lambda: _NO_IDS)
    n_posts: int = 0
    n_text_posts: int = 0
    first_post: datetime | None = None
    hashtags: frozenset[str] = frozenset()
    mentions: frozenset[str] = frozenset()
    contexts: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    post_links: frozenset[str] = frozenset()
    media_pdq: tuple[str, ...] = ()
    media_md5: frozenset[str] = frozenset()
    #: hashes of the 4-word sequences, sorted (uint32: 4 bytes each, not a Python set)
    shingles: np.ndarray = field(default_factory=lambda: _NO_HASHES)
    #: hashes of the content words (longer than 3 letters, not numbers), sorted
    content_words: np.ndarray = field(default_factory=lambda: _NO_HASHES)
    references: frozenset[str] = frozenset()
    char_tf: CharVector | None = None
    #: the last RECENT posts only; the same object as ``char_tf`` when there are no more
    recent_tf: CharVector | None = None
    last_post: datetime | None = None
    median_pause: float | None = None  # seconds between consecutive recent posts
    style: np.ndarray | None = None
    hours: np.ndarray | None = None
    langs: Mapping[str, float] = field(default_factory=dict)
    n_acting_posts: int = 0  # reverts, warnings, posts naming or addressing another account
    n_own_page_posts: int = 0  # posts on its own user / talk pages
    n_empty_posts: int = 0  # posts without text
    log_pauses: np.ndarray | None = None  # log10 seconds between consecutive posts (≥ 1 min)
    #: shares of the letters of its posts in each script of :data:`SCRIPTS` (None: no letters)
    scripts: np.ndarray | None = None
    #: the emoji it posts (each distinct pictograph)
    emoji: frozenset[str] = frozenset()
    #: its voice: the words (function words included), emoji and runs of punctuation its
    #: posts use most (:func:`voice_tokens`), as sorted :func:`trace_hash` values of kind
    #: ``voice``; a new account's profile text is read against it (``own_voice``)
    voice: np.ndarray = field(default_factory=lambda: _NO_IDS)

    @property
    def is_removed(self) -> bool:
        return self.status == AccountStatus.REMOVED

    @property
    def is_protected(self) -> bool:
        from tarazu.domain.platform import PROTECTED_CATEGORIES

        return any(c in PROTECTED_CATEGORIES for c in self.verified_categories)


def profiles_of_columns(columns: Mapping[str, Sequence[object]], count: int
                        ) -> list[AccountProfile]:
    """``count`` profiles whose fields are ``columns`` (one sequence a field, every field):
    filled a field at a time through the slots. ``__init__`` of a frozen dataclass sets each
    field by a Python call of its own, most of building a profile that is already known (a
    start from a snapshot builds hundreds of thousands: BENCHMARKS.md). ``__init__`` does
    nothing else (no ``__post_init__``; a test holds it so)."""
    names = {f.name for f in fields(AccountProfile)}
    if set(columns) != names:
        raise ValueError(f"profile columns missing {sorted(names - set(columns))}, "
                         f"unknown {sorted(set(columns) - names)}")
    if any(len(v) != count for v in columns.values()):
        raise ValueError("columns of unequal length")
    out = [object.__new__(AccountProfile) for _ in range(count)]
    for name, values in columns.items():
        deque(map(getattr(AccountProfile, name).__set__, out, values), maxlen=0)
    return out


class CharVector:
    """A sparse row of log(1 + tf) character n-gram counts, kept as two small arrays.

    Hashed column ids (int32, sorted) and the n-grams' counts in the narrowest unsigned type
    that holds them (uint8 for nearly every account): smaller than float32 weights, and
    without the fixed overhead of a one-row ``scipy.sparse`` matrix per account. The weights,
    ``log1p`` of the counts in float32, are computed when read, the very values stored before
    (the same ufunc on the same float32 counts). A vector may also be given its weights
    directly (``CharVector(indices, data)``), which it then keeps. TF-IDF weighting and unit
    length are applied at comparison time, from the corpus statistics of that moment
    (:func:`tarazu.linkage.corpus.Corpus.cosines`)."""

    __slots__ = ("indices", "counts", "_data")

    def __init__(self, indices: np.ndarray, data: np.ndarray) -> None:
        self.indices = indices
        self.counts: np.ndarray | None = None  # None: weights given, not counts
        self._data: np.ndarray | None = data

    @classmethod
    def of_counts(cls, indices: np.ndarray, counts: np.ndarray,
                  narrowed: bool = False) -> CharVector:
        """The sublinear row of n-gram ``counts`` (whole numbers), held as counts;
        ``narrowed``: already in the type :func:`narrow_counts` gives them (a snapshot
        narrows a whole column at once)."""
        v = cls.__new__(cls)
        v.indices, v.counts, v._data = indices, counts if narrowed else narrow_counts(counts), None
        return v

    @property
    def data(self) -> np.ndarray:
        """The weights: log(1 + count), float32."""
        if self._data is not None:
            return self._data
        return sublinear_weights(self.counts)  # type: ignore[arg-type]

    @property
    def nnz(self) -> int:
        return int(self.indices.shape[0])


#: the unsigned types counts are narrowed to, narrowest first
COUNT_TYPES = (np.uint8, np.uint16, np.uint32)


_COUNT_LIMITS = np.array([2**8, 2**16])


def count_types(tops: np.ndarray | int) -> np.ndarray:
    """The index in :data:`COUNT_TYPES` of the narrowest type that holds each of ``tops``."""
    return np.searchsorted(_COUNT_LIMITS, tops, side="right")


def narrow_counts(counts: np.ndarray) -> np.ndarray:
    """Whole-number counts in the narrowest unsigned type that holds the largest."""
    return counts.astype(COUNT_TYPES[int(count_types(int(counts.max()) if counts.size else 0))])


def sublinear_weights(counts: np.ndarray) -> np.ndarray:
    """log(1 + count) in float32, as :meth:`CharNgramHasher.sublinear` weighs n-grams."""
    return np.log1p(counts.astype(np.float32))


def weights_of(vectors: Sequence[CharVector]) -> np.ndarray:
    """The weights of ``vectors`` back to back: one ``log1p`` over their concatenated counts
    when all hold counts (the same float32 values as each vector's ``data``)."""
    if all(v.counts is not None for v in vectors):
        return sublinear_weights(np.concatenate([v.counts for v in vectors]))  # type: ignore[misc]
    return np.concatenate([v.data for v in vectors])


_NO_HASHES = np.zeros(0, dtype=np.uint32)
_NO_IDS = np.zeros(0, dtype=np.uint64)


def trace_hash(kind: str, value: str) -> int:
    """The 64-bit hash of one sign-up trace (``kind``: ``id:device``, ``link``, ``name``,
    ``bio``), as :func:`sign_up_traces` gives it; the same hash as :func:`id_hashes` of
    ``kind + NUL + value``, which no account id contains."""
    text = f"{kind}\x00{value}"
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def sign_up_traces(p: AccountProfile) -> np.ndarray:
    """What sign-up shows that many accounts may share — identifiers, profile links, the
    display-name key, bio words — as sorted :func:`trace_hash` values: the corpus counts them
    so that a comparator can tell one operator's trace from a whole group's. Derived from the
    profile when counted, not kept in it, so that profiles stay small at scale."""
    pairs = [(f"id:{k}", v) for k, v in p.identifiers.items() if v]
    pairs += [("link", k) for k in p.link_keys]
    name_key = handle_key(p.display_name)
    if name_key:
        pairs.append(("name", name_key))
    others = id_hashes(f"{k}\x00{v}" for k, v in pairs)
    return np.union1d(others, p.bio_words) if p.bio_words.size else others


def bio_terms(bio: str) -> np.ndarray:
    """A profile text's words as sorted, distinct :func:`trace_hash` values (kind ``bio``):
    the profile's ``bio_words``, and what the rarity counts count for it."""
    return id_hashes(f"bio\x00{w}" for w in words(bio))


#: How many of its most used voice tokens an account keeps (a sign-off, an emoji, favourite
#: function words recur in most posts and stay among them).
VOICE_TOP = 64
_PUNCT_RUN_RE = re.compile(r"[!?.:;…۔،—-]{2,}")


def voice_tokens(text: str, text_words: Sequence[str] | None = None) -> set[str]:
    """The marks of a writer's habit in one text: its words (short function words too, unlike
    the content words), each emoji and each run of two or more punctuation marks.
    ``text_words``: :func:`words` of ``text``, when the caller has them already."""
    return {*(words(text) if text_words is None else text_words), *_EMOJI_RE.findall(text),
            *_PUNCT_RUN_RE.findall(text)}


@lru_cache(maxsize=1 << 16)
def _voice_hash(token: str) -> int:
    """One token's :func:`trace_hash` (function words recur in every account: hashed once)."""
    return trace_hash("voice", token)


def voice_hashes(tokens: Iterable[str]) -> np.ndarray:
    """Sorted :func:`trace_hash` values (kind ``voice``) of ``tokens``: the corpus counts how
    many accounts write with each (gathered by ``np.fromiter`` and sorted as an array: for a
    voice's few dozen tokens, whose hashes are remembered, the set and the sorted list of
    Python ints were most of the time)."""
    hashes = np.fromiter(map(_voice_hash, tokens), dtype=np.uint64)
    return sorted_distinct(hashes) if hashes.size else _NO_IDS


def _voice(used: Counter[str]) -> np.ndarray:
    """The :data:`VOICE_TOP` tokens used by the most texts (``used``: texts per token; ties
    by token). Which tokens, not their order, makes the voice (its hashes are sorted): every
    token used more often than the count at which the cut falls, and of those at it the first
    by token — rather than sorting each of the hundreds of tokens an account used by a
    Python key."""
    if len(used) <= VOICE_TOP:
        return voice_hashes(used)
    cut = sorted(used.values(), reverse=True)[VOICE_TOP - 1]
    kept = [k for k, v in used.items() if v > cut]
    tied = sorted(k for k, v in used.items() if v == cut)
    return voice_hashes(kept + tied[: VOICE_TOP - len(kept)])


#: Scripts whose share of an account's letters makes up its script mix (the rest: "other").
SCRIPTS = ("latin", "arabic", "cyrillic", "devanagari", "other")
_EMOJI_RE = re.compile(r"[\U0001f300-\U0001faff\u2600-\u27bf\U0001f1e6-\U0001f1ff]")


#: The code points of the first four :data:`SCRIPTS`, as inclusive ranges: Latin letters
#: (with Latin-1 and Latin Extended-A/B), Arabic (with its supplement and presentation
#: forms, Urdu and Pashto included), Cyrillic, Devanagari.
_SCRIPT_RANGES: tuple[tuple[tuple[int, int], ...], ...] = (
    ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F)),
    ((0x600, 0x6FF), (0x750, 0x77F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFC)),
    ((0x400, 0x4FF),),
    ((0x900, 0x97F),),
)


#: the classes of :func:`_bmp_classes`: four per script index (the last: none of them)
_CLASSES = 4 * (len(_SCRIPT_RANGES) + 1)


@lru_cache(maxsize=1)
def _bmp_classes() -> np.ndarray:
    """Per code point below U+10000 (built once, 64 KB): four times the index of the
    :data:`_SCRIPT_RANGES` it falls in (their count: none), plus two if it is a letter
    (``str.isalpha``), plus one if upper-case (``str.isupper``). The ranges all lie in the
    BMP."""
    script = np.full(0x10000, len(_SCRIPT_RANGES), dtype=np.uint8)
    for i, ranges in enumerate(_SCRIPT_RANGES):
        for lo, hi in ranges:
            script[lo : hi + 1] = i
    alpha = np.fromiter((chr(c).isalpha() for c in range(0x10000)), dtype=np.uint8,
                        count=0x10000)
    upper = np.fromiter((chr(c).isupper() for c in range(0x10000)), dtype=np.uint8,
                        count=0x10000)
    return 4 * script + 2 * alpha + upper


class TextCounts(NamedTuple):
    """What a profile counts in its texts' characters."""

    scripts: list[int]  # characters in each script's ranges, in :data:`_SCRIPT_RANGES`' order
    letters: int  # as ``sum(map(str.isalpha, text))`` counts them
    upper: int  # as ``sum(map(str.isupper, text))`` counts them


def text_counts(text: str) -> TextCounts:
    """The characters of ``text`` in each script's ranges, its letters and its upper-case
    letters, counted in one compiled pass of a table over its code points
    (:func:`_bmp_classes`, ``columnar.kernels.class_counts``) rather than a Python call or a
    comparison per character and range; the few code points beyond the BMP are asked one by
    one."""
    from tarazu.linkage.columnar.kernels import class_counts

    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    counts, beyond = class_counts(cps, _bmp_classes(), _CLASSES)
    n = counts.tolist()
    letters = sum(n[2::4]) + sum(n[3::4])
    upper = sum(n[1::4]) + sum(n[3::4])
    if beyond:
        outside = [chr(c) for c in cps[cps >= 0x10000].tolist()]
        letters += sum(map(str.isalpha, outside))
        upper += sum(map(str.isupper, outside))
    return TextCounts([sum(n[4 * i : 4 * i + 4]) for i in range(len(_SCRIPT_RANGES))],
                      letters, upper)


def _script_mix(counted: TextCounts) -> np.ndarray | None:
    """Shares of the letters in each of :data:`SCRIPTS`; None when there are none: the
    characters of each script's ranges (:data:`_SCRIPT_RANGES`), the rest of the letters
    "other" (``counted``: :func:`text_counts` of the texts)."""
    counts = list(counted.scripts)
    counts.append(max(0, counted.letters - sum(counts)))
    total = sum(counts)
    return (np.array(counts, dtype=np.float32) / total) if total else None


def id_hashes(ids: Iterable[str]) -> np.ndarray:
    """Sorted, unique 64-bit hashes of account ids, the same in every process (BLAKE2b; 64
    bits so that two accounts with hundreds of connections each share none by accident)."""
    hashes = {int.from_bytes(hashlib.blake2b(i.encode("utf-8"), digest_size=8).digest(), "big")
              for i in ids}
    return np.array(sorted(hashes), dtype=np.uint64) if hashes else _NO_IDS


@lru_cache(maxsize=1)
def _bmp_spaces() -> np.ndarray:
    """``str.isspace`` of every code point below U+10000 (built once, 64 KB): where
    ``str.split`` cuts words. No code point beyond the BMP is white space (a test holds the
    table to ``str.isspace`` over all of Unicode)."""
    return np.fromiter((chr(c).isspace() for c in range(0x10000)), dtype=bool, count=0x10000)


class CharNgramHasher:
    """Hashed char n-gram counts of one document, column for column and count for count those
    of :data:`REFERENCE_VECTORIZER` (scikit-learn's ``HashingVectorizer``), without its
    per-call overhead (input validation, a Python string and a hash call per n-gram, a
    ``scipy.sparse`` matrix built and de-duplicated per call): the n-grams are cut and hashed
    in one compiled loop (``columnar.kernels.char_wb_columns``), which the property tests hold
    to the reference on any text. Only what that loop reproduces is accepted: ``char_wb``
    n-grams of the text as it is or lower-cased, unsigned and unnormalised counts."""

    def __init__(self, reference: HashingVectorizer = REFERENCE_VECTORIZER) -> None:
        params = reference.get_params()
        if params["alternate_sign"] or params["norm"] is not None or params["binary"]:
            raise ValueError("only unsigned, unnormalised counts are reproduced")
        if (params["analyzer"] != "char_wb" or params["preprocessor"] is not None
                or params["strip_accents"] is not None):
            raise ValueError("only char_wb n-grams of the plain or lower-cased text are cut")
        self.n_features = int(params["n_features"])
        self._ngram_range: tuple[int, int] = tuple(params["ngram_range"])
        self._lowercase = bool(params["lowercase"])
        self._scratch = threading.local()

    def counts(self, doc: str) -> tuple[np.ndarray, np.ndarray]:
        """Sorted hashed columns (int32) and n-gram counts (float32) of ``doc``.

        Column = |murmurhash3_32(n-gram, seed 0)| mod n_features, as the reference hashes it
        (UTF-8 bytes); n-grams falling in one column add up, as they do in the reference."""
        placed = self._columns(doc)
        if placed.shape[0] == 0:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        cols, n = np.unique(placed, return_counts=True)
        return cols.astype(np.int32), n.astype(np.float32)

    def _columns(self, doc: str) -> np.ndarray:
        """The column of each of ``doc``'s n-grams. Words are what ``str.split`` finds, as in
        the analyzer (its white-space folding changes nothing ``split`` sees)."""
        from tarazu.linkage.columnar.kernels import char_wb_columns

        words = (doc.lower() if self._lowercase else doc).split()
        if not words:
            return np.zeros(0, dtype=np.int64)
        cps = np.frombuffer("".join(words).encode("utf-32-le", "surrogatepass"),
                            dtype=np.uint32)
        lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        starts = np.zeros(len(words), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        lo, hi = self._ngram_range
        return char_wb_columns(cps, starts, lens, lo, hi, self.n_features)

    def sublinear(self, doc: str, top: int | None = None) -> CharVector:
        """``doc`` as log(1 + tf) weights (one phrase repeated a hundred times must not
        dominate), of its ``top`` most frequent n-grams only if given (ties by column, so the
        choice is deterministic), in column order.

        The columns of :meth:`counts` and, of more than ``top``, those first in the order
        (-count, column); the words cut, the n-grams hashed, counted and chosen in one
        compiled call over a scratch tally of all columns (``columnar.kernels.char_wb_counts``)
        rather than sorted: this is a large part of taking a removed account in (the property
        tests hold it to the sort)."""
        from tarazu.linkage.columnar.kernels import char_wb_counts

        tally, seen = self._tally()
        text = doc.lower() if self._lowercase else doc
        cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        lo, hi = self._ngram_range
        cols, n = char_wb_counts(cps, _bmp_spaces(), lo, hi, self.n_features,
                                 -1 if top is None else top, tally, seen)
        return CharVector.of_counts(cols.astype(np.int32), n)

    def _tally(self) -> tuple[np.ndarray, np.ndarray]:
        """This thread's scratch arrays for :func:`value_counts` (zeros between calls): a
        count per column and a bit per column, allocated once per thread (two threads
        building profiles at once must not count into one tally)."""
        held = getattr(self._scratch, "tally", None)
        if held is None:
            held = self._scratch.tally = (np.zeros(self.n_features, dtype=np.int32),
                                          np.zeros((self.n_features + 63) // 64,
                                                   dtype=np.uint64))
        return held


_HASHER = CharNgramHasher()


def _shared_if_empty(hashes: np.ndarray) -> np.ndarray:
    """``hashes``, or the one shared empty array (an array header is 112 bytes a profile)."""
    return hashes if hashes.size else _NO_HASHES


def _style_vector(texts: Sequence[str], all_words: list[str], letters: int, upper: int
                  ) -> np.ndarray:
    """Function-word rates plus a few habits (links, hashtags, retweets, caps, punctuation);
    ``letters`` and ``upper``: the texts' letters and upper-case letters
    (:func:`text_counts`)."""
    fw = np.asarray(function_word_counts(all_words), dtype=np.float64)
    n = max(1, len(all_words))
    rates = np.sqrt(fw / n)
    m = max(1, len(texts))
    joined = "".join(texts)
    letters = letters or 1
    habits = np.array(
        [
            sum("http" in t for t in texts) / m,
            sum("#" in t for t in texts) / m,
            sum("@" in t for t in texts) / m,
            sum(t.startswith("RT ") for t in texts) / m,
            upper / letters,
            joined.count("!") / m,
            joined.count("?") / m,
            # np.mean's value: the float sum of whole numbers is exact in any order
            min(1.0, sum(map(len, texts)) / len(texts) / 280) if texts else 0.0,
        ]
    )
    # float32: the style comparator bands a cosine at 0.8 / 0.9 / 0.95; 7 digits are plenty
    return np.concatenate([rates, np.sqrt(habits)]).astype(np.float32)


def median_pause(stamps: Sequence[float]) -> float | None:
    """The median of the pauses between consecutive ``stamps`` (None for fewer than three):
    ``np.median(np.diff(stamps))`` to the last bit — the middle pause, or the two middle
    ones' mean as numpy takes it, (a + b) / 2 — without numpy's overhead on a score of
    floats."""
    if len(stamps) <= 2:
        return None
    pauses = sorted([b - a for a, b in zip(stamps[:-1], stamps[1:], strict=True)])
    mid = len(pauses) // 2
    return pauses[mid] if len(pauses) % 2 else (pauses[mid - 1] + pauses[mid]) / 2


def _hours(times: Sequence[datetime]) -> np.ndarray | None:
    if not times:
        return None
    h = np.bincount([t.hour for t in times], minlength=24)  # whole numbers: exact shares
    return (h / h.sum()).astype(np.float32)  # shares of the day's hours: 7 digits suffice


#: One empty set for every profile without hashtags, mentions, media... (each empty
#: ``frozenset()`` is an object of its own).
_NONE: frozenset[str] = frozenset()


def _frozen(items: Iterable[str], shared: bool = True) -> frozenset[str]:
    """``items`` as a frozen set; ``shared``: tokens that many accounts hold (hashtags, page
    names, handles they mention, name tokens, languages), interned so that every profile,
    every count and every index key holds one string object per distinct token, not one per
    account (equal strings stay equal: no answer changes)."""
    out = frozenset(map(sys.intern, items) if shared else items)
    return out if out else _NONE


def build_profiles(
    accounts: Iterable[Account],
    posts_by_account: Mapping[str, Sequence[Post]],
    platform: PlatformProfile = NEUTRAL,
) -> list[AccountProfile]:
    """Profiles for many accounts at once; ``platform`` reads platform-specific markup
    (``linkage.platforms``; the neutral profile reads none)."""
    accounts = list(accounts)
    docs: list[str] = []
    recent_docs: dict[int, str] = {}  # only accounts with more than RECENT text posts
    partial: list[dict] = []
    for acc in accounts:
        posts = sorted(posts_by_account.get(acc.account_id, ()), key=lambda p: p.created_at)
        texts = [p.text for p in posts if p.text.strip()]
        stamps = [p.created_at.timestamp() for p in posts]
        # the texts without their links: what the words and the n-gram documents read
        unlinked = [strip_urls(t) for t in texts]
        all_words: list[str] = []
        post_words: list[list[str]] = []
        voice: Counter[str] = Counter()
        for t, u in zip(texts, unlinked, strict=True):
            toks = unlinked_words(u)
            all_words.extend(toks)
            voice.update(voice_tokens(t, toks))
            post_words.append(toks)
        contexts: dict[str, list[float]] = defaultdict(list)
        refs: set[str] = set()
        hashtags: set[str] = set()
        mentions: set[str] = set()
        links_seen: dict[str, None] = {}
        media_pdq: list[str] = []
        media_md5: set[str] = set()
        langs: Counter[str] = Counter()
        own_key = handle_key(acc.handle)
        n_acting = n_own = 0
        for p, at in zip(posts, stamps, strict=True):
            page_user = ""
            if p.context:
                contexts[sys.intern(p.context)].append(at)
                owner = platform.page_owner(p.context)
                if owner is not None:
                    page_user = handle_key(owner)
                    refs.add(page_user)
            in_text = platform.named_accounts(p.text) if p.text else []
            named = ({handle_key(r) for r in in_text} - {own_key}) if in_text else _NONE
            talk = bool(platform.talk_marker and page_user
                        and platform.talk_marker in p.context.lower())
            if page_user and page_user == own_key:
                n_own += 1
            elif (platform.acting is not None and platform.acting.search(p.text)) or named \
                    or talk:
                n_acting += 1
            if p.hashtags:
                hashtags.update(h.lower().lstrip("#") for h in p.hashtags if h.strip("#"))
            for m in p.mentions:
                key = handle_key(m.lstrip("@"))
                if key:
                    mentions.add(key)
                    refs.add(key)
            for r in in_text:
                refs.add(handle_key(r))
            if p.links:
                links_seen.update(dict.fromkeys(p.links))
            for med in p.media:
                if med.pdq:
                    media_pdq.append(med.pdq)
                if med.md5:
                    media_md5.add(med.md5)
            if p.lang:
                langs[sys.intern(p.lang)] += 1
        # each distinct link once (in the order first posted): an account posts its own
        # channel again and again
        post_links = {k for k in map(link_key, links_seen) if k}
        total_lang = sum(langs.values())
        docs.append(" ".join(unlinked))
        if len(texts) > RECENT:
            recent_docs[len(docs) - 1] = " ".join(unlinked[-RECENT:])
        all_stamps = np.array(stamps[-MAX_PAUSES:])
        log_pauses = (
            np.log10(np.maximum(np.diff(all_stamps), 60.0)) if len(all_stamps) > 3 else None
        )
        content = word_hashes([w for w in set(all_words) if len(w) > 3 and not w.isdigit()])
        joined = " ".join(texts)
        counted = text_counts(joined)  # the spaces joining the texts are no letters
        partial.append(
            dict(
                acc=acc,
                n_posts=len(posts),
                n_text_posts=len(texts),
                first_post=posts[0].created_at if posts else None,
                last_post=posts[-1].created_at if posts else None,
                median_pause=median_pause(stamps[-RECENT:]),
                hashtags=_frozen(hashtags),
                mentions=_frozen(mentions),
                contexts={k: tuple(v) for k, v in contexts.items()},
                post_links=_frozen(post_links),
                media_pdq=tuple(media_pdq),
                media_md5=_frozen(media_md5, shared=False),
                shingles=_shared_if_empty(shingle_hashes(post_words, SHINGLE_WORDS)),
                content_words=_shared_if_empty(content),
                references=_frozen(r for r in refs if r),
                style=_style_vector(texts, all_words, counted.letters, counted.upper)
                if texts else None,
                hours=_hours([p.created_at for p in posts]),
                langs={k: v / total_lang for k, v in langs.items()},
                n_acting_posts=n_acting,
                n_own_page_posts=n_own,
                n_empty_posts=len(posts) - len(texts),
                log_pauses=log_pauses,
                scripts=_script_mix(counted) if texts else None,
                emoji=_frozen(_EMOJI_RE.findall(joined)),
                voice=_voice(voice),
            )
        )
    out = []
    for i, d in enumerate(partial):
        acc: Account = d.pop("acc")
        has_text = d["n_text_posts"] > 0
        row = _HASHER.sublinear(docs[i], CHAR_TOP) if has_text else None
        if not has_text:
            recent_row = None
        elif i in recent_docs:
            recent_row = _HASHER.sublinear(recent_docs[i], CHAR_TOP)
        else:  # the recent posts are all the posts: one vector, not two copies
            recent_row = row
        bio = acc.bio.strip()
        key = handle_key(acc.handle)
        links = _frozen(k for k in map(link_key, acc.links) if k)
        out.append(
            AccountProfile(
                account_id=acc.account_id,
                status=sys.intern(acc.status),
                handle=acc.handle,
                display_name=acc.display_name,
                handle_key=key,
                name_tokens=_frozen(name_tokens(acc.handle) | name_tokens(acc.display_name)),
                created_at=acc.created_at,
                removed_at=acc.removed_at,
                verified_categories=tuple(map(sys.intern, acc.verified_categories)),
                platform=sys.intern(acc.platform),
                bio=bio,
                bio_words=bio_terms(bio),
                link_keys=links,
                avatar_pdq=acc.avatar_pdq,
                identifiers={sys.intern(k): v for k, v in acc.identifiers.items()},
                connections=id_hashes({*acc.following, *acc.followers}),
                char_tf=row,
                recent_tf=recent_row,
                **d,
            )
        )
    return out


def build_profile(
    account: Account, posts: Sequence[Post] = (), platform: PlatformProfile = NEUTRAL
) -> AccountProfile:
    return build_profiles([account], {account.account_id: posts}, platform)[0]
