"""How many accounts hold each 32-bit hash (a four-word phrase), in flat numpy arrays.

The shared-phrases comparator asks one question of a phrase: do more than a handful of
accounts use it? A ``Counter`` of Python ints answered it with an object per distinct
phrase, a large share of the linker's memory (BENCHMARKS.md). Here the counted hashes sit in
one sorted ``uint32`` array beside their ``int32`` counts; recent changes wait in a small
hash table (:class:`Changes`) and are merged in when it grows in proportion to what is
held, as the text LSH does (:mod:`tarazu.linkage.lsh`). Counts are exact: an account's
phrases are added on its removal and subtracted on its withdrawal, and a phrase whose count
reaches zero is dropped."""

from __future__ import annotations

import numpy as np

_NO_COUNTS = np.zeros(0, dtype=np.int32)


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` of a few hundred integers: a sort and a mask, without the
    general path's overhead, which is most of its time at that size."""
    s = np.sort(values)
    if s.shape[0] < 2:
        return s
    keep = np.empty(s.shape[0], dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


class Changes:
    """Changes to counts not merged yet: hash -> summed change, in flat arrays (an
    open-addressing table filled by a compiled loop, ``columnar.kernels.table_add``). An
    account's few hundred phrases went into a dict one Python int at a time, a sizeable part
    of taking a removed account in; a hash whose changes sum to zero stays (as it did in the
    dict), so that :func:`len` counts the distinct hashes changed."""

    def __init__(self, capacity: int = 1024) -> None:
        self._empty(capacity)

    def _empty(self, capacity: int) -> None:
        self._keys = np.zeros(capacity, dtype=np.uint64)
        self._sums = np.zeros(capacity, dtype=np.int64)
        self._used = np.zeros(capacity, dtype=bool)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def add(self, hashes: np.ndarray, amounts: np.ndarray) -> None:
        """Add ``amounts[i]`` (int64) to the change of ``hashes[i]``."""
        from tarazu.linkage.columnar.kernels import table_add

        if 2 * (self._n + hashes.shape[0]) > self._keys.shape[0]:  # at most half full
            self._rehash(2 * (self._n + hashes.shape[0]))
        self._n += table_add(self._keys, self._sums, self._used, hashes, amounts)

    def get(self, hashes: np.ndarray) -> np.ndarray:
        """The change of each of ``hashes`` (int64; 0 for none)."""
        from tarazu.linkage.columnar.kernels import table_get

        if not self._n:
            return np.zeros(hashes.shape[0], dtype=np.int64)
        return table_get(self._keys, self._sums, self._used, hashes)

    def items(self) -> tuple[np.ndarray, np.ndarray]:
        """Every hash changed and its change, in no particular order."""
        return self._keys[self._used], self._sums[self._used]

    def _rehash(self, at_least: int) -> None:
        keys, sums = self.items()
        capacity = self._keys.shape[0]
        while capacity < at_least:
            capacity *= 2
        self._empty(capacity)
        if keys.shape[0]:
            self.add(keys, sums)


class HashCounts:
    """A multiset of unsigned hashes (uint32 by default) with vectorised look-up."""

    def __init__(self, merge_at: int = 1 << 16, dtype: type = np.uint32) -> None:
        """``dtype``: of the hashes held (``np.uint64`` for the 64-bit ids of connections)."""
        self.merge_at = merge_at
        self.dtype = np.dtype(dtype)
        self._keys = np.zeros(0, dtype=self.dtype)  # sorted, unique
        self._counts = _NO_COUNTS  # > 0, aligned with _keys
        self._pending = Changes()  # hash -> change not merged yet

    def update(self, hashes: np.ndarray, sign: int) -> None:
        """Add (sign +1) or subtract (-1) one occurrence of each hash (unique per call)."""
        self._change(np.asarray(hashes, dtype=self.dtype),
                     np.full(hashes.shape[0], sign, dtype=np.int64))

    def update_many(self, sets: list[np.ndarray]) -> None:
        """:meth:`update` with +1 for each of many hash sets (each unique): their hashes
        counted together, one change per distinct hash. The same counts as one by one."""
        if sets:
            hashes, counts = np.unique(np.concatenate(sets).astype(self.dtype),
                                       return_counts=True)
            self._change(hashes, counts.astype(np.int64))

    def _change(self, hashes: np.ndarray, amounts: np.ndarray) -> None:
        self._pending.add(hashes, amounts)
        # merge when the changes reach a sixteenth of what is held (at least merge_at): each
        # merge rewrites everything, so a fixed step makes a bulk build quadratic; the table
        # of changes stays small beside what is held
        if len(self._pending) >= max(self.merge_at, self._keys.size // 16):
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
        if len(self._pending):
            out += self._pending.get(hashes)
        return out

    def get(self, h: int) -> int:
        return int(self.counts(np.array([h], dtype=self.dtype))[0])

    def __len__(self) -> int:
        """Distinct hashes held (merges the pending changes first)."""
        self._merge()
        return int(self._keys.size)

    def nbytes(self) -> int:
        return int(self._keys.nbytes + self._counts.nbytes)

    def items(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct hashes held (sorted) and their counts (int32), the pending changes
        merged first: what a snapshot stores, so that a start need not count again."""
        self._merge()
        return self._keys, self._counts

    def restore(self, keys: np.ndarray, counts: np.ndarray) -> None:
        """Hold what :meth:`items` gave (replacing what is held): sorted distinct hashes of
        this dtype, each counted at least once (the caller checks: ``CorpusCounts.check``)."""
        keys = np.asarray(keys, dtype=self.dtype)
        counts = np.asarray(counts, dtype=np.int32)
        self._keys, self._counts, self._pending = keys, counts, Changes()

    def _merge(self) -> None:
        """Fold the pending changes in: only they are sorted, then placed by binary search
        into what is held (a linear merge; sorting all that is held again made each merge
        of a large set a pause of its own)."""
        if not len(self._pending):
            return
        new_keys, new_counts = self._pending.items()
        new_keys = new_keys.astype(self.dtype)
        order = np.argsort(new_keys)  # the keys of a table: distinct
        new_keys, new_counts = new_keys[order], new_counts[order]
        keys, counts = self._keys, self._counts.astype(np.int64)
        at = np.searchsorted(keys, new_keys)
        held = at < keys.size
        held[held] = keys[at[held]] == new_keys[held]
        counts[at[held]] += new_counts[held]
        fresh = ~held
        keys = np.insert(keys, at[fresh], new_keys[fresh])
        counts = np.insert(counts, at[fresh], new_counts[fresh])
        keep = counts > 0
        self._keys = keys[keep]
        self._counts = counts[keep].astype(np.int32)
        # a small table again, not the room of the largest batch of changes: at scale that
        # room would stay held beside the counts between merges
        self._pending = Changes()
