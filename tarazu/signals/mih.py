"""Exact Hamming range search over 256-bit hashes: multi-index hashing with a pair filter.

A hash is four uint64 words, read as 16 chunks of 16 bits (chunk ``k`` is bits
``16*(k%4)..`` of word ``k//4``) grouped in 8 pairs (chunks ``2j`` and ``2j+1``, one 32-bit half
of a word). By pigeonhole, a hash within ``d`` bits of the query has a pair within
``d // 8`` bits, and in that pair a chunk within ``d // 16`` bits. So each chunk has a table of
the rows sorted by that chunk's value (CSR: bucket offsets, rows); a query reads the buckets of
every value within ``d // 16`` bits of its chunk (17 buckets at ``d`` = 31), and keeps a row
only when the chunk's distance plus its partner chunk's (stored beside the row, so the filter
reads memory in order) is at most ``d // 8``. Few random rows pass that filter; only
those survivors and the true matches touch the hashes themselves. No match is lost: the filter
is the pigeonhole bound, never an estimate.

Why not faiss's multi-hash index: it verifies every bucket candidate against the full hash
(random memory reads, many per query in a large bank), and keeps its buckets in hash maps of
vectors. Here a row costs 6 bytes per table (partner chunk and row, 16 bits each, interleaved):
96 bytes a hash over the 16 tables, beside the 32-byte hash.

Loops are numba-compiled; this module is imported only when a PDQ index is first used (numba
takes a moment to import and a compiled kernel is cached on disk after its first call)."""

from __future__ import annotations

import numba as nb
import numpy as np

WORDS = 4
CHUNKS = 16
CHUNK_BITS = 16
PAIRS = CHUNKS // 2
BUCKETS = 1 << CHUNK_BITS

#: Above this distance the tables probe so many buckets that a linear scan is cheaper
#: (at 64, ``d // 16`` = 4 flips per chunk is 2,517 buckets of 16).
SCAN_ABOVE = 63

_POP16 = np.array([bin(v).count("1") for v in range(BUCKETS)], dtype=np.uint8)
#: Every 16-bit XOR mask, fewest bits first; the first ``MASKS_UPTO[r]`` have at most r bits.
_MASKS = np.argsort(_POP16, kind="stable").astype(np.uint16)
MASKS_UPTO = np.cumsum(np.bincount(_POP16, minlength=CHUNK_BITS + 1))


