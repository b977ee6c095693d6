"""Loops that have no array form, compiled with numba. Imported on first use (numba takes a
moment to import; a compiled kernel is cached on disk after its first call)."""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True, nogil=True)
def longest_common_runs(a: np.ndarray, flat: np.ndarray, starts: np.ndarray,
                        lens: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Length of the longest common substring of ``a`` with each text ``flat[s:s+n]`` (code
    points): the classic dynamic programme, one row of run lengths per character of ``a``."""
    out = np.zeros(lens.shape[0], dtype=np.int64)
    width = 0
    for n in lens:
        width = max(width, n)
    prev = np.zeros(width + 1, dtype=np.int64)
    cur = np.zeros(width + 1, dtype=np.int64)
    for r in range(lens.shape[0]):
        s, n, best = starts[r], lens[r], 0
        prev[: n + 1] = 0
        for i in range(a.shape[0]):
            c = a[i]
            cur[0] = 0
            for j in range(n):
                if flat[s + j] == c:
                    v = prev[j] + 1
                    cur[j + 1] = v
                    if v > best:
                        best = v
                else:
                    cur[j + 1] = 0
            prev, cur = cur, prev
        out[r] = best
    return out
