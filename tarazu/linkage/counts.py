"""How many accounts hold each 32-bit hash (a four-word phrase), in flat numpy arrays.

The shared-phrases comparator asks one question of a phrase: do more than a handful of
accounts use it? A ``Counter`` of Python ints answered it with an object per distinct
phrase, a large share of the linker's memory (BENCHMARKS.md). Here the counted hashes sit in
one sorted ``uint32`` array beside their ``int32`` counts; recent
changes wait in a small dict and are merged in when it grows in proportion to what is held,
as the text LSH does (:mod:`tarazu.linkage.lsh`). Counts are exact: an account's phrases are
added on its removal and subtracted on its withdrawal, and a phrase whose count reaches zero
is dropped."""

from __future__ import annotations

import numpy as np

_NO_COUNTS = np.zeros(0, dtype=np.int32)


class HashCounts:
    """A multiset of unsigned hashes (uint32 by default) with vectorised look-up."""

    def __init__(self, merge_at: int = 1 << 16, dtype: type = np.uint32) -> None:
        """``dtype``: of the hashes held (``np.uint64`` for the 64-bit ids of connections)."""
        self.merge_at = merge_at
        self.dtype = np.dtype(dtype)
        self._keys = np.zeros(0, dtype=self.dtype)  # sorted, unique
        self._counts = _NO_COUNTS  # > 0, aligned with _keys
        self._pending: dict[int, int] = {}  # hash -> change not merged yet

    def update(self, hashes: np.ndarray, sign: int) -> None:
        """Add (sign +1) or subtract (-1) one occurrence of each hash (unique per call)."""
        pending = self._pending
        for h in hashes.tolist():
            pending[h] = pending.get(h, 0) + sign
        # merge when the changes reach a sixteenth of what is held (at least merge_at): each
        # merge re-sorts everything, so a fixed step makes a bulk build quadratic; the dict
        # of changes stays small beside what is held
        if len(pending) >= max(self.merge_at, self._keys.size // 16):
            self._merge()

    def counts(self, hashes: np.ndarray) -> np.ndarray:
        """The count of each hash (0 if absent), as int64."""
        hashes = np.asarray(hashes, dtype=self.dtype)
        out = np.zeros(hashes.shape[0], dtype=np.int64)
        if self._keys.size and hashes.size:
            pos = np.searchsorted(self._keys, hashes)
            pos[pos == self._keys.size] = 0
            hit = self._keys[pos] == hashes
            out[hit] = self._counts[pos[hit]]
        if self._pending:
            out += np.fromiter((self._pending.get(h, 0) for h in hashes.tolist()),
                               dtype=np.int64, count=hashes.shape[0])
        return out

    def get(self, h: int) -> int:
        return int(self.counts(np.array([h], dtype=self.dtype))[0])

    def __len__(self) -> int:
        """Distinct hashes held (merges the pending changes first)."""
        self._merge()
        return int(self._keys.size)

    def nbytes(self) -> int:
        return int(self._keys.nbytes + self._counts.nbytes)

    def _merge(self) -> None:
        if not self._pending:
            return
        new_keys = np.fromiter(self._pending.keys(), dtype=self.dtype, count=len(self._pending))
        new_counts = np.fromiter(self._pending.values(), dtype=np.int64, count=len(self._pending))
        keys = np.concatenate([self._keys, new_keys])
        counts = np.concatenate([self._counts.astype(np.int64), new_counts])
        uniq, inverse = np.unique(keys, return_inverse=True)
        summed = np.bincount(inverse, weights=counts, minlength=uniq.size).astype(np.int64)
        keep = summed > 0
        self._keys = uniq[keep]
        self._counts = summed[keep].astype(np.int32)
        self._pending = {}
