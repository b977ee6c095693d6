"""Indexes over banked hashes: add, remove and query, returning what matched and how closely.

HMA's users complain that its lookup returns neither the matched hash nor its metadata, that
one corrupt hash crashes the index build, and that every change rebuilds and re-ships the whole
index. Here a query returns :class:`IndexMatch` (the banked hash, its bank and entry id, its
metadata and the distance); :meth:`SignalIndex.add` skips and reports a corrupt hash by bank
and entry id; and indexes change in place (add / remove by entry id) — a full build is only
needed on start, and its :class:`BuildCheckpoint` tells when even that can be skipped.

Hashes live in database rows and an index is derived from them; the PDQ index
(:mod:`tarazu.signals.pdq_index`) can also be snapshotted to disk so a restart loads arrays
instead of re-reading millions of rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from datasketch import MinHashLSH

from tarazu.signals.base import InvalidSignal, SignalType
from tarazu.signals.text import NUM_PERM, minhash_of, minima

#: The metadata of every entry that has none (an index holds millions of entries: one
#: read-only empty mapping each was an object an entry).
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


def new_index(signal_type: type[SignalType]) -> SignalIndex:
    """The index that suits a signal type."""
    kind = signal_type.index_kind
    if kind == "hamming256":
        from tarazu.signals.pdq_index import PdqIndex  # it imports this module's records

        return PdqIndex(signal_type)
    if kind == "minhash":
        return MinHashIndex(signal_type)
    if kind == "exact":
        return ExactIndex(signal_type)
    raise ValueError(f"{signal_type.get_name()}: no index of kind {kind!r}")


def build_index(signal_type: type[SignalType], entries: Iterable[IndexedHash]
                ) -> tuple[SignalIndex, list[SkippedHash]]:
    """A new index over ``entries``, built aside so the caller can swap it in whole."""
    index = new_index(signal_type)
    return index, index.add(entries)
