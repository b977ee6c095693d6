"""Text signals: an exact hash of the normalised text, and a MinHash for near-duplicates.

Both start from :func:`tarazu.names.normalise.normalise` — the same folding of look-alike
letters, leetspeak, separators and scripts that name screening uses — so "J0in the
ch@nnel" and "join the channel" hash alike. The MinHash is 64 32-bit minima over character
5-grams (datasketch, scheme and seed pinned so stored hashes stay comparable); its distance is
the number of differing minima, so 64 − distance over 64 estimates the Jaccard similarity."""

from __future__ import annotations

import hashlib
from typing import ClassVar

import numpy as np
from datasketch import MinHash

from tarazu.names.normalise import normalise
from tarazu.signals.base import (
    ContentType,
    ExactHexSignal,
    HashResult,
    InvalidSignal,
    SignalType,
    TextHasher,
    Unhashable,
    hex_signal,
)

NUM_PERM = 64
SHINGLE = 5
#: Fewer shingles than this is too little text for a near-duplicate to mean anything.
MIN_SHINGLES = 8
_SEED = 1
_SCHEME = "affine32"


def normalised_text(text: str) -> str:
    return normalise(text)


def shingles(norm: str) -> set[bytes]:
    return {norm[i:i + SHINGLE].encode() for i in range(max(0, len(norm) - SHINGLE + 1))}


def minhash_of(values: np.ndarray) -> MinHash:
    """A datasketch MinHash from stored minima (for the LSH index)."""
    return MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME, hashvalues=values)


def minima(signal: str) -> np.ndarray:
    return np.frombuffer(bytes.fromhex(signal), dtype=">u4").astype(np.uint32)


class TextSha256Signal(ExactHexSignal, TextHasher):
    """Exact match of normalised text (copy-paste with disguises undone)."""

    name = "text_sha256"
    content_types: ClassVar[tuple[ContentType, ...]] = (ContentType.TEXT,)
    hex_length = 64

    @classmethod
    def hash_text(cls, text: str) -> HashResult:
        norm = normalised_text(text)
        if not norm:
            raise Unhashable(f"{cls.name}: no words left after normalisation")
        return HashResult(cls.name, hashlib.sha256(norm.encode()).hexdigest())

    @classmethod
    def get_examples(cls) -> list[str]:
        return [cls.hash_text(t).signal for t in
                ("placeholder text one", "placeholder text two", "a third placeholder")]


class TextMinHashSignal(SignalType, TextHasher):
    """Near-duplicate text: small edits, added or removed words."""

    name = "text_minhash"
    content_types: ClassVar[tuple[ContentType, ...]] = (ContentType.TEXT,)
    default_threshold = 19  # estimated Jaccard similarity of about 0.7 or more
    max_distance = NUM_PERM
    index_kind = "minhash"

    @classmethod
    def validate_signal_str(cls, signal: str) -> str:
        s = hex_signal(signal, NUM_PERM * 8, cls.name)
        if s == "f" * len(s):
            raise InvalidSignal(f"{cls.name}: the MinHash of empty text matches nothing")
        return s

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        return int(np.count_nonzero(minima(a) != minima(b)))

    @classmethod
    def hash_text(cls, text: str) -> HashResult:
        grams = shingles(normalised_text(text))
        if len(grams) < MIN_SHINGLES:
            raise Unhashable(f"{cls.name}: too little text for near-duplicate matching "
                             f"({len(grams)} shingles, {MIN_SHINGLES} needed)")
        m = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME)
        m.update_batch(sorted(grams))
        return HashResult(cls.name, m.hashvalues.astype(">u4").tobytes().hex())

    @classmethod
    def get_examples(cls) -> list[str]:
        return [cls.hash_text(t).signal for t in (
            "an invented placeholder message for the examples",
            "another neutral sentence used only as an example",
        )]
