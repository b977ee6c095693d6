"""Speed of the PDQ bank index (tarazu.signals.pdq_index.PdqIndex) beside python-threatexchange's
default PDQ index, in one run on the same hashes and queries, one thread; then tarazu alone at
sizes where the reference takes too long or too much memory to be worth a row.

    pip install -e '.[bench]'                        # python-threatexchange, the reference
    python bench/hash_index.py                       # 1M side by side, 10M tarazu alone
    python bench/hash_index.py --sizes 100000 --solo-sizes --queries 500

Hashes are uniformly random 256-bit PDQ hashes (seeded), added through ``PdqIndex.add`` (each
validated, with its bank and entry id) so the build is what a matcher pays on start without a
snapshot. Each query is a stored hash with d bits flipped, d drawn from 0..31 and spread evenly
over the 16 chunks of 16 bits (the hardest case for multi-index hashing: at 31, every chunk
differs); recall@31 is the share of queries whose planted hash is answered, and on a sample of
queries the whole answer is compared with a brute-force scan. "add 1" is one new hash made
matchable (added, then found by a query); "longest add" the largest single add seen while
adding hashes one by one (each then queried) until the tail of recent additions had passed its
limit and been folded into the tables, and "fold" how long that fold took from the add that
started it until its tables were in use (past ``BACKGROUND_FOLD_ROWS`` it runs in a worker
thread while adds and queries go on); the snapshot
is saved with no entry removed, so it holds the tables and a load reads them. Load
average is printed because the machine may be shared. Prints a Markdown table; performance
goals live in BENCHMARKS.md, never in unit tests."""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.benchmarks_file import cpu_model  # noqa: E402
from tarazu.signals.index import IndexedHash  # noqa: E402
from tarazu.signals.pdq import DEFAULT_THRESHOLD, PdqSignal  # noqa: E402
from tarazu.signals.pdq_index import TAIL_ROWS, PdqIndex  # noqa: E402


def random_words(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**64 - 1, size=(n, 4), dtype=np.uint64, endpoint=True)


def hexes(words: np.ndarray, start: int = 0, stop: int | None = None) -> Iterator[str]:
    """The hashes as 64-hex strings, made lazily (10M strings at once are over a gigabyte)."""
    stop = len(words) if stop is None else stop
    for lo in range(start, stop, 65_536):
        block = words[lo:min(lo + 65_536, stop)].tobytes()
        for i in range(0, len(block), 32):
            yield block[i:i + 32].hex()


def spread_flip(row: np.ndarray, d: int, rng: np.random.Generator) -> str:
    """``row`` with ``d`` bits flipped, as evenly as possible over the 16 chunks."""
    bits = bytearray(row.tobytes())
    chunks = rng.permutation(16)
    per_chunk: dict[int, list[int]] = {}
    for i in range(d):
        c = int(chunks[i % 16])
        taken = per_chunk.setdefault(c, [])
        free = [b for b in range(16) if b not in taken]
        taken.append(int(rng.choice(free)))
    for c, offsets in per_chunk.items():
        for b in offsets:
            bit = c * 16 + b  # chunk c is bits 16*(c%4).. of little-endian word c//4
            byte = (bit // 64) * 8 + (bit % 64) // 8
            bits[byte] ^= 1 << (bit % 8)
    return bytes(bits).hex()


def brute_force(words: np.ndarray, q: str, radius: int) -> set[int]:
    qw = np.frombuffer(bytes.fromhex(q), dtype="<u8")
    d = np.bitwise_count(words ^ qw).sum(axis=1, dtype=np.int64)
    return set((np.flatnonzero(d <= radius) + 1).tolist())  # entry ids are rows + 1


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def timed_queries(query: Callable[[str], set[int]], probes: list[tuple[int, str]]
                  ) -> dict[str, float]:
    """Latencies, lookups per second of wall time and of CPU time (the machine may be
    shared: a process waiting for a core loses wall time, not CPU time), and the recall of
    the planted hashes."""
    query(probes[0][1])  # warm-up
    lat, found = [], 0
    start, cpu = time.perf_counter(), time.process_time()
    for entry_id, q in probes:
        t = time.perf_counter()
        ids = query(q)
        lat.append((time.perf_counter() - t) * 1000)
        found += entry_id in ids
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "qps": len(probes) / wall,
            "qps_cpu": len(probes) / cpu, "recall": found / len(probes)}


def probes_for(words: np.ndarray, queries: int, rng: np.random.Generator
               ) -> list[tuple[int, str]]:
    rows = rng.choice(len(words), size=queries, replace=False)
    return [(int(r) + 1, spread_flip(words[r], int(rng.integers(0, 32)), rng)) for r in rows]


