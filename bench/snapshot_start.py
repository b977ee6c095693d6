"""The start from a snapshot of the mirror index alone, each start in a fresh process (as a
restarted worker does), so that two versions can be run in turn on one machine:

    python bench/snapshot_start.py write --removed 100000 --path index.npz   # once a version
    python bench/snapshot_start.py start --path index.npz                    # each run
    python bench/snapshot_start.py start --path index.npz --profile          # cProfile of it
    python bench/snapshot_start.py start --path index.npz --score 300        # then score
    python bench/snapshot_start.py start --path index.npz --score 300 --batch 500  # and scan

``write`` indexes the synthetic removed accounts of the speed bench (``linker_speed.py``: the
same generator, a read batch at a time as the service builds its reference set) and writes
the snapshot; ``start`` times loading it into a new linker (with the collector held off, as
the service starts) and prints the seconds and the RSS it added, and with ``--score`` what
the started worker then does (scores, adds, withdrawals: at 1M the speed bench's own process
cannot hold its generated accounts beside the index on a 24 GB machine). Pinned to one core,
BLAS threads 1; the compiled picture kernels loaded before the start, as in the speed bench."""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import gc  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from itertools import islice  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.linker_speed import (  # noqa: E402
    ADDS,
    add_and_withdraw,
    every_core,
    load_compiled_kernels,
    pct,
    rss_mb,
    warm_up,
)
from bench.synthetic_accounts import Generator  # noqa: E402
from tarazu.linkage import LinkerConfig, MirrorLinker, load_model  # noqa: E402
from tarazu.linkage.policy import LinkPolicy  # noqa: E402
from tarazu.linkage.profile import build_profiles  # noqa: E402
from tarazu.linkage.snapshot import load_snapshot, save_snapshot  # noqa: E402
from tarazu.service.memory import bulk_build  # noqa: E402
from tarazu.service.mirrors.reference import READ_BATCH  # noqa: E402


def write(n: int, path: Path, seed: int, model: str) -> None:
    """The generated accounts are drawn a read batch at a time and let go once indexed, so
    that at 1M the generated set, the index and the snapshot's columns being written need
    not fit in memory side by side."""
    removed = Generator(seed).removed_set(n)
    linker = MirrorLinker(load_model(model), LinkerConfig())
    with bulk_build():
        while chunk := list(islice(removed, READ_BATCH)):
            linker.add_removed_profiles(build_profiles(
                [a for a, _ in chunk], {a.account_id: ps for a, ps in chunk}))
    t = time.perf_counter()
    save_snapshot(path, linker, position=0)
    print(f"{n} removed accounts: snapshot written in {time.perf_counter() - t:.1f} s, "
          f"{path.stat().st_size / 2**20:.0f} MB")


def started_line(removed: int, seconds: float, rss_delta_mb: float,
                 mapped_delta_mb: float | None = None) -> str:
    """What ``start`` prints, which ``linker_speed.py`` reads back (``started_in``);
    ``mapped_delta_mb``: how much of the RSS delta is the snapshot file's pages, mapped
    (``linkage.snapshot_file``: clean pages of a file, which the kernel may drop and read
    again, unlike the rest)."""
    line = f"start of {removed} removed accounts: {seconds:.2f} s, RSS delta {rss_delta_mb:.0f} MB"
    if mapped_delta_mb is not None:
        line += f" ({mapped_delta_mb:.0f} MB of it the snapshot file's mapped pages)"
    return line