def chunk_values(words: np.ndarray) -> np.ndarray:
    """The (16, n) uint16 chunk values of (n, 4) uint64 hashes."""
    n = words.shape[0]
    out = np.empty((CHUNKS, n), dtype=np.uint16)
    for k in range(CHUNKS):
        out[k] = (words[:, k // 4] >> np.uint64(CHUNK_BITS * (k % 4))) & np.uint64(0xFFFF)
    return out


@nb.njit(cache=True, nogil=True)
def _popcount64(x: np.uint64) -> int:  # pragma: no cover - compiled
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@nb.njit(cache=True, nogil=True)
def _distance(words: np.ndarray, row: int, q: np.ndarray) -> int:  # pragma: no cover
    d = 0
    for w in range(4):
        d += _popcount64(words[row, w] ^ q[w])
    return d


@nb.njit(cache=True, nogil=True, inline="always")
def _bucket_starts(values: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Where each chunk value's bucket starts among the rows sorted by ``values`` (one chunk of
    every row): ``starts[v]`` to ``starts[v + 1]``, a counting sort's prefix sums."""
    starts = np.zeros(65537, dtype=np.int64)
    for i in range(values.shape[0]):
        starts[values[i] + 1] += 1
    for v in range(65536):
        starts[v + 1] += starts[v]
    return starts


@nb.njit(cache=True, nogil=True, inline="always")
def _put_cell(cells: np.ndarray, k: int, at: int, partner: int,
              row: int) -> None:  # pragma: no cover - compiled
    """One cell of table ``k`` at ``at``: the row's partner chunk, then its row in two
    16-bit halves."""
    cells[k, at] = partner
    cells[k, at + 1] = row & 0xFFFF
    cells[k, at + 2] = row >> 16


@nb.njit(cache=True, nogil=True)
def _build_tables(chunks: np.ndarray, offsets: np.ndarray,
                  cells: np.ndarray) -> None:  # pragma: no cover - compiled
    """Counting sort of the rows by each chunk: fills offsets (16, 65537) and cells (16, 3n).
    Linear in n: a rebuild after a batch of additions costs one pass per table."""
    n = chunks.shape[1]
    for k in range(16):
        counts = _bucket_starts(chunks[k])
        for v in range(65537):
            offsets[k, v] = counts[v]
        partner = k ^ 1
        for i in range(n):
            v = chunks[k, i]
            pos = counts[v]
            counts[v] = pos + 1
            _put_cell(cells, k, 3 * pos, chunks[partner, i], i)


@nb.njit(cache=True, nogil=True, inline="always")
def _offer(words: np.ndarray, r: int, q: np.ndarray, max_distance: int, alive: np.ndarray,
           out: np.ndarray, found: int) -> int:  # pragma: no cover - compiled
    """``found`` plus one when row ``r`` is live and within ``max_distance`` of ``q``; the
    pair is written to ``out`` while it has room. For the rows the tables' filter lets
    through (the linear scan writes the same test out in its loop)."""
    if not alive[r]:
        return found
    d = _distance(words, r, q)
    if d > max_distance:
        return found
    if found < out.shape[0]:
        out[found, 0] = r
        out[found, 1] = d
    return found + 1


@nb.njit(cache=True, nogil=True)
def _search(q: np.ndarray, max_distance: int, offsets: np.ndarray, cells: np.ndarray,
            table_size: int, words: np.ndarray, scan_end: int,
            alive: np.ndarray, masks: np.ndarray, n_masks: int, pair_limit: int,
            pop16: np.ndarray, scan_all: bool, out: np.ndarray) -> int:  # pragma: no cover
    """Writes the (row, distance) pairs of the live rows within ``max_distance`` of ``q`` to
    ``out`` and returns how many there are (a row reached through several chunks is written
    each time; past ``len(out)`` they are counted, not written: the caller asks again with
    room). The tables serve rows below ``table_size`` (a linear scan when ``scan_all``), a
    linear scan the tail [table_size, scan_end). (``out`` is never reassigned here: growing it
    in the loop made numba's loop much slower even when it never grew.)"""
    found = 0
    scan_from = 0 if scan_all else table_size
    if not scan_all:
        qc = np.empty(16, dtype=np.int64)
        for k in range(16):
            qc[k] = (q[k // 4] >> np.uint64(16 * (k % 4))) & np.uint64(0xFFFF)
        # The bucket bounds first, all at once: independent loads the processor overlaps,
        # where reading each just before its bucket waits out one cache miss after another.
        lo = np.empty((16, n_masks), dtype=np.int64)
        hi = np.empty((16, n_masks), dtype=np.int64)
        for k in range(16):
            for m in range(n_masks):
                v = qc[k] ^ masks[m]
                lo[k, m] = 3 * np.int64(offsets[k, v])
                hi[k, m] = 3 * np.int64(offsets[k, v + 1])
        for k in range(16):
            qp = qc[k ^ 1]
            for m in range(n_masks):
                budget = pair_limit - pop16[masks[m]]
                for j in range(lo[k, m], hi[k, m], 3):
                    # the pair filter: the pigeonhole bound, read in memory order
                    if pop16[cells[k, j] ^ qp] > budget:
                        continue
                    r = np.int64(cells[k, j + 1]) | (np.int64(cells[k, j + 2]) << 16)
                    found = _offer(words, r, q, max_distance, alive, out, found)
    # the linear scan tests each row in the loop's own body: numba does not fold a call to
    # ``_offer`` into a loop over every row, and the call per row cost most of the scan
    # (docs/linking-findings.md, "The picture index's tail")
    for r in range(scan_from, scan_end):
        if not alive[r]:
            continue
        d = _distance(words, r, q)
        if d > max_distance:
            continue
        if found < out.shape[0]:
            out[found, 0] = r
            out[found, 1] = d
        found += 1
    return found


@nb.njit(cache=True, nogil=True)
def _merge_tables(offsets: np.ndarray, cells: np.ndarray, chunks: np.ndarray, first_row: int,
                  out_offsets: np.ndarray, out_cells: np.ndarray) -> None:  # pragma: no cover
    """The tables with rows first_row.. (whose chunks are given) merged in: each bucket's old
    run copied in order, then its new rows. Reads and writes memory in order, where a counting
    sort of every row scatters writes across the whole table."""
    m = chunks.shape[1]
    order = np.empty(m, dtype=np.int64)
    for k in range(16):
        counts = _bucket_starts(chunks[k])
        fill = counts.copy()
        for i in range(m):
            v = chunks[k, i]
            order[fill[v]] = i
            fill[v] += 1
        partner = k ^ 1
        pos = 0
        for v in range(65536):
            out_offsets[k, v] = pos // 3
            lo = 3 * np.int64(offsets[k, v])
            hi = 3 * np.int64(offsets[k, v + 1])
            out_cells[k, pos:pos + hi - lo] = cells[k, lo:hi]
            pos += hi - lo
            for j in range(counts[v], counts[v + 1]):
                i = order[j]
                _put_cell(out_cells, k, pos, chunks[partner, i], first_row + i)
                pos += 3
        out_offsets[k, 65536] = pos // 3


class ChunkTables:
    """The 16 sorted chunk tables over rows [0, n) of a hash array."""

    def __init__(self, words: np.ndarray) -> None:
        n = words.shape[0]
        if n >= 2**32:
            raise ValueError("a PDQ index holds fewer than 2**32 hashes")
        self.size = n
        self.offsets = np.empty((CHUNKS, BUCKETS + 1), dtype=np.uint32)
        #: per table and row, in bucket order: the partner chunk, then the row's low and high
        #: 16 bits, interleaved so that a bucket is one run of memory
        self.cells = np.empty((CHUNKS, 3 * n), dtype=np.uint16)
        if n:
            _build_tables(chunk_values(words), self.offsets, self.cells)
        else:
            self.offsets[:] = 0

    @classmethod
    def from_arrays(cls, offsets: np.ndarray, cells: np.ndarray, size: int) -> ChunkTables:
        """Tables saved earlier (the caller has checked them)."""
        out = cls(np.empty((0, WORDS), dtype=np.uint64))
        out.size, out.offsets, out.cells = size, offsets, cells
        return out

    def extended(self, words: np.ndarray) -> ChunkTables:
        """New tables over every row of ``words``, of which these tables hold the first
        ``self.size``: the rows since are merged in (what folding the tail costs)."""
        n = words.shape[0]
        out = ChunkTables(words[:0])
        out.size = n
        out.cells = np.empty((CHUNKS, 3 * n), dtype=np.uint16)
        _merge_tables(self.offsets, self.cells, chunk_values(words[self.size:]), self.size,
                      out.offsets, out.cells)
        return out

    @property
    def nbytes(self) -> int:
        return self.offsets.nbytes + self.cells.nbytes


def search(q: np.ndarray, max_distance: int, words: np.ndarray, alive: np.ndarray,
           tables: ChunkTables, scan_end: int) -> dict[int, int]:
    """Row -> distance of the live rows within ``max_distance`` of the query words ``q``: the
    tables for rows below ``tables.size``, a linear scan from there to ``scan_end`` (and of
    every row for a distance too wide for the tables)."""
    out = np.empty((64, 2), dtype=np.int64)
    while True:
        found = _search(q, max_distance, tables.offsets, tables.cells, tables.size, words,
                        scan_end, alive, _MASKS,
                        int(MASKS_UPTO[min(max_distance // CHUNKS, CHUNK_BITS)]),
                        max_distance // PAIRS, _POP16, max_distance > SCAN_ABOVE, out)
        if found <= len(out):
            break
        out = np.empty((found, 2), dtype=np.int64)
    # a match reached through several chunks is listed each time: keep it once
    return dict(out[:found].tolist())


def compile_kernels() -> None:
    """Compile (or load from numba's disk cache) every kernel, the table extension included:
    an index calls it only once its tail has been folded in twice (tens of thousands of adds
    into a stream worker's life), and compiling it there stalls that add for seconds on a
    fresh install. A worker calls this before its first event (``linkage.warm``)."""
    words = np.arange(12, dtype=np.uint64).reshape(3, WORDS)
    tables = ChunkTables(words[:2]).extended(words)
    search(words[0], 31, words, np.ones(3, dtype=bool), tables, 3)