def run_tarazu(words: np.ndarray, probes: list[tuple[int, str]], exact_checks: int,
               rng: np.random.Generator) -> dict[str, float | str]:
    n = len(words)
    index = PdqIndex(PdqSignal)
    t = time.perf_counter()
    skipped = index.add(IndexedHash(i + 1, h, 1, "bench") for i, h in enumerate(hexes(words)))
    index.query(probes[0][1], DEFAULT_THRESHOLD)  # the tables are built on first query
    build = time.perf_counter() - t
    assert not skipped

    def query(q: str) -> set[int]:
        return {m.entry.entry_id for m in index.query(q, DEFAULT_THRESHOLD)}

    speed = timed_queries(query, probes)
    exact = sum(query(q) == brute_force(words, q, DEFAULT_THRESHOLD)
                for _, q in probes[:exact_checks])
    # one new hash, matchable at once
    fresh = random_words(rng, TAIL_ROWS + 2)
    new_hex = list(hexes(fresh))
    t = time.perf_counter()
    index.add([IndexedHash(n + 1, new_hex[0], 1, "bench")])
    assert n + 1 in query(new_hex[0])
    add_1 = time.perf_counter() - t
    worst_add, fold_start, fold_s, i = 0.0, 0.0, 0.0, n + 1
    extra = hexes(random_words(rng, 1_000_000))
    for h in itertools.chain(new_hex[1:], extra):  # until the tail's fold is in use
        i += 1
        t = time.perf_counter()
        index.add([IndexedHash(i, h, 1, "bench")])
        worst_add = max(worst_add, time.perf_counter() - t)
        assert i in query(h)
        if index.folding and not fold_start:
            fold_start = t
        elif fold_start and not index.folding:
            fold_s = time.perf_counter() - fold_start
            break
        elif i == n + len(new_hex) and not fold_start:  # folded in the caller: no thread
            fold_s = worst_add
            break
    added = i - n
    snap = tempfile.mkdtemp(prefix="pdq-snapshot-")
    try:
        t = time.perf_counter()
        index.save(snap)
        save = time.perf_counter() - t
        size_mb = sum(e.stat().st_size for e in os.scandir(snap)) / 1e6
        nbytes = index.nbytes
        index = PdqIndex(PdqSignal)  # let the measured one go before loading its copy
        t = time.perf_counter()
        loaded = PdqIndex.load(snap, PdqSignal).index
        load = time.perf_counter() - t
        assert len(loaded) == n + added
        assert probes[0][0] in {m.entry.entry_id for m in loaded.query(
            probes[0][1], DEFAULT_THRESHOLD)}
        t = time.perf_counter()
        loaded.remove([n + 1])
        remove_1 = time.perf_counter() - t
    finally:
        shutil.rmtree(snap, ignore_errors=True)
    return {"build_s": build, **speed, "exact": f"{exact}/{min(exact_checks, len(probes))}",
            "add_1_ms": add_1 * 1000, "longest_add_ms": worst_add * 1000, "fold_s": fold_s,
            "remove_1_ms": remove_1 * 1000,
            "bytes_per_hash": nbytes / n, "save_s": save, "load_s": load, "snap_mb": size_mb}


def run_reference(words: np.ndarray, probes: list[tuple[int, str]], exact_checks: int
                  ) -> dict[str, float | str]:
    """python-threatexchange's PdqSignal.get_index_cls() (its default PDQ index), one thread."""
    import faiss
    from threatexchange.signal_type.pdq.signal import PdqSignal as TxPdqSignal

    faiss.omp_set_num_threads(1)
    cls = TxPdqSignal.get_index_cls()
    t = time.perf_counter()
    index = cls.build((h, i + 1) for i, h in enumerate(hexes(words)))
    build = time.perf_counter() - t

    def query(q: str) -> set[int]:
        return {m.metadata for m in index.query(q)}

    speed = timed_queries(query, probes)
    exact = sum(query(q) == brute_force(words, q, DEFAULT_THRESHOLD)
                for _, q in probes[:exact_checks])
    return {"build_s": build, **speed, "exact": f"{exact}/{min(exact_checks, len(probes))}",
            "index": cls.__name__}


def row(n: int, name: str, r: dict[str, float | str]) -> str:
    def f(key: str, fmt: str) -> str:
        return format(r[key], fmt) if key in r else "–"

    return (f"| {n:,} | {name} | {f('build_s', '.1f')} | {f('qps_cpu', ',.0f')} "
            f"| {f('qps', ',.0f')} "
            f"| {f('p50_ms', '.3f')} | {f('p99_ms', '.3f')} | {f('recall', '.3f')} "
            f"| {r['exact']} | {f('add_1_ms', '.2f')} | {f('longest_add_ms', '.1f')} "
            f"| {f('fold_s', '.2f')} "
            f"| {f('remove_1_ms', '.2f')} | {f('bytes_per_hash', '.0f')} "
            f"| {f('save_s', '.1f')} / {f('load_s', '.1f')} ({f('snap_mb', ',.0f')} MB) |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[1_000_000],
                    help="sizes measured side by side with python-threatexchange")
    ap.add_argument("--solo-sizes", type=int, nargs="*", default=[10_000_000],
                    help="sizes measured for tarazu alone")
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--exact-checks", type=int, default=20,
                    help="queries whose whole answer is compared with a brute-force scan")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    warm = PdqIndex(PdqSignal)  # numba compiles (or loads its cache) outside the timings
    warm.add(IndexedHash(i + 1, h, 1, "warm") for i, h in enumerate(hexes(random_words(
        np.random.default_rng(0), 100))))
    warm.query(f"{0:064x}", DEFAULT_THRESHOLD)
    print(f"machine: {os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}, "
          f"one thread, load average at start {os.getloadavg()[0]:.1f}")
    print()
    print("| hashes | index | build (s) | lookups per CPU-s | lookups/s (wall) | p50 (ms) "
          "| p99 (ms) | recall@31 | = brute force | add 1 (ms) | longest add (ms) | fold (s) "
          "| remove 1 (ms) | bytes/hash "
          "| snapshot save / load (s) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for n, reference in [(n, True) for n in args.sizes] + [(n, False) for n in args.solo_sizes]:
        rng = np.random.default_rng(args.seed)
        words = random_words(rng, n)
        probes = probes_for(words, min(args.queries, n), rng)
        if reference:
            r = run_reference(words, probes, args.exact_checks)
            print(row(n, f"python-threatexchange {r['index']}", r), flush=True)
        r = run_tarazu(words, probes, args.exact_checks, rng)
        print(row(n, "tarazu PdqIndex", r), flush=True)
        print(f"<!-- after {n:,}: load average {os.getloadavg()[0]:.1f}, peak RSS "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB -->",
              flush=True)


if __name__ == "__main__":
    main()
