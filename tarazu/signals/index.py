"""Indexes over banked hashes: add, remove and query, returning what matched and how closely.

HMA's users complain that its lookup returns neither the matched hash nor its metadata, that
one corrupt hash crashes the index build, and that every change rebuilds and re-ships the whole
index. Here a query returns :class:`IndexMatch` (the banked hash, its bank and entry id, its
metadata and the distance); :meth:`SignalIndex.add` skips and reports a corrupt hash by bank
and entry id; and indexes change in place (add / remove by entry id) — a full build is only
needed on start, and its :class:`BuildCheckpoint` tells when even that can be skipped.

Nothing here is persisted: hashes live in database rows and an index is derived from them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

import faiss
import numpy as np
from datasketch import MinHashLSH

from tarazu.signals.base import InvalidSignal, SignalType
from tarazu.signals.text import NUM_PERM, minhash_of, minima

PDQ_BITS = 256
#: Multi-index hashing: 16 sub-hashes of 16 bits. A hash within 31 bits differs from the query
#: by at most one bit in at least one sub-hash, so one flipped bit per probe finds every match.
MULTI_HASH_NHASH = 16
MULTI_HASH_BITS = 16


#: The metadata of every entry that has none (an index holds millions of entries: one
#: read-only empty mapping each was ~250 bytes an entry).
_NO_METADATA: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class IndexedHash:
    """One banked hash as an index holds it."""

    entry_id: int
    signal: str
    bank_id: int
    bank: str
    metadata: Mapping[str, Any] = field(default_factory=lambda: _NO_METADATA)

    def __post_init__(self) -> None:
        meta = MappingProxyType(dict(self.metadata)) if self.metadata else _NO_METADATA
        object.__setattr__(self, "metadata", meta)


@dataclass(frozen=True)
class IndexMatch:
    entry: IndexedHash
    distance: int


@dataclass(frozen=True)
class SkippedHash:
    """A banked hash that could not be indexed, and why."""

    bank: str
    entry_id: int
    error: str


@dataclass(frozen=True)
class BuildCheckpoint:
    """What an index was built from: the highest entry id and the number of live entries.

    When the store reports the same pair, nothing was added or removed and the index stands."""

    last_id: int = 0
    count: int = 0


class SignalIndex(Protocol):
    """An index over the hashes of one signal type."""

    signal_type: type[SignalType]

    def add(self, entries: Iterable[IndexedHash]) -> list[SkippedHash]:
        """Add entries; invalid hashes are skipped and returned, the rest indexed."""
        ...

    def remove(self, entry_ids: Iterable[int]) -> int:
        """Remove entries by id (unknown ids are ignored); returns how many were removed."""
        ...

    def query(self, signal: str, max_distance: int) -> list[IndexMatch]:
        """Every entry within ``max_distance`` of ``signal``, nearest first."""
        ...

    def entry_ids(self) -> frozenset[int]: ...

    def __len__(self) -> int: ...


class _Entries:
    """Shared bookkeeping: the live entries by id, and validation on the way in."""

    def __init__(self, signal_type: type[SignalType]) -> None:
        self.signal_type = signal_type
        self.entries: dict[int, IndexedHash] = {}

    def _valid(self, entries: Iterable[IndexedHash], skipped: list[SkippedHash]
               ) -> list[IndexedHash]:
        out = []
        for e in entries:
            if e.entry_id in self.entries:
                continue
            try:
                canonical = self.signal_type.validate_signal_str(e.signal)
            except (InvalidSignal, ValueError, TypeError, AttributeError) as exc:
                skipped.append(SkippedHash(e.bank, e.entry_id, str(exc)))
                continue
            out.append(e if canonical == e.signal else IndexedHash(
                e.entry_id, canonical, e.bank_id, e.bank, e.metadata))
        return out

    def entry_ids(self) -> frozenset[int]:
        return frozenset(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @staticmethod
    def _sorted(matches: list[IndexMatch]) -> list[IndexMatch]:
        return sorted(matches, key=lambda m: (m.distance, m.entry.entry_id))


class ExactIndex(_Entries):
    """Exact signals (MD5, normalised-text SHA-256): a dictionary from hash to entries."""

    def __init__(self, signal_type: type[SignalType]) -> None:
        super().__init__(signal_type)
        self._by_signal: dict[str, set[int]] = {}

    def add(self, entries: Iterable[IndexedHash]) -> list[SkippedHash]:
        skipped: list[SkippedHash] = []
        for e in self._valid(entries, skipped):
            self.entries[e.entry_id] = e
            self._by_signal.setdefault(e.signal, set()).add(e.entry_id)
        return skipped

    def remove(self, entry_ids: Iterable[int]) -> int:
        n = 0
        for i in entry_ids:
            e = self.entries.pop(i, None)
            if e is not None:
                ids = self._by_signal[e.signal]
                ids.discard(i)
                if not ids:
                    del self._by_signal[e.signal]
                n += 1
        return n

    def query(self, signal: str, max_distance: int = 0) -> list[IndexMatch]:
        s = self.signal_type.validate_signal_str(signal)
        return self._sorted([IndexMatch(self.entries[i], 0)
                             for i in self._by_signal.get(s, ())])


class PdqIndex(_Entries):
    """PDQ on faiss: a flat (brute-force, SIMD) Hamming scan or multi-index hashing.

    Both are id-mapped so entries are added and removed by entry id. The multi-hash index
    cannot remove in place, so removals are tombstoned (filtered from results) and the index
    is compacted once tombstones pass a tenth of it.

    ``exact_within`` (multi-hash only) trades recall for speed: every match within that many
    bits is found, and a farther one (up to the query's distance) only when one of its 16
    sub-hashes equals the query's. The bank matcher leaves it at None (exact up to the query
    distance); candidate blocking, where other indexes also propose, probes no flipped bit
    (exact within 15 bits), which at 2.2 million hashes took a query from 5 ms to 0.26 ms."""

    def __init__(self, signal_type: type[SignalType], multi_hash: bool = False,
                 exact_within: int | None = None) -> None:
        super().__init__(signal_type)
        if exact_within is not None and not multi_hash:
            raise ValueError("exact_within needs the multi-hash index (the flat scan is exact)")
        self.multi_hash = multi_hash
        self.exact_within = exact_within
        self._tombstones: set[int] = set()
        self._faiss = self._new_faiss()

    def _new_faiss(self) -> faiss.IndexBinaryIDMap2:
        if self.multi_hash:
            base = faiss.IndexBinaryMultiHash(PDQ_BITS, MULTI_HASH_NHASH, MULTI_HASH_BITS)
        else:
            base = faiss.IndexBinaryFlat(PDQ_BITS)
        return faiss.IndexBinaryIDMap2(base)

    @staticmethod
    def _vectors(signals: list[str]) -> np.ndarray:
        return np.frombuffer(b"".join(bytes.fromhex(s) for s in signals),
                             dtype=np.uint8).reshape(len(signals), PDQ_BITS // 8)

    def add(self, entries: Iterable[IndexedHash]) -> list[SkippedHash]:
        skipped: list[SkippedHash] = []
        valid = self._valid(entries, skipped)
        if valid:
            self._faiss.add_with_ids(self._vectors([e.signal for e in valid]),
                                     np.array([e.entry_id for e in valid], dtype=np.int64))
            self.entries.update((e.entry_id, e) for e in valid)
        return skipped

    def remove(self, entry_ids: Iterable[int]) -> int:
        gone = [i for i in set(entry_ids) if self.entries.pop(i, None) is not None]
        if not gone:
            return 0
        if not self.multi_hash:
            self._faiss.remove_ids(np.array(gone, dtype=np.int64))
            return len(gone)
        self._tombstones.update(gone)
        if len(self._tombstones) > max(64, self._faiss.ntotal // 10):
            self._compact()
        return len(gone)

    def _compact(self) -> None:
        """Rebuild the multi-hash structure from the live entries, then swap it in."""
        fresh = self._new_faiss()
        live = list(self.entries.values())
        if live:
            fresh.add_with_ids(self._vectors([e.signal for e in live]),
                               np.array([e.entry_id for e in live], dtype=np.int64))
        self._faiss, self._tombstones = fresh, set()

    def query(self, signal: str, max_distance: int) -> list[IndexMatch]:
        s = self.signal_type.validate_signal_str(signal)
        if self._faiss.ntotal == 0:
            return []
        if self.multi_hash:
            # d // nhash flipped bits per sub-hash guarantees every match within d is probed
            exact = max_distance if self.exact_within is None else min(
                max_distance, self.exact_within)
            faiss.downcast_IndexBinary(self._faiss.index).nflip = exact // MULTI_HASH_NHASH
        # faiss returns distances strictly below the radius.
        _, dist, ids = self._faiss.range_search(self._vectors([s]), max_distance + 1)
        return self._sorted([IndexMatch(self.entries[int(i)], int(d))
                             for d, i in zip(dist, ids, strict=True)
                             if int(i) in self.entries])


class MinHashIndex(_Entries):
    """Near-duplicate text: locality-sensitive hashing over MinHash bands (16 bands of 4
    minima, so pairs with Jaccard 0.7 are candidates 99% of the time), then the exact
    distance of each candidate."""

    BANDS = (16, 4)

    def __init__(self, signal_type: type[SignalType]) -> None:
        super().__init__(signal_type)
        self._lsh = MinHashLSH(num_perm=NUM_PERM, params=self.BANDS)

    def add(self, entries: Iterable[IndexedHash]) -> list[SkippedHash]:
        skipped: list[SkippedHash] = []
        for e in self._valid(entries, skipped):
            self._lsh.insert(e.entry_id, minhash_of(minima(e.signal)))
            self.entries[e.entry_id] = e
        return skipped

    def remove(self, entry_ids: Iterable[int]) -> int:
        n = 0
        for i in set(entry_ids):
            if self.entries.pop(i, None) is not None:
                self._lsh.remove(i)
                n += 1
        return n

    def query(self, signal: str, max_distance: int) -> list[IndexMatch]:
        s = self.signal_type.validate_signal_str(signal)
        out = []
        for i in self._lsh.query(minhash_of(minima(s))):
            e = self.entries[i]
            d = self.signal_type.distance(s, e.signal)
            if d <= max_distance:
                out.append(IndexMatch(e, d))
        return self._sorted(out)


def set_search_threads(n: int) -> None:
    """Threads faiss uses per search (process-wide). One suits single-hash lookups: on a small
    machine, waking a second thread for one query costs more than the scan itself (see
    BENCHMARKS.md, known-content matching)."""
    faiss.omp_set_num_threads(max(1, n))


def new_index(signal_type: type[SignalType], multi_hash: bool = False) -> SignalIndex:
    """The index that suits a signal type."""
    kind = signal_type.index_kind
    if kind == "hamming256":
        return PdqIndex(signal_type, multi_hash=multi_hash)
    if kind == "minhash":
        return MinHashIndex(signal_type)
    if kind == "exact":
        return ExactIndex(signal_type)
    raise ValueError(f"{signal_type.get_name()}: no index of kind {kind!r}")


def build_index(signal_type: type[SignalType], entries: Iterable[IndexedHash],
                multi_hash: bool = False) -> tuple[SignalIndex, list[SkippedHash]]:
    """A new index over ``entries``, built aside so the caller can swap it in whole."""
    index = new_index(signal_type, multi_hash=multi_hash)
    return index, index.add(entries)
