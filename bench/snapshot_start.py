"""The start from a snapshot of the mirror index alone, each start in a fresh process (as a
restarted worker does), so that two versions can be run in turn on one machine:

    python bench/snapshot_start.py write --removed 100000 --path index.npz   # once a version
    python bench/snapshot_start.py start --path index.npz                    # each run
    python bench/snapshot_start.py start --path index.npz --profile          # cProfile of it

``write`` indexes the synthetic removed accounts of the speed bench (``linker_speed.py``: the
same generator, a read batch at a time as the service builds its reference set) and writes
the snapshot; ``start`` times loading it into a new linker (with the collector held off, as
the service starts) and prints the seconds and the RSS it added. Pinned to one core, BLAS
threads 1; the compiled picture kernels loaded before the start, as in the speed bench."""

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
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.linker_speed import load_compiled_kernels, rss_mb  # noqa: E402
from bench.synthetic_accounts import Generator  # noqa: E402
from tarazu.linkage import LinkerConfig, MirrorLinker, load_model  # noqa: E402
from tarazu.linkage.profile import build_profiles  # noqa: E402
from tarazu.linkage.snapshot import load_snapshot, save_snapshot  # noqa: E402
from tarazu.service.memory import bulk_build  # noqa: E402
from tarazu.service.mirrors.reference import READ_BATCH  # noqa: E402


def write(n: int, path: Path, seed: int, model: str) -> None:
    removed = list(Generator(seed).removed_set(n))
    linker = MirrorLinker(load_model(model), LinkerConfig())
    with bulk_build():
        for i in range(0, n, READ_BATCH):
            chunk = removed[i : i + READ_BATCH]
            linker.add_removed_profiles(build_profiles(
                [a for a, _ in chunk], {a.account_id: ps for a, ps in chunk}))
    t = time.perf_counter()
    save_snapshot(path, linker, position=0)
    print(f"{n} removed accounts: snapshot written in {time.perf_counter() - t:.1f} s, "
          f"{path.stat().st_size / 2**20:.0f} MB")


def started_line(removed: int, seconds: float, rss_delta_mb: float) -> str:
    """What ``start`` prints, which ``linker_speed.py`` reads back (``started_in``)."""
    return f"start of {removed} removed accounts: {seconds:.2f} s, RSS delta {rss_delta_mb:.0f} MB"


def start(path: Path, model: str, profile: bool) -> None:
    load_compiled_kernels()
    linker = MirrorLinker(load_model(model), LinkerConfig())
    gc.collect()
    rss0 = rss_mb()
    prof = cProfile.Profile() if profile else None
    t = time.perf_counter()
    if prof is not None:
        prof.enable()
    with bulk_build():  # as the service starts from it
        load_snapshot(path, linker)
    if prof is not None:
        prof.disable()
    took = time.perf_counter() - t
    print(started_line(len(linker.removed), took, rss_mb() - rss0))
    if prof is not None:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("write", "start"))
    ap.add_argument("--path", type=Path, required=True)
    ap.add_argument("--removed", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--model", default="default")
    ap.add_argument("--profile", action="store_true", help="start: print its cProfile")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    if args.mode == "write":
        write(args.removed, args.path, args.seed, args.model)
    else:
        start(args.path, args.model, args.profile)


if __name__ == "__main__":
    main()
