"""Variable-length rows in one buffer (CSR), and strings as small integers: the two building
blocks of the columnar store besides its fixed-width arrays.

A :class:`Ragged` keeps every row's values back to back in one array, each row's start and
length beside it (length -1: no value, which is not the same as an empty one); a replaced or
withdrawn row's values become garbage, compacted away once they are half the buffer, so add
and withdraw stay O(1) amortised. An :class:`Interner` gives each distinct string an id and
frees the id with the last row that holds it, so that equal strings compare as integers."""

from __future__ import annotations

import numpy as np


def segment_index(starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Positions of ``lens[i]`` values from ``starts[i]``, row after row, in one array."""
    total = int(lens.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.zeros(len(lens), dtype=np.int64)
    np.cumsum(lens[:-1], out=offsets[1:])
    return np.repeat(starts - offsets, lens) + np.arange(total, dtype=np.int64)


class Ragged:
    """Rows of varying length (CSR): one value buffer, per row its start and length."""

    def __init__(self, rows: int, dtype: type | np.dtype, initial: int = 1024,
                 compact_at: int = 4096) -> None:
        """``compact_at``: garbage values tolerated whatever the buffer's size."""
        self.values = np.zeros(initial, dtype=dtype)
        self.compact_at = compact_at
        self.start = np.zeros(rows, dtype=np.int64)
        self.length = np.full(rows, -1, dtype=np.int64)  # -1: none
        self._used = 0
        self._dead = 0

    def grow_rows(self, rows: int) -> None:
        old = len(self.start)
        self.start = np.concatenate([self.start, np.zeros(rows - old, dtype=np.int64)])
        self.length = np.concatenate([self.length, np.full(rows - old, -1, dtype=np.int64)])

    def set(self, r: int, values: np.ndarray | None) -> None:
        """Row ``r``'s values (None: none), replacing what it held."""
        self.clear(r)
        if values is None:
            return
        n = len(values)
        if self._used + n > len(self.values):
            self._compact(extra=n)
        self.values[self._used : self._used + n] = values
        self.start[r], self.length[r] = self._used, n
        self._used += n

    def set_many(self, rows: np.ndarray, values: list[np.ndarray | None]) -> None:
        """:meth:`set` for many rows that hold nothing (new or cleared)."""
        lens = np.fromiter((-1 if v is None else len(v) for v in values), dtype=np.int64,
                           count=len(values))
        present = [v for v in values if v is not None and len(v)]
        flat = np.concatenate(present) if present else self.values[:0]
        self.set_flat(rows, flat, lens)

    def set_flat(self, rows: np.ndarray, flat: np.ndarray, lens: np.ndarray) -> None:
        """Rows that hold nothing (new or cleared) given their values back to back in
        ``flat``, ``lens[i]`` of them for ``rows[i]`` (-1: none): a build sets hundreds of
        thousands of rows, here in one copy instead of one call each."""
        rows = np.asarray(rows, dtype=np.int64)
        counts = np.maximum(lens, 0)
        n = int(counts.sum())
        if n != len(flat):
            raise ValueError(f"{len(flat)} values for rows of {n}")
        if self._used + n > len(self.values):
            self._compact(extra=n)
        self.values[self._used : self._used + n] = flat
        starts = np.zeros(len(rows), dtype=np.int64)
        np.cumsum(counts[:-1], out=starts[1:])
        self.start[rows] = self._used + starts
        self.length[rows] = lens
        self._used += n

    def clear(self, r: int) -> None:
        if self.length[r] > 0:
            self._dead += int(self.length[r])
        self.length[r] = -1
        if self._dead > max(self.compact_at, self._used // 2):
            self._compact()

    def lengths(self, rows: np.ndarray) -> np.ndarray:
        """Each row's count of values (0 for none)."""
        return np.maximum(self.length[rows], 0)

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The values of ``rows`` concatenated, and each row's count (0 for none)."""
        lens = self.lengths(rows)
        return self.values[segment_index(self.start[rows], lens)], lens

    def _compact(self, extra: int = 0) -> None:
        live = np.flatnonzero(self.length > 0)
        lens = self.length[live]
        size = max(16, 2 * (int(lens.sum()) + extra))
        values = np.zeros(size, dtype=self.values.dtype)
        kept = self.values[segment_index(self.start[live], lens)]
        values[: len(kept)] = kept
        starts = np.zeros(len(live), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        self.start[live] = starts
        self.values, self._used, self._dead = values, len(kept), 0


class Interner:
    """Distinct strings as ids (0, 1, ...), counted by the rows that hold them: an id is
    reused once no row holds its string."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.strings: list[str] = []
        self._refs: list[int] = []
        self._free: list[int] = []

    def __len__(self) -> int:
        return len(self.ids)

    def get(self, s: str) -> int:
        """The id of ``s``, -1 if no row holds it."""
        return self.ids.get(s, -1)

    def hold(self, s: str) -> int:
        i = self.ids.get(s)
        if i is None:
            if self._free:
                i = self._free.pop()
                self.strings[i], self._refs[i] = s, 0
            else:
                i = len(self.strings)
                self.strings.append(s)
                self._refs.append(0)
            self.ids[s] = i
        self._refs[i] += 1
        return i

    def release(self, i: int) -> None:
        self._refs[i] -= 1
        if not self._refs[i]:
            del self.ids[self.strings[i]]
            self.strings[i] = ""
            self._free.append(i)
