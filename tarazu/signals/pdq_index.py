"""The PDQ bank index: exact Hamming range search over millions of hashes, changed in place,
and snapshotted to disk so a restart loads arrays instead of re-reading every bank row.

Entries live in arrays, not objects (a ten-million-hash bank as Python objects is gigabytes):
the hash as four uint64 words, the entry id, and a small code for its (bank id, bank name);
metadata is kept only for entries that have some. Rows below ``tables.size`` are in the
multi-index tables (:mod:`tarazu.signals.mih`); rows added since sit in a short tail scanned
linearly, so an added hash is matchable as soon as ``add`` returns; the tail is folded into
the tables once it passes :data:`TAIL_ROWS`. Folding rewrites every table cell, which takes
seconds at millions of hashes, so past :data:`BACKGROUND_FOLD_ROWS` it runs in a worker
thread (the numba kernel releases the GIL) over rows that no longer change, while queries go
on against the old tables and a longer tail; the new tables are taken up by the next call
that finds the fold done (``settle`` waits for it). Removal marks the row dead (it is never answered
again) and the dead rows are dropped when they pass a tenth of the index.

The snapshot is a directory of ``.npy`` arrays (loaded with pickling disallowed), a JSON
metadata file, and ``header.json`` naming the format, its version, the entry count, each
file's dtype, shape and CRC-32, and the bank checkpoint it was taken at. Loading checks all of
it and refuses a snapshot that does not agree, naming the file and what disagreed. The hash
bank rows stay the source of truth: a snapshot only spares re-reading and re-validating them."""

from __future__ import annotations

import json
import os
import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tarazu.signals.base import InvalidSignal, SignalType
from tarazu.signals.index import (
    BuildCheckpoint,
    IndexedHash,
    IndexMatch,
    SkippedHash,
)

if TYPE_CHECKING:
    from tarazu.signals.mih import ChunkTables

#: Rows added since the last table build, scanned linearly (cheap at this size).
TAIL_ROWS = 16_384
#: Tables over at least this many rows are extended in a worker thread, not in the caller.
BACKGROUND_FOLD_ROWS = 200_000
#: Entries validated and appended per batch while adding from an iterable.
ADD_BATCH = 65_536

SNAPSHOT_FORMAT = "tarazu.pdq-index"
SNAPSHOT_VERSION = 1
HEADER = "header.json"
#: name -> (dtype, shape for a count of entries)
_ARRAYS: dict[str, tuple[str, Any]] = {
    "hashes": ("<u8", lambda n: (n, 4)),
    "entry_ids": ("<i8", lambda n: (n,)),
    "labels": ("<i4", lambda n: (n,)),
}
_TABLES: dict[str, tuple[str, Any]] = {
    "table_offsets": ("<u4", lambda n: (16, 65537)),
    "table_cells": ("<u2", lambda n: (16, 3 * n)),
}
_METADATA = "metadata.json"


class SnapshotError(ValueError):
    """A snapshot that cannot be loaded: missing, corrupt, or of another format or version."""


def _mih():  # type: ignore[no-untyped-def]
    """The compiled kernels, imported on first use (numba is slow to import)."""
    from tarazu.signals import mih

    return mih


@dataclass(frozen=True)
class LoadedSnapshot:
    index: PdqIndex
    checkpoint: BuildCheckpoint | None
    #: the bank rows that could not be indexed when the snapshot was taken (still reported)
    skipped: tuple[SkippedHash, ...] = ()


@dataclass
class _Fold:
    """Tables being extended over the first ``size`` rows in a worker thread. ``generation``
    is the index's at the start: a rebuild in the meantime makes the result stale."""

    generation: int
    size: int
    thread: threading.Thread | None = None
    tables: ChunkTables | None = None
    error: BaseException | None = None

    def run(self, old: ChunkTables, words: np.ndarray) -> None:
        try:
            self.tables = old.extended(words)
        except BaseException as exc:  # handed to the caller that takes the fold up
            self.error = exc


