"""Collection statistics (how rare is a hashtag, a page, an n-gram) over the accounts seen.

Rarity is what separates "both follow #Pakistan" from "both post in the same obscure Telegram
channel". Counts are derived from the profiles added, so they update when an account is added
or withdrawn; nothing is read from outside the input."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from scipy import sparse

from tarazu.linkage.profile import AccountProfile

KINDS = ("hashtags", "mentions", "contexts", "content_words", "shingles", "post_links")


class Corpus:
    def __init__(self) -> None:
        self.n = 0
        self.df: dict[str, Counter] = {k: Counter() for k in KINDS}
        self._char_df: np.ndarray | None = None
        self._char_n = 0
        self._members: set[str] = set()
        self.epoch = 0  # bumps on every change; caches keyed by it
        self._char_idf_cache: tuple[int, np.ndarray] | None = None
        self._vectors: dict[tuple[str, str], sparse.csr_matrix] = {}
        self._vectors_epoch = -1

    def _tokens(self, p: AccountProfile, kind: str):
        v = getattr(p, kind)
        return v.keys() if kind == "contexts" else v

    def add(self, p: AccountProfile) -> None:
        if p.account_id in self._members:
            return
        self._members.add(p.account_id)
        self._update(p, +1)

    def remove(self, p: AccountProfile) -> None:
        if p.account_id not in self._members:
            return
        self._members.discard(p.account_id)
        self._update(p, -1)

    def __contains__(self, account_id: str) -> bool:
        return account_id in self._members

    def _update(self, p: AccountProfile, sign: int) -> None:
        self.n += sign
        for kind in KINDS:
            c = self.df[kind]
            for t in self._tokens(p, kind):
                c[t] += sign
                if c[t] <= 0:
                    del c[t]
        if p.char_tf is not None:
            if self._char_df is None:
                self._char_df = np.zeros(p.char_tf.shape[1], dtype=np.int32)
            self._char_df[p.char_tf.indices] += sign
            self._char_n += sign
        self.epoch += 1

    def idf(self, kind: str, token: object) -> float:
        """Smoothed inverse document frequency (bits): rare tokens weigh more."""
        return math.log2((self.n + 1) / (self.df[kind].get(token, 0) + 1))

    def char_idf(self) -> np.ndarray | None:
        if self._char_df is None:
            return None
        if self._char_idf_cache is None or self._char_idf_cache[0] != self.epoch:
            idf = np.log((self._char_n + 1) / (self._char_df + 1)).astype(np.float32) + 1.0
            self._char_idf_cache = (self.epoch, idf)
        return self._char_idf_cache[1]

    def char_vector(self, p: AccountProfile, field: str) -> sparse.csr_matrix | None:
        """The profile's TF-IDF char n-gram vector (``char_tf`` or ``recent_tf``), unit length,
        cached until the statistics change."""
        row = getattr(p, field)
        if row is None:
            return None
        if self._vectors_epoch != self.epoch:
            self._vectors.clear()
            self._vectors_epoch = self.epoch
        key = (p.account_id, field)
        v = self._vectors.get(key)
        if v is None:
            idf = self.char_idf()
            data = row.data * idf[row.indices] if idf is not None else row.data.copy()
            norm = float(np.sqrt((data * data).sum())) or 1.0
            v = sparse.csr_matrix(
                (data / norm, row.indices.copy(), row.indptr.copy()), shape=row.shape
            )
            self._vectors[key] = v
        return v
