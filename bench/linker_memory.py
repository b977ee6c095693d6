"""Where the mirror index's memory goes: the removed set's built profiles, its columns, the
rarity statistics, the term frequencies and each candidate index, counted object by object.

    python bench/linker_memory.py --sizes 10000 30000
    python bench/linker_memory.py --cost 3000     # what the compact forms cost in time

Each part is the deep size of what it holds (Python objects by ``sys.getsizeof``, numpy
arrays by the bytes they own), an object reachable from several parts counted once, in the
first part that reaches it (the order of :data:`PARTS`, profiles first). The RSS delta of the
whole build is printed beside it: the difference is the allocator's spare room and what no
part holds (interned strings, caches)."""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.linker_speed import load_compiled_kernels, rss_mb  # noqa: E402
from bench.synthetic_accounts import Generator, linker_holding  # noqa: E402
from tarazu.linkage import LinkerConfig, MirrorLinker, load_model  # noqa: E402
from tarazu.linkage.profile import build_profiles  # noqa: E402
from tarazu.service.memory import settle_after_bulk_build  # noqa: E402

_SKIP = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
         types.MethodType, types.CodeType)


def deep_size(root: Any, seen: set[int]) -> int:
    """Bytes reachable from ``root`` not yet in ``seen`` (which it extends)."""
    total, stack = 0, [root]
    while stack:
        o = stack.pop()
        if id(o) in seen or isinstance(o, _SKIP):
            continue
        seen.add(id(o))
        if isinstance(o, np.ndarray):
            total += sys.getsizeof(o) - (o.nbytes if o.base is None else 0)
            total += o.nbytes if o.base is None else 0
            if o.base is not None:
                stack.append(o.base)
            if o.dtype == object:
                stack.extend(o.ravel().tolist())
            continue
        total += sys.getsizeof(o)
        stack.extend(gc.get_referents(o))
    return total


def parts(linker: MirrorLinker) -> list[tuple[str, Callable[[], Any]]]:
    """The linker's parts, in the order they are counted."""
    out: list[tuple[str, Callable[[], Any]]] = [
        ("profiles (linker.removed)", lambda: linker.removed),
        ("columns", lambda: linker.columns),
        ("corpus (rarity counts)", lambda: linker.corpus),
        ("term frequencies", lambda: linker.tf),
    ]
    for ix in linker.blocker.indexes:
        out.append((f"index {ix.NAME}", lambda ix=ix: ix))
    out.append(("successors", lambda: linker._successors))
    return out


def measure(n: int, seed: int, model: str) -> None:
    gen = Generator(seed)
    removed = list(gen.removed_set(n))
    load_compiled_kernels()
    gc.collect()
    rss0 = rss_mb()
    linker = MirrorLinker(load_model(model), LinkerConfig())
    for i in range(0, n, 5000):
        chunk = removed[i : i + 5000]
        for p in build_profiles([a for a, _ in chunk], {a.account_id: ps for a, ps in chunk}):
            linker.add_removed_profile(p)
    linker.compact()  # as the service's bulk build ends
    settle_after_bulk_build()
    rss = rss_mb() - rss0
    # what the model, the comparators and the linker's small state hold is not the index's
    seen: set[int] = set()
    deep_size(linker.model, seen)
    deep_size(linker.base, seen)
    deep_size(linker.relative, seen)
    print(f"\n{n:,} removed accounts: RSS delta {rss:,.0f} MB ({rss * 2**20 / n:,.0f} B a removed "
          "account)")
    print("| part | MB | bytes a removed account |\n|---|---|---|")
    total = 0
    for name, get in parts(linker):
        size = deep_size(get(), seen)
        total += size
        print(f"| {name} | {size / 2**20:,.1f} | {size / n:,.0f} |")
    print(f"| all parts | {total / 2**20:,.1f} | {total / n:,.0f} |")
    if "--fields" in sys.argv:
        fields_breakdown(linker, n)


def fields_breakdown(linker: MirrorLinker, n: int) -> None:
    """The profiles' bytes by field (each field's objects counted once, in field order)."""
    from dataclasses import fields

    from tarazu.linkage.profile import AccountProfile
    seen: set[int] = set()
    sizes = {}
    profiles = list(linker.removed.values())
    base = sum(sys.getsizeof(p) for p in profiles)
    for f in fields(AccountProfile):
        sizes[f.name] = sum(deep_size(getattr(p, f.name), seen) for p in profiles)
    print(f"\nprofile objects themselves: {base / n:,.0f} B each")
    for k, v in sorted(sizes.items(), key=lambda kv: -kv[1]):
        print(f"  {k}: {v / n:,.0f} B")


def cost(n: int, seed: int, model: str, rounds: int = 3) -> None:
    """What reading the compact forms costs a score, rounds of each variant in turn in one
    process: the text cosines of a new account's candidates from n-gram counts against
    float32 weights, and their style vectors and activity hours gathered from the profiles
    against indexing arrays of the same shape (the copy the columns held before)."""
    from tarazu.linkage.profile import CharVector

    gen = Generator(seed)
    removed = list(gen.removed_set(n))
    stream = gen.new_accounts(50, removed)
    linker = linker_holding(removed, model)
    new = build_profiles([a for a, _ in stream], {a.account_id: ps for a, ps in stream})
    found = [linker.candidates(q) for q in new]
    cols = linker.columns
    held = np.zeros((len(cols.profile), (cols.style_dim or 0) + 24), dtype=np.float32)

    def timed(step: Callable[[Any, list], Any]) -> float:
        ts = []
        for q, cands in zip(new, found, strict=True):
            t = time.perf_counter()
            for _ in range(20):
                step(q, cands)
            ts.append((time.perf_counter() - t) / 20)
        return float(np.median(ts)) * 1e3

    counted = {q.account_id: [c.char_tf for c in cands if c.char_tf is not None]
               for q, cands in zip(new, found, strict=True)}
    weighed = {k: [CharVector(b.indices, b.data) for b in bs] for k, bs in counted.items()}

    def texts(vectors: dict[str, list]) -> Callable[[Any, list], Any]:
        def step(q: Any, cands: list) -> Any:
            return linker.corpus._cosines(q.char_tf, vectors[q.account_id])
        return step

    def gathered(q: Any, cands: list) -> Any:
        rows = cols.rows([c.account_id for c in cands])
        return cols.style(rows), cols.hours(rows)

    def copied(q: Any, cands: list) -> Any:
        rows = cols.rows([c.account_id for c in cands])
        return held[rows, : cols.style_dim], held[rows, -24:]

    for _ in range(rounds):
        print(f"cosines of a new account's candidates: from counts {timed(texts(counted)):.3f} "
              f"ms, from float32 weights {timed(texts(weighed)):.3f} ms; style and hours "
              f"gathered from the profiles {timed(gathered):.3f} ms, from arrays "
              f"{timed(copied):.3f} ms")
    scores = []
    for q in new:
        t = time.perf_counter()
        linker.score_profile(q)
        scores.append(time.perf_counter() - t)
    print(f"whole score p50 {np.median(scores) * 1e3:.1f} ms; load average {os.getloadavg()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--model", default="default")
    ap.add_argument("--fields", action="store_true", help="also the profiles' bytes by field")
    ap.add_argument("--cost", type=int, default=0, metavar="N",
                    help="instead: what the compact forms cost a score, at N removed")
    args = ap.parse_args()
    if args.cost:
        cost(args.cost, args.seed, args.model)
        return
    for n in args.sizes:
        measure(n, args.seed, args.model)


if __name__ == "__main__":
    main()