class PdqIndex:
    """Hashes within a Hamming distance of a query, every one of them (no approximation).

    Not safe for concurrent callers (the services hold a lock around it); the only thread of
    its own is the background fold, which reads rows no caller changes."""

    def __init__(self, signal_type: type[SignalType]) -> None:
        self.signal_type = signal_type
        self._words = np.empty((0, 4), dtype=np.uint64)
        self._ids = np.empty(0, dtype=np.int64)
        self._labels = np.empty(0, dtype=np.int32)
        self._alive = np.empty(0, dtype=np.bool_)
        self._n = 0  # rows in use; [tables.size, n) is the tail
        self._live = 0
        self._label_names: list[tuple[int, str]] = []
        self._label_code: dict[tuple[int, str], int] = {}
        self._metadata: dict[int, Mapping[str, Any]] = {}
        self._tail_rows: dict[int, int] = {}  # entry id -> row, for the tail only
        #: The table rows' ids ascending, and their rows; None when the rows are already in
        #: id order (the usual case: banks are read by id), which spares 16 bytes a hash.
        self._sorted_ids: np.ndarray | None = None
        self._sorted_rows: np.ndarray | None = None
        self._tables: ChunkTables | None = None
        self._fold: _Fold | None = None
        self._generation = 0  # bumped by every rebuild: a fold started before is stale

    # -- size and membership --------------------------------------------------------------

    def __len__(self) -> int:
        return self._live

    def entry_ids(self) -> frozenset[int]:
        return frozenset(self._ids[: self._n][self._alive[: self._n]].tolist())

    def _rows_of(self, entry_ids: np.ndarray) -> np.ndarray:
        """Live rows of the given entry ids (absent ids are left out)."""
        found: list[int] = []
        size = self._tables.size if self._tables is not None else 0
        ids = self._ids[:size] if self._sorted_ids is None else self._sorted_ids
        if size and entry_ids.size:
            pos = np.searchsorted(ids, entry_ids)
            pos[pos >= len(ids)] = 0
            hit = pos[ids[pos] == entry_ids]
            found.extend((hit if self._sorted_rows is None else self._sorted_rows[hit]).tolist())
        found.extend(r for i in entry_ids.tolist() if (r := self._tail_rows.get(i)) is not None)
        rows = np.array(found, dtype=np.int64)
        return rows[self._alive[rows]] if rows.size else rows

    @property
    def nbytes(self) -> int:
        """Bytes held in the rows in use (hashes, ids, labels, flags) and the tables, metadata
        aside. The arrays' room beyond the rows in use is never written until rows arrive,
        so the system does not give it memory (it is address space, not RSS)."""
        rows = [a[: self._n] for a in (self._words, self._ids, self._labels, self._alive)]
        index = [a for a in (self._sorted_ids, self._sorted_rows) if a is not None]
        tables = self._tables.nbytes if self._tables is not None else 0
        return sum(a.nbytes for a in rows + index) + tables

    # -- changes --------------------------------------------------------------------------

    def add(self, entries: Iterable[IndexedHash]) -> list[SkippedHash]:
        """Add entries; an invalid hash is skipped and returned by bank and entry id, an
        entry id already present is ignored. Every added hash is matchable on return."""
        self._take_up_fold()
        skipped: list[SkippedHash] = []
        it: Iterator[IndexedHash] = iter(entries)
        while batch := list(islice(it, ADD_BATCH)):
            self._add_batch(batch, skipped)
        self._fold_tail_if_long()
        return skipped

    def _add_batch(self, batch: list[IndexedHash], skipped: list[SkippedHash]) -> None:
        ids = np.fromiter((e.entry_id for e in batch), dtype=np.int64, count=len(batch))
        present = set(self._ids[self._rows_of(ids)].tolist())
        raw: list[bytes] = []
        kept: list[IndexedHash] = []
        for e in batch:
            if e.entry_id in present:
                continue
            try:
                raw.append(bytes.fromhex(self.signal_type.validate_signal_str(e.signal)))
            except (InvalidSignal, ValueError, TypeError, AttributeError) as exc:
                skipped.append(SkippedHash(e.bank, e.entry_id, str(exc)))
                continue
            present.add(e.entry_id)
            kept.append(e)
        if not kept:
            return
        words = np.frombuffer(b"".join(raw), dtype="<u8").reshape(len(kept), 4)
        labels = np.fromiter((self._label(e.bank_id, e.bank) for e in kept), dtype=np.int32,
                             count=len(kept))
        start = self._append(words, np.fromiter((e.entry_id for e in kept), dtype=np.int64,
                                                count=len(kept)), labels)
        for offset, e in enumerate(kept):
            self._tail_rows[e.entry_id] = start + offset
            if e.metadata:
                self._metadata[e.entry_id] = e.metadata

    def add_words(self, words: np.ndarray, entry_ids: np.ndarray, bank_id: int,
                  bank: str) -> None:
        """Add hashes given as their four words each (what :meth:`words_of` gave: valid
        already), under new entry ids, without metadata: the index :meth:`add` would build
        from the same hashes, without reading and checking each one's hex again."""
        words = np.ascontiguousarray(words, dtype="<u8")
        entry_ids = np.asarray(entry_ids, dtype=np.int64)
        if words.shape != (len(entry_ids), 4) or np.unique(entry_ids).size != len(entry_ids):
            raise ValueError("one row of four words for each of distinct entry ids")
        self._take_up_fold()
        if self._rows_of(entry_ids).size:
            raise ValueError("an entry id already present")
        labels = np.full(len(entry_ids), self._label(bank_id, bank), dtype=np.int32)
        start = self._append(words, entry_ids, labels)
        self._tail_rows.update(zip(entry_ids.tolist(), range(start, start + len(entry_ids)),
                                   strict=True))
        self._fold_tail_if_long()

    def words_of(self, entry_ids: np.ndarray) -> np.ndarray:
        """The hashes of live ``entry_ids`` as four words each, in their order (KeyError
        for an id not held)."""
        rows = np.flatnonzero(self._alive[: self._n])
        order = rows[np.argsort(self._ids[rows], kind="stable")]
        held = self._ids[order]
        at = np.searchsorted(held, entry_ids)
        found = at < len(held)
        found[found] = held[at[found]] == np.asarray(entry_ids)[found]
        if not found.all():
            raise KeyError("an entry id not held")
        return self._words[order[at]]

    def _label(self, bank_id: int, bank: str) -> int:
        key = (bank_id, bank)
        code = self._label_code.get(key)
        if code is None:
            code = self._label_code[key] = len(self._label_names)
            self._label_names.append(key)
        return code

    def _append(self, words: np.ndarray, ids: np.ndarray, labels: np.ndarray) -> int:
        """Append rows (to the tail), growing the arrays geometrically; returns the first row."""
        start, end = self._n, self._n + len(ids)
        if end > len(self._ids):
            # twice the room: copying ten million rows takes the add that needs it a second
            # on a busy machine, so it should come seldom; the room is not written, so it
            # costs address space, not memory
            cap = max(end, 2 * len(self._ids) + TAIL_ROWS)
            self._words = _grown(self._words, start, cap)
            self._ids = _grown(self._ids, start, cap)
            self._labels = _grown(self._labels, start, cap)
            self._alive = _grown(self._alive, start, cap)
        self._words[start:end] = words
        self._ids[start:end] = ids
        self._labels[start:end] = labels
        self._alive[start:end] = True
        self._n, self._live = end, self._live + len(ids)
        return start

    def remove(self, entry_ids: Iterable[int]) -> int:
        """Remove entries by id (unknown ids are ignored); returns how many were removed."""
        rows = self._rows_of(np.unique(np.fromiter(entry_ids, dtype=np.int64)))
        if not rows.size:
            return 0
        self._alive[rows] = False
        self._live -= len(rows)
        for i in self._ids[rows].tolist():
            self._metadata.pop(i, None)
            self._tail_rows.pop(i, None)
        if self._n - self._live > max(64, self._n // 10):
            self._rebuild()
        return len(rows)

    def _fold_tail_if_long(self) -> None:
        if self._n - (self._tables.size if self._tables is not None else 0) <= TAIL_ROWS:
            return
        if self._tables is None or self._n - self._live > self._n // 10:
            self._rebuild()
        elif self._fold is not None:
            return  # one fold at a time; the tail waits for the next
        elif self._tables.size >= BACKGROUND_FOLD_ROWS:
            self._start_fold()
        else:
            self._fold_tail()

    def _fold_tail(self) -> None:
        """Merge the tail into the tables in the caller (dead rows stay, flagged, until the
        next rebuild)."""
        assert self._tables is not None
        self._adopt(self._tables.extended(self._words[: self._n]))

    def _start_fold(self) -> None:
        """Extend the tables over the rows so far in a worker thread. Rows below ``_n`` never
        change (a removal flags ``_alive``, which the tables do not hold), and the arrays are
        handed over as they are now: a later add that grows them copies, it does not move
        these."""
        assert self._tables is not None
        fold = _Fold(self._generation, self._n)
        fold.thread = threading.Thread(target=fold.run, args=(self._tables, self._words[: self._n]),
                                       name="pdq-index-fold", daemon=True)
        self._fold = fold
        fold.thread.start()

    def _take_up_fold(self, wait: bool = False) -> None:
        """Put the background fold's tables in use once it is done (``wait``: wait for it)."""
        fold = self._fold
        if fold is None or fold.thread is None or (not wait and fold.thread.is_alive()):
            return
        fold.thread.join()
        self._fold = None
        if fold.error is not None:
            raise fold.error
        if fold.generation == self._generation and fold.tables is not None:
            self._adopt(fold.tables)

    @property
    def folding(self) -> bool:
        """Whether a fold started in the background has not yet been put in use."""
        return self._fold is not None

    def settle(self) -> None:
        """Wait for a background fold and put its tables in use (a snapshot, or a test that
        reads the tables, wants them settled)."""
        self._take_up_fold(wait=True)

    def _adopt(self, tables: ChunkTables) -> None:
        """Use ``tables`` (over the first ``tables.size`` rows, a superset of the current
        tables' rows); the rows they now hold leave the tail."""
        assert self._tables is not None and tables.size >= self._tables.size
        first, size = self._tables.size, tables.size
        new_ids = self._ids[first:size]
        ids_in_order = self._sorted_ids is None and bool(
            np.all(new_ids[1:] > new_ids[:-1])) and (
            first == 0 or not new_ids.size or new_ids[0] > self._ids[first - 1])
        self._tables = tables
        if not ids_in_order:
            self._index_ids(size)
        self._tail_rows = {i: r for i, r in self._tail_rows.items() if r >= size}

    def _index_ids(self, rows: int | None = None) -> None:
        """The lookup from entry id to row for the rows in the tables, the first ``rows``
        (all, if None; live ones only: a removed id may come back in a later row)."""
        rows = self._n if rows is None else rows
        ids = self._ids[:rows]
        if bool(self._alive[:rows].all()) and bool(np.all(ids[1:] > ids[:-1])):
            self._sorted_ids = self._sorted_rows = None
        else:
            live = np.flatnonzero(self._alive[:rows])
            order = live[np.argsort(ids[live], kind="stable")]
            self._sorted_ids, self._sorted_rows = ids[order], order

    def _rebuild(self) -> None:
        """Drop dead rows and build the tables over every row (the tail becomes empty)."""
        self._generation += 1  # rows move: a fold under way is of no use
        keep = np.flatnonzero(self._alive[: self._n])
        # room for as many again (unwritten room costs no memory): the next adds copy nothing
        cap = 2 * len(keep) + TAIL_ROWS + 1
        self._words = _grown(self._words[keep], len(keep), cap)
        self._ids = _grown(self._ids[keep], len(keep), cap)
        self._labels = _grown(self._labels[keep], len(keep), cap)
        self._alive = _grown(np.ones(len(keep), dtype=np.bool_), len(keep), cap)
        self._n = self._live = len(keep)
        self._tables = _mih().ChunkTables(self._words[: self._n])
        self._index_ids()
        self._tail_rows = {}

    # -- queries --------------------------------------------------------------------------

    def query(self, signal: str, max_distance: int) -> list[IndexMatch]:
        """Every entry within ``max_distance`` bits of ``signal``, nearest first."""
        s = self.signal_type.validate_signal_str(signal)
        if max_distance < 0 or not self._live:
            return []
        self._take_up_fold()
        q = np.frombuffer(bytes.fromhex(s), dtype="<u8")
        if self._tables is None:
            self._rebuild()
        assert self._tables is not None
        found = _mih().search(q, max_distance, self._words, self._alive, self._tables, self._n)
        matches = [IndexMatch(self._entry(r), d) for r, d in found.items()]
        return sorted(matches, key=lambda m: (m.distance, m.entry.entry_id))

    def _entry(self, row: int) -> IndexedHash:
        entry_id = int(self._ids[row])
        bank_id, bank = self._label_names[int(self._labels[row])]
        return IndexedHash(entry_id, self._words[row].tobytes().hex(), bank_id, bank,
                           self._metadata.get(entry_id) or {})

    # -- snapshot -------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str], checkpoint: BuildCheckpoint | None = None,
             skipped: Iterable[SkippedHash] = ()) -> None:
        """Write the live entries to directory ``path`` (created if needed). The header is
        written last and names each file's checksum, so a save cut short leaves a snapshot
        that load refuses rather than one it misreads."""
        self.settle()
        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        live = np.flatnonzero(self._alive[: self._n])
        arrays = {"hashes": self._words[live], "entry_ids": self._ids[live],
                  "labels": self._labels[live]}
        if self._n == self._live and self._n:
            # no dead rows: the tables' rows are the saved rows, so the tables are saved too
            # and a load skips building them (the tail is folded in first)
            if self._tables is None:
                self._rebuild()
            elif self._tables.size < self._n:
                self._fold_tail()
            assert self._tables is not None
            arrays |= {"table_offsets": self._tables.offsets, "table_cells": self._tables.cells}
        files: dict[str, dict[str, Any]] = {}
        for name, arr in arrays.items():
            dtype = (_ARRAYS | _TABLES)[name][0]
            data = np.ascontiguousarray(arr, dtype=dtype)
            _write_atomically(directory / f"{name}.npy", lambda f, a=data: np.save(f, a))
            files[name] = {"file": f"{name}.npy", "dtype": dtype, "shape": list(data.shape),
                           "crc32": _crc32(data)}
        meta = json.dumps({str(k): dict(v) for k, v in self._metadata.items()},
                          separators=(",", ":"), sort_keys=True).encode()
        _write_atomically(directory / _METADATA, lambda f: f.write(meta))
        header = {
            "format": SNAPSHOT_FORMAT, "version": SNAPSHOT_VERSION,
            "signal_type": self.signal_type.get_name(), "count": int(live.size),
            "checkpoint": None if checkpoint is None else {
                "last_id": checkpoint.last_id, "count": checkpoint.count},
            "banks": [[bank_id, bank] for bank_id, bank in self._label_names],
            "skipped": [[s.bank, s.entry_id, s.error] for s in skipped],
            "arrays": files,
            "metadata": {"file": _METADATA, "crc32": zlib.crc32(meta)},
        }
        _write_atomically(directory / HEADER,
                          lambda f: f.write(json.dumps(header, indent=1).encode()))

    @classmethod
    def load(cls, path: str | os.PathLike[str],
             signal_type: type[SignalType]) -> LoadedSnapshot:
        """The index saved at ``path`` and the checkpoint it was taken at; raises
        :class:`SnapshotError` naming the file and field when anything disagrees."""
        directory = Path(path)
        header = _read_header(directory, signal_type)
        count = header["count"]
        arrays = {name: _read_array(directory, name, header, count) for name in _ARRAYS}
        n_banks = len(header["banks"])
        if arrays["labels"].size and not (int(arrays["labels"].min()) >= 0
                                          and int(arrays["labels"].max()) < n_banks):
            raise SnapshotError(f"{directory / 'labels.npy'}: a bank code outside the "
                                f"header's {n_banks} banks")
        if np.unique(arrays["entry_ids"]).size != count:
            raise SnapshotError(f"{directory / 'entry_ids.npy'}: repeated entry ids")
        index = cls(signal_type)
        for bank_id, bank in header["banks"]:
            index._label(int(bank_id), str(bank))
        index._append(arrays["hashes"], arrays["entry_ids"], arrays["labels"])
        index._metadata = {int(k): v for k, v in _read_metadata(directory, header).items()}
        if count and "table_cells" in header["arrays"]:
            index._tables = _read_tables(directory, header, count)
            index._index_ids()
        else:
            index._rebuild()
        cp = header.get("checkpoint")
        checkpoint = None if cp is None else BuildCheckpoint(int(cp["last_id"]),
                                                             int(cp["count"]))
        skipped = tuple(SkippedHash(str(b), int(i), str(e))
                        for b, i, e in header.get("skipped", []))
        return LoadedSnapshot(index, checkpoint, skipped)


