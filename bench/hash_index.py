"""Speed of the PDQ index (tarazu.signals.index.PdqIndex): build, incremental add and remove,
and query latency, for flat (brute-force Hamming scan) and multi-hash faiss indexes.

    python bench/hash_index.py                       # 10k, 100k and 1M hashes
    python bench/hash_index.py --sizes 10000 --queries 500

Hashes are uniformly random 256-bit PDQ hashes (seeded). Each query is a stored hash with 16
random bits flipped, so every query has one match at the default threshold of 31 bits. The
build goes through the same path as the matcher (validating every hash, then indexing it with
its entry record), so it measures what a deployment pays on start beyond reading the rows, not
faiss alone. Multi-hash removals are tombstones until they pass a tenth of the index, when it
is compacted (rebuilt). Performance goals live here, never in unit tests. Prints a Markdown
table."""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from tarazu.signals.index import IndexedHash, PdqIndex, set_search_threads
from tarazu.signals.pdq import DEFAULT_THRESHOLD, PdqSignal


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def random_hashes(rng: np.random.Generator, n: int) -> list[str]:
    raw = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    return [row.tobytes().hex() for row in raw]


def near(signal: str, bits: int, rng: np.random.Generator) -> str:
    v = int(signal, 16)
    for b in rng.choice(256, size=bits, replace=False):
        v ^= 1 << int(b)
    return f"{v:064x}"


def entries(hashes: list[str], start: int) -> list[IndexedHash]:
    return [IndexedHash(start + i, h, 1, "bench", {"i": start + i}) for i, h in enumerate(hashes)]


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def run(n: int, multi_hash: bool, queries: int, seed: int) -> dict[str, float | int | str]:
    rng = np.random.default_rng(seed)
    hashes = random_hashes(rng, n)
    items = entries(hashes, 1)
    index = PdqIndex(PdqSignal, multi_hash=multi_hash)
    t = time.perf_counter()
    skipped = index.add(items)
    build = time.perf_counter() - t
    assert not skipped
    probes = [(i, near(hashes[i], 16, rng)) for i in rng.choice(n, size=queries, replace=False)]
    index.query(probes[0][1], DEFAULT_THRESHOLD)  # warm-up
    lat, found = [], 0
    for i, q in probes:
        t = time.perf_counter()
        res = index.query(q, DEFAULT_THRESHOLD)
        lat.append((time.perf_counter() - t) * 1000)
        found += any(m.entry.entry_id == i + 1 for m in res)
    more = entries(random_hashes(rng, 1000), n + 1)
    t = time.perf_counter()
    index.add(more)
    add_1k = time.perf_counter() - t
    t = time.perf_counter()
    index.remove([n + 1])
    remove_1 = time.perf_counter() - t
    t = time.perf_counter()
    index.remove(range(n + 2, n + 1001))
    remove_999 = time.perf_counter() - t
    return {"n": n, "kind": "multi-hash" if multi_hash else "flat", "build_s": build,
            "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "recall": found / len(probes),
            "add_1k_ms": add_1k * 1000, "remove_1_ms": remove_1 * 1000,
            "remove_999_ms": remove_999 * 1000, "queries": len(probes)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1, help="faiss search threads")
    args = ap.parse_args()
    set_search_threads(args.threads)
    print(f"machine: {os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}, faiss search threads {args.threads}")
    print()
    print("| hashes | index | build (s) | query p50 (ms) | query p99 (ms) | recall@31 "
          "| add 1k (ms) | remove 1 (ms) | remove 999 (ms) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        for multi in (False, True):
            r = run(n, multi, min(args.queries, n), args.seed)
            print(f"| {r['n']:,} | {r['kind']} | {r['build_s']:.2f} | {r['p50_ms']:.3f} "
                  f"| {r['p99_ms']:.3f} | {r['recall']:.3f} | {r['add_1k_ms']:.1f} "
                  f"| {r['remove_1_ms']:.2f} | {r['remove_999_ms']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
