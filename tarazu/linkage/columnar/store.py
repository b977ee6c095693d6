"""The removed accounts' numeric features as columns: one array per feature, one row per
removed account, so that a comparator scores all candidates of a new account in one numpy
call instead of one Python call per pair.

Rows are appended on add and recycled after a withdrawal (a free list): add and withdraw stay
O(1) amortised, and the arrays double when full. Variable-length features (the pauses between
posts) are kept in CSR form: one value buffer, and per row its start and length; a withdrawn
row's values become garbage, compacted away once they are half the buffer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from tarazu.linkage.profile import AccountProfile

_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)


def micros(t: datetime) -> int:
    """Microseconds since the epoch, exactly: the pair comparators subtract datetimes, exact to
    the microsecond, where a float timestamp would round."""
    d = t - (_UTC_EPOCH if t.tzinfo is not None else _NAIVE_EPOCH)
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


class RemovedColumns:
    """Per-feature arrays over the removed accounts (rows), kept beside the profiles."""

    def __init__(self, capacity: int = 1024) -> None:
        self.row: dict[str, int] = {}
        self._free: list[int] = []
        self._size = 0  # rows ever used (live or free)
        self._alloc(capacity)
        #: rendered values a reviewer reads, per row (interned by the row, not per pair)
        self.removed_iso: list[str] = []
        self._pause_values = np.zeros(1024, dtype=np.float64)
        self._pause_used = 0
        self._pause_dead = 0

    def _alloc(self, n: int) -> None:
        self.removed_us = np.zeros(n, dtype=np.int64)
        self.has_removed = np.zeros(n, dtype=bool)
        self.last_post_us = np.zeros(n, dtype=np.int64)
        self.has_last_post = np.zeros(n, dtype=bool)
        self.n_posts = np.zeros(n, dtype=np.int64)
        self.n_text_posts = np.zeros(n, dtype=np.int64)
        self.median_pause = np.full(n, np.nan)  # NaN: none
        self.hours = np.zeros((n, 24), dtype=np.float32)
        self.has_hours = np.zeros(n, dtype=bool)
        self.style: np.ndarray | None = None  # (n, d) once the first style vector is seen
        self.has_style = np.zeros(n, dtype=bool)
        self.pause_start = np.zeros(n, dtype=np.int64)
        self.pause_len = np.full(n, -1, dtype=np.int64)  # -1: no pauses (None)

    def _grow(self) -> None:
        old = {k: v for k, v in vars(self).items() if isinstance(v, np.ndarray)
               and v.shape[:1] == self.removed_us.shape and k != "_pause_values"}
        n = 2 * len(self.removed_us)
        for k, v in old.items():
            bigger = np.zeros((n, *v.shape[1:]), dtype=v.dtype)
            if k == "median_pause":
                bigger[:] = np.nan
            if k == "pause_len":
                bigger[:] = -1
            bigger[: len(v)] = v
            setattr(self, k, bigger)

    def __len__(self) -> int:
        return len(self.row)

    def add(self, p: AccountProfile) -> None:
        if p.account_id in self.row:
            self.remove(p.account_id)
        if self._free:
            r = self._free.pop()
        else:
            if self._size == len(self.removed_us):
                self._grow()
            r = self._size
            self._size += 1
            self.removed_iso.append("")
        self.row[p.account_id] = r
        self.has_removed[r] = p.removed_at is not None
        self.removed_us[r] = micros(p.removed_at) if p.removed_at is not None else 0
        self.removed_iso[r] = p.removed_at.isoformat() if p.removed_at is not None else ""
        self.has_last_post[r] = p.last_post is not None
        self.last_post_us[r] = micros(p.last_post) if p.last_post is not None else 0
        self.n_posts[r], self.n_text_posts[r] = p.n_posts, p.n_text_posts
        self.median_pause[r] = p.median_pause if p.median_pause is not None else np.nan
        self.has_hours[r] = p.hours is not None
        if p.hours is not None:
            self.hours[r] = p.hours
        self._set_style(r, p.style)
        self._set_pauses(r, p.log_pauses)

    def _set_style(self, r: int, style: np.ndarray | None) -> None:
        if style is not None and self.style is None:
            self.style = np.zeros((len(self.removed_us), style.shape[0]), dtype=np.float32)
        ok = style is not None and self.style is not None and style.shape[0] == self.style.shape[1]
        self.has_style[r] = ok
        if ok:
            self.style[r] = style  # type: ignore[index]

    def _set_pauses(self, r: int, pauses: np.ndarray | None) -> None:
        if pauses is None:
            self.pause_len[r] = -1
            return
        n = len(pauses)
        if self._pause_used + n > len(self._pause_values):
            self._compact(extra=n)
        self._pause_values[self._pause_used : self._pause_used + n] = pauses
        self.pause_start[r], self.pause_len[r] = self._pause_used, n
        self._pause_used += n

    def _compact(self, extra: int = 0) -> None:
        live = [r for r in self.row.values() if self.pause_len[r] > 0]
        total = int(sum(self.pause_len[r] for r in live))
        size = max(1024, 2 * (total + extra))
        values = np.zeros(size, dtype=np.float64)
        at = 0
        for r in live:
            s, n = self.pause_start[r], self.pause_len[r]
            values[at : at + n] = self._pause_values[s : s + n]
            self.pause_start[r] = at
            at += n
        self._pause_values, self._pause_used, self._pause_dead = values, at, 0

    def remove(self, account_id: str) -> None:
        r = self.row.pop(account_id, None)
        if r is None:
            return
        if self.pause_len[r] > 0:
            self._pause_dead += int(self.pause_len[r])
        self.has_removed[r] = self.has_last_post[r] = self.has_hours[r] = False
        self.has_style[r] = False
        self.pause_len[r] = -1
        self.removed_iso[r] = ""
        self._free.append(r)
        if self._pause_dead > max(4096, self._pause_used // 2):
            self._compact()

    def rows(self, ids: Sequence[str]) -> np.ndarray:
        return np.fromiter((self.row[i] for i in ids), dtype=np.int64, count=len(ids))

    def pauses(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pauses of ``rows`` concatenated, and each row's count (0 for none)."""
        lens = np.maximum(self.pause_len[rows], 0)
        if not lens.sum():
            return np.zeros(0), lens
        idx = np.concatenate([np.arange(s, s + n) for s, n in
                              zip(self.pause_start[rows].tolist(), lens.tolist(), strict=True)
                              if n])
        return self._pause_values[idx], lens