def _grown(a: np.ndarray, rows: int, cap: int) -> np.ndarray:
    """A new array of ``cap`` rows holding the first ``rows`` of ``a``; the rest is left
    unwritten (``np.empty``), so its pages are given memory only when rows arrive."""
    out = np.empty((cap, *a.shape[1:]), dtype=a.dtype)
    out[:rows] = a[:rows]
    return out


def _crc32(a: np.ndarray) -> int:
    return zlib.crc32(memoryview(np.ascontiguousarray(a)).cast("B"))


def _write_atomically(target: Path, write: Any) -> None:
    tmp = target.with_name(target.name + ".tmp")
    with open(tmp, "wb") as f:
        write(f)
    os.replace(tmp, target)


def _read_header(directory: Path, signal_type: type[SignalType]) -> dict[str, Any]:
    where = directory / HEADER
    try:
        header = json.loads(where.read_text())
    except FileNotFoundError:
        raise SnapshotError(f"{where}: no snapshot header") from None
    except (OSError, ValueError) as e:
        raise SnapshotError(f"{where}: unreadable header ({e})") from None
    if not isinstance(header, dict):
        raise SnapshotError(f"{where}: the header is not a JSON object")
    expected = {"format": SNAPSHOT_FORMAT, "version": SNAPSHOT_VERSION,
                "signal_type": signal_type.get_name()}
    for name, value in expected.items():
        if header.get(name) != value:
            raise SnapshotError(f"{where}: field {name!r} is {header.get(name)!r}, "
                                f"expected {value!r}")
    count = header.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise SnapshotError(f"{where}: field 'count' is {count!r}, not an entry count")
    for name in ("banks", "arrays", "metadata"):
        if not isinstance(header.get(name), list if name == "banks" else dict):
            raise SnapshotError(f"{where}: field {name!r} is missing or malformed")
    return header


