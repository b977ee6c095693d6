"""Locality-sensitive hashing over MinHash bands, stored in flat numpy arrays.

datasketch's ``MinHashLSH`` keeps, for every band, a dict from the band's bytes to a set of
keys: a Python object per account and band, a large share of the linker's memory
(BENCHMARKS.md). Here the 64-bit band keys sit in one sorted array beside an array of account
slots; recent inserts wait in a small buffer that is merged in when it grows, and
removals are tombstones dropped at the next merge. All bands share one sorted array (keys
salted by band), so a query is two vectorised binary searches. The banding (how many bands of
how many rows) is datasketch's own choice for the threshold, and the MinHash values are
datasketch's, so the candidates are the same but for 64-bit key collisions (which can only
add a candidate)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from datasketch import MinHashLSH

#: Mixes a band's rows into one 64-bit key (odd constants; multiplication wraps).
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0x27D4EB2F165667C5], dtype=np.uint64)


#: One salt per band, so that the keys of all bands can share one sorted array.
_SALTS = np.random.default_rng(20251202).integers(0, 2**63, 512, dtype=np.uint64)

#: Items inserted together from which they are merged in at once (and at least a 64th of
#: what is held, so that merges stay as rare, for what they move, as the buffer makes them).
_OWN_MERGE = 64


def banding(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) as datasketch picks them for ``threshold`` and ``num_perm``."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


class FlatLSH:
    """Band keys of many items; ``query`` returns the items sharing at least one band."""

    def __init__(self, bands: int, rows: int, merge_every: int = 4096) -> None:
        if rows > len(_MIX) or bands > len(_SALTS):
            raise ValueError(f"at most {len(_MIX)} rows and {len(_SALTS)} bands")
        self.bands, self.rows, self.merge_every = bands, rows, merge_every
        # every (band, key) of every merged item, sorted by salted key, and its slot
        self._keys = np.zeros(0, dtype=np.int64)
        self._slots = np.zeros(0, dtype=np.int32)
        # the buffer of recent inserts: their band keys, their slots, and band key -> slots
        self._pending: list[np.ndarray] = []
        self._pending_slots: list[int] = []
        # a key one buffered item holds maps to its bare slot (an int: nothing for the cyclic
        # collector to walk), a key several hold to a list of their slots
        self._pending_index: dict[int, int | list[int]] = {}
        self._slot_of: dict[str, int] = {}
        self._item_of: list[str | None] = []
        self._dead = 0

    def band_keys(self, hashvalues: np.ndarray) -> np.ndarray:
        """One int64 key per band from the first ``bands * rows`` MinHash values, salted by
        the band; for a matrix of signatures (one a row), a row of keys each."""
        hv = np.asarray(hashvalues, dtype=np.uint64)[..., : self.bands * self.rows]
        mixed = hv.reshape(*hv.shape[:-1], self.bands, self.rows) * _MIX[: self.rows]
        return (np.bitwise_xor.reduce(mixed, axis=-1) ^ _SALTS[: self.bands]).view(np.int64)

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, item: str) -> bool:
        return item in self._slot_of

    def insert(self, item: str, hashvalues: np.ndarray) -> None:
        if item in self._slot_of:
            raise ValueError(f"{item!r} is already indexed")
        keys = self.band_keys(hashvalues)
        self._buffer(self._register([item]), keys[None, :])

    def insert_many(self, items: Sequence[str], hashvalues: Sequence[np.ndarray]) -> None:
        """:meth:`insert` for many items at once: their band keys in one array operation.
        Enough of them to be worth a merge of their own (a restart from a snapshot, a piece of
        a batch's removed accounts) are merged in at once, instead of a buffer entry and a
        dict entry per item and band; fewer join the buffer, as one by one. Either way the
        same index for queries as inserting them one by one."""
        if len(items) == 1 and len(hashvalues) == 1:  # a stream's add: no array set-up
            self.insert(items[0], hashvalues[0])
            return
        seen: set[str] = set()
        for item in items:
            if item in seen or item in self._slot_of:
                raise ValueError(f"{item!r} is given twice or is already indexed")
            seen.add(item)
        if len(items) != len(hashvalues):
            raise ValueError(f"{len(items)} items, {len(hashvalues)} signatures")
        if not items:
            return
        keys = self.band_keys(np.stack(hashvalues))  # before anything changes
        slots = self._register(items)
        if len(items) >= max(_OWN_MERGE, len(self._slot_of) // 64):
            self._pending.append(keys.ravel())  # each item's bands in turn
            self._pending_slots.extend(slots)
            self._merge()
        else:
            self._buffer(slots, keys)

    def _register(self, items: Sequence[str]) -> range:
        """Give new items the next slots."""
        first = len(self._item_of)
        slots = range(first, first + len(items))
        self._item_of.extend(items)
        self._slot_of.update(zip(items, slots, strict=True))
        return slots

    def _buffer(self, slots: range, keys: np.ndarray) -> None:
        """Put items (their slots and a row of band keys each) in the buffer, merged in when
        it has grown to a 64th of what is held (at least ``merge_every``)."""
        index = self._pending_index
        get = index.get
        for slot, row in zip(slots, keys, strict=True):
            self._pending.append(row)
            self._pending_slots.append(slot)
            for k in row.tolist():
                held = get(k)
                if held is None:
                    index[k] = slot
                elif held.__class__ is int:
                    index[k] = [held, slot]  # type: ignore[list-item]
                else:
                    held.append(slot)  # type: ignore[union-attr]
        if len(self._pending_slots) >= max(self.merge_every, len(self._slot_of) // 64):
            self._merge()

    def packed(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The items in slot order and every (band key, slot) sorted by key, the buffer
        merged in first (which no query can tell): what :meth:`restore` takes again."""
        if self._pending_slots or self._dead:
            self._merge()
        return list(self._item_of), self._keys, self._slots  # type: ignore[arg-type]

    def restore(self, items: Sequence[str], keys: np.ndarray, slots: np.ndarray) -> None:
        """Take the tables :meth:`packed` gave into an empty index: the index those items'
        inserts built, without hashing and sorting their bands again. Raises ValueError
        for tables that do not fit the items (each item once a band, keys sorted)."""
        if self._slot_of or self._item_of:
            raise ValueError("tables are restored into an empty index")
        n = len(items)
        if keys.dtype != np.int64 or slots.dtype != np.int32 or keys.shape != slots.shape \
                or keys.shape != (n * self.bands,):
            raise ValueError(f"band tables of {keys.shape} for {n} items of {self.bands} bands")
        if n and (slots.min() < 0 or slots.max() >= n
                  or np.any(np.bincount(slots, minlength=n) != self.bands)
                  or np.any(keys[1:] < keys[:-1])):
            raise ValueError("band tables that do not hold each item once a band, in order")
        slot_of = dict(zip(items, range(n), strict=True))
        if len(slot_of) != n:
            raise ValueError("an item given twice")
        self._keys, self._slots = keys, slots
        self._item_of, self._slot_of = list(items), slot_of

    def holds(self, item: str, hashvalues: np.ndarray) -> bool:
        """Whether the merged tables hold ``item`` under every band of ``hashvalues`` (what
        a start checks a sample of restored items by)."""
        slot = self._slot_of.get(item)
        if slot is None:
            return False
        keys = self.band_keys(hashvalues)
        lo = np.searchsorted(self._keys, keys, side="left")
        hi = np.searchsorted(self._keys, keys, side="right")
        return all(slot in self._slots[a:z] for a, z in zip(lo.tolist(), hi.tolist(),
                                                             strict=True))

    def remove(self, item: str) -> None:
        slot = self._slot_of.pop(item, None)
        if slot is None:
            return
        self._item_of[slot] = None
        self._dead += 1
        if self._dead > max(self.merge_every, len(self._slot_of) // 4):
            self._merge()

    def query(self, hashvalues: np.ndarray, limit: int | None = None) -> set[str]:
        """The items sharing a band with ``hashvalues``; with ``limit``, only that many of
        them, those sharing the most bands first (an estimate of the similarity), ties in
        insertion order."""
        found, shared = self._found(hashvalues)
        if limit is None or len(found) <= limit:
            items = (self._item_of[s] for s in found.tolist())
            return {i for i in items if i is not None}
        # a removed item keeps its slot till the next merge: enough are taken to skip them
        first = _first_by_count(shared, min(len(found), limit + self._dead))
        out: set[str] = set()
        for s in found[first].tolist():
            item = self._item_of[s]
            if item is not None:
                out.add(item)
                if len(out) == limit:
                    break
        return out

    def ranked(self, hashvalues: np.ndarray) -> list[tuple[str, int]]:
        """Every live item sharing a band, with how many bands, in :meth:`query`'s order
        (most bands first, ties in insertion order): what a shard of the removed set
        returns so that the cap is applied over all shards."""
        found, shared = self._found(hashvalues)
        order = np.argsort(-shared, kind="stable")
        items = self._item_of
        return [(items[s], n) for s, n in zip(found[order].tolist(), shared[order].tolist(),
                                                strict=True) if items[s] is not None]

    def _found(self, hashvalues: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The slots sharing a band with ``hashvalues`` (sorted; removed items included)
        and how many bands each shares."""
        keys = self.band_keys(hashvalues)
        lo = np.searchsorted(self._keys, keys, side="left")
        hi = np.searchsorted(self._keys, keys, side="right")
        slots = [self._slots[a:z] for a, z in zip(lo.tolist(), hi.tolist(), strict=True) if z > a]
        if self._pending_index:
            get, buffered = self._pending_index.get, []
            for k in keys.tolist():
                held = get(k)
                if held is None:
                    continue
                if held.__class__ is int:
                    buffered.append(held)
                else:
                    buffered.extend(held)  # type: ignore[arg-type]
            if buffered:
                slots.append(np.array(buffered, dtype=np.int32))
        if not slots:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
        return _counted(np.concatenate(slots))

    def _merge(self) -> None:
        """Fold the buffer into the sorted arrays and drop removed items (renumbering slots,
        so the slot table never outgrows the live items)."""
        live = np.array([i is not None for i in self._item_of], dtype=bool)
        renumber = np.cumsum(live, dtype=np.int64) - 1
        pend_slots = np.asarray(self._pending_slots, dtype=np.int32)
        keys, slots = self._keys, self._slots
        if self._dead:
            keep = live[slots]
            keys, slots = keys[keep], slots[keep]
        if pend_slots.size:
            new_keys = np.concatenate(self._pending)  # each item's bands in turn
            new_slots = np.repeat(pend_slots, self.bands)
            keep = live[new_slots]
            new_keys, new_slots = new_keys[keep], new_slots[keep]
            order = np.argsort(new_keys, kind="stable")
            new_keys, new_slots = new_keys[order], new_slots[order]
            at = np.searchsorted(keys, new_keys, side="right")  # a linear merge, no re-sort
            keys, slots = np.insert(keys, at, new_keys), np.insert(slots, at, new_slots)
        self._keys, self._slots = keys, renumber[slots].astype(np.int32)
        self._item_of = [i for i in self._item_of if i is not None]
        self._slot_of = {item: s for s, item in enumerate(self._item_of)}
        self._pending, self._pending_slots, self._pending_index, self._dead = [], [], {}, 0


def _counted(slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(slots, return_counts=True)``, by a stable sort: the slots of a band key
    are held in increasing order, and a merge sort takes such runs as they come where
    ``np.unique``'s sort does not (thousands of slots a query at 1M; the gain is in
    docs/linking-findings.md)."""
    slots = np.sort(slots, kind="stable")
    first = np.empty(len(slots), dtype=bool)
    first[:1] = True
    np.not_equal(slots[1:], slots[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return slots[starts], np.diff(starts, append=len(slots))


def _first_by_count(counts: np.ndarray, k: int) -> np.ndarray:
    """The positions of the ``k`` first of ``counts`` in the order of a stable sort by
    descending count (most first, ties in position order), without sorting all of them: a
    query at a million accounts finds thousands of items sharing a band and keeps 200.

    The counts are numbers of bands (small, not negative), so the cut (the k-th largest
    count) is read off their histogram. ``np.partition`` found it too, but slowly: most
    items share one band, and its selection slows down on so many equal values
    (docs/linking-findings.md)."""
    n = len(counts)
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    if k >= n:
        return np.argsort(-counts, kind="stable")
    at_least = np.cumsum(np.bincount(counts)[::-1])[::-1]  # at_least[c]: counts >= c
    cut = int(np.flatnonzero(at_least >= k)[-1])  # the k-th largest count
    above = np.flatnonzero(counts > cut)
    at = np.concatenate((above, np.flatnonzero(counts == cut)[: k - len(above)]))
    return at[np.argsort(-counts[at], kind="stable")]
