"""Locality-sensitive hashing over MinHash bands, stored in flat numpy arrays.

datasketch's ``MinHashLSH`` keeps, for every band, a dict from the band's bytes to a set of
keys: about 250 bytes per account and band, 7.9 KB per removed account with the 32 bands the
linker uses, a quarter of the linker's memory. Here each band is one sorted array of 64-bit
band keys beside an array of account slots (12 bytes per account and band); recent inserts
wait in a small buffer that is merged in when it grows, and removals are tombstones dropped
at the next merge. The banding (how many bands of how many rows) is datasketch's own choice
for the threshold, and the MinHash values are datasketch's, so the candidates are the same
but for 64-bit key collisions (which can only add a candidate)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from datasketch import MinHashLSH

#: Mixes a band's rows into one 64-bit key (odd constants; multiplication wraps).
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0x27D4EB2F165667C5], dtype=np.uint64)


def banding(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) as datasketch picks them for ``threshold`` and ``num_perm``."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


class FlatLSH:
    """Band keys of many items; ``query`` returns the items sharing at least one band."""

    def __init__(self, bands: int, rows: int, merge_every: int = 4096) -> None:
        if rows > len(_MIX):
            raise ValueError(f"at most {len(_MIX)} rows per band")
        self.bands, self.rows, self.merge_every = bands, rows, merge_every
        self._keys = [np.zeros(0, dtype=np.int64) for _ in range(bands)]
        self._slots = [np.zeros(0, dtype=np.int32) for _ in range(bands)]
        self._pending_keys: list[np.ndarray] = []
        self._pending_slots: list[int] = []
        self._slot_of: dict[str, int] = {}
        self._item_of: list[str | None] = []
        self._dead = 0

    def band_keys(self, hashvalues: np.ndarray) -> np.ndarray:
        """One int64 key per band from the first ``bands * rows`` MinHash values."""
        hv = np.asarray(hashvalues, dtype=np.uint64)[: self.bands * self.rows]
        mixed = hv.reshape(self.bands, self.rows) * _MIX[: self.rows]
        return np.bitwise_xor.reduce(mixed, axis=1).view(np.int64)

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, item: str) -> bool:
        return item in self._slot_of

    def insert(self, item: str, hashvalues: np.ndarray) -> None:
        if item in self._slot_of:
            raise ValueError(f"{item!r} is already indexed")
        slot = len(self._item_of)
        self._item_of.append(item)
        self._slot_of[item] = slot
        self._pending_keys.append(self.band_keys(hashvalues))
        self._pending_slots.append(slot)
        if len(self._pending_slots) >= max(self.merge_every, len(self._slot_of) // 16):
            self._merge()

    def remove(self, item: str) -> None:
        slot = self._slot_of.pop(item, None)
        if slot is None:
            return
        self._item_of[slot] = None
        self._dead += 1
        if self._dead > max(self.merge_every, len(self._slot_of) // 4):
            self._merge()

    def query(self, hashvalues: np.ndarray) -> set[str]:
        keys = self.band_keys(hashvalues)
        slots: list[np.ndarray] = []
        for b in range(self.bands):
            arr = self._keys[b]
            lo = int(np.searchsorted(arr, keys[b], side="left"))
            hi = int(np.searchsorted(arr, keys[b], side="right"))
            if hi > lo:
                slots.append(self._slots[b][lo:hi])
        if self._pending_slots:
            hit = (np.vstack(self._pending_keys) == keys).any(axis=1)
            slots.append(np.asarray(self._pending_slots, dtype=np.int32)[hit])
        if not slots:
            return set()
        items = (self._item_of[s] for s in np.unique(np.concatenate(slots)).tolist())
        return {i for i in items if i is not None}

    def _merge(self) -> None:
        """Fold the buffer into the sorted arrays and drop removed items (renumbering slots,
        so the slot table never outgrows the live items)."""
        live = np.array([i is not None for i in self._item_of], dtype=bool)
        renumber = np.cumsum(live, dtype=np.int64) - 1
        pend_keys = (np.vstack(self._pending_keys) if self._pending_keys
                     else np.zeros((0, self.bands), dtype=np.int64))
        pend_slots = np.asarray(self._pending_slots, dtype=np.int32)
        for b in range(self.bands):
            keys = np.concatenate([self._keys[b], pend_keys[:, b]])
            slots = np.concatenate([self._slots[b], pend_slots])
            keep = live[slots]
            keys, slots = keys[keep], renumber[slots[keep]].astype(np.int32)
            order = np.argsort(keys, kind="stable")
            self._keys[b], self._slots[b] = keys[order], slots[order]
        self._item_of = [i for i in self._item_of if i is not None]
        self._slot_of = {item: s for s, item in enumerate(self._item_of)}
        self._pending_keys, self._pending_slots, self._dead = [], [], 0

    def items(self) -> Iterable[str]:
        return self._slot_of.keys()