def _read_array(directory: Path, name: str, header: dict[str, Any], count: int) -> np.ndarray:
    dtype, shape_of = (_ARRAYS | _TABLES)[name]
    spec = header["arrays"].get(name)
    where = directory / f"{name}.npy"
    if not isinstance(spec, dict):
        raise SnapshotError(f"{directory / HEADER}: no entry for array {name!r}")
    try:
        arr = np.load(where, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise SnapshotError(f"{where}: missing") from None
    except (OSError, ValueError) as e:
        raise SnapshotError(f"{where}: not a readable .npy array ({e})") from None
    shape = shape_of(count)
    if arr.dtype != np.dtype(dtype) or arr.shape != shape:
        raise SnapshotError(f"{where}: dtype {arr.dtype} shape {arr.shape}, the header's count "
                            f"{count} needs dtype {np.dtype(dtype)} shape {shape}")
    if _crc32(arr) != spec.get("crc32"):
        raise SnapshotError(f"{where}: checksum does not match the header (corrupt file)")
    return np.array(arr)


def _read_tables(directory: Path, header: dict[str, Any], count: int) -> ChunkTables:
    """The saved tables, checked to hold every row once per table in bucket order (a table
    naming a row past the end would read outside the hash array)."""
    offsets = _read_array(directory, "table_offsets", header, count)
    cells = _read_array(directory, "table_cells", header, count)
    where = directory / "table_cells.npy"
    if not (np.all(offsets[:, 0] == 0) and np.all(offsets[:, -1] == count)
            and np.all(np.diff(offsets.astype(np.int64), axis=1) >= 0)):
        raise SnapshotError(f"{directory / 'table_offsets.npy'}: bucket offsets do not cover "
                            f"the {count} entries in order")
    for k in range(16):
        rows = cells[k, 1::3].astype(np.int64) | (cells[k, 2::3].astype(np.int64) << 16)
        if int(rows.max()) >= count or not np.all(np.bincount(rows, minlength=count) == 1):
            raise SnapshotError(f"{where}: table {k} does not list each of the {count} rows once")
    return _mih().ChunkTables.from_arrays(offsets, cells, count)


def _read_metadata(directory: Path, header: dict[str, Any]) -> dict[str, Any]:
    where = directory / _METADATA
    try:
        raw = where.read_bytes()
    except OSError as e:
        raise SnapshotError(f"{where}: unreadable ({e})") from None
    if zlib.crc32(raw) != header["metadata"].get("crc32"):
        raise SnapshotError(f"{where}: checksum does not match the header (corrupt file)")
    meta = json.loads(raw)
    if not isinstance(meta, dict):
        raise SnapshotError(f"{where}: not a JSON object of entry metadata")
    return meta