def rss_file_mb() -> float:
    """The process's resident pages that are a file's (``RssFile``: its code, and the
    snapshot once mapped)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssFile:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def start(path: Path, model: str, profile: bool, scores: int = 0, seed: int = 7,
          batch: int = 0) -> None:
    load_compiled_kernels()
    linker = MirrorLinker(load_model(model), LinkerConfig())
    gc.collect()
    rss0, file0 = rss_mb(), rss_file_mb()
    prof = cProfile.Profile() if profile else None
    t = time.perf_counter()
    if prof is not None:
        prof.enable()
    with bulk_build(collect=False):  # as the service starts from it
        load_snapshot(path, linker)
    if prof is not None:
        prof.disable()
    took = time.perf_counter() - t
    print(started_line(len(linker.removed), took, rss_mb() - rss0, rss_file_mb() - file0))
    if prof is not None:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
    if scores:
        score_after_start(linker, scores, seed, batch)


def score_after_start(linker: MirrorLinker, n: int, seed: int, batch: int = 0) -> None:
    """What the worker started from the snapshot then does: score ``n`` new accounts as the
    stream worker asks (explained only at or above the review threshold), each once, and add
    and withdraw ``ADDS`` removed accounts it does not hold; then, with ``batch``, scan that many
    new accounts as ``tarazu mirrors scan`` does, on one core and with a worker per core.
    The new accounts are the speed bench's kind (30 % mirrors): mirrors of the first removed
    accounts the snapshot's generator drew, which the same seed draws again without drawing
    the whole set."""
    gen = Generator(seed)
    sources = [gen.removed() for _ in range(min(len(linker.removed), 5_000))]
    # the snapshot's accounts took the generator's first ids: what is drawn next takes ids
    # none of them holds (else an "add" would replace a held account, a withdrawal and an add)
    gen.n = max(gen.n, len(linker.removed))
    asked = gen.new_accounts(n + 5, sources)
    extra = [gen.removed() for _ in range(ADDS)]
    scan = gen.new_accounts(batch, sources) if batch else []
    del sources
    warm_up(linker, asked[:5])
    review = LinkPolicy.from_model(linker.model).review_threshold
    lat = []
    for a, ps in asked[5:]:
        t = time.perf_counter()
        linker.score(a, ps, explain_from=review)
        lat.append(time.perf_counter() - t)
    adds, rms = add_and_withdraw(linker, extra)
    print(f"after the start: score as the stream worker asks p50 / p99 {pct(lat, 50):.1f} / "
          f"{pct(lat, 99):.1f} ms ({n} new accounts); add {pct(adds, 50):.2f} / "
          f"{pct(adds, 99):.2f} ms; withdraw {pct(rms, 50):.2f} / {pct(rms, 99):.2f} ms")
    if scan:
        one = scanned_per_s(linker, scan, review, jobs=1)
        with every_core() as cores:
            every = scanned_per_s(linker, scan, review, jobs=cores)
        print(f"batch scan of {len(scan)} new accounts: {one:.1f} accounts/s on one core, "
              f"{every:.1f} with a worker on each of {cores} cores")


def scanned_per_s(linker: MirrorLinker, scan: list, review: float, jobs: int) -> float:
    """New accounts a second through a batch scan (their profiles built, explained from the
    review threshold, as ``tarazu mirrors scan`` asks)."""
    t = time.perf_counter()
    profiles = build_profiles([a for a, _ in scan], {a.account_id: ps for a, ps in scan})
    linker.score_batch(profiles, jobs=jobs, explain_from=review)
    return len(scan) / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("write", "start"))
    ap.add_argument("--path", type=Path, required=True)
    ap.add_argument("--removed", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--model", default="default")
    ap.add_argument("--profile", action="store_true", help="start: print its cProfile")
    ap.add_argument("--score", type=int, default=0, metavar="N",
                    help=f"start: then score N new accounts and add and withdraw {ADDS} removed "
                         "ones (--seed: the one the snapshot was written with)")
    ap.add_argument("--batch", type=int, default=0, metavar="N",
                    help="with --score: then batch-scan N new accounts, on one core and on "
                         "every core")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    if args.mode == "write":
        write(args.removed, args.path, args.seed, args.model)
    else:
        start(args.path, args.model, args.profile, args.score, args.seed, args.batch)


if __name__ == "__main__":
    main()
