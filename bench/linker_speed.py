"""Mirror linking speed and scale: the linker over 10k, 100k (and, with time, 1M) synthetic
removed accounts.

    python bench/linker_speed.py                       # 10k and 100k
    python bench/linker_speed.py --sizes 10000 100000 1000000
    python bench/linker_speed.py --write               # also replace the BENCHMARKS.md table
    python bench/linker_speed.py --profile 10000       # cProfile of the streaming score
    python bench/linker_speed.py --sizes 10000 --add-only   # only the build, add, withdraw

Measured per size, pinned to one core (BLAS threads 1): synthetic generation (counted apart),
building the index (profiles + candidate indexes), the index's memory (RSS delta), the
streaming score of one new account (p50/p99), incremental add and withdraw of one removed
account (p50/p99, profile building included), and batch scan throughput (profiles in one
batch, first pass over all, then ranking, results explained only at or above the review
threshold — as ``tarazu mirrors scan`` does), and last the snapshot: written, then started
from in a fresh process once this one has let its index go (``snapshot_start.py``), as a
restarted worker starts. The 1M x 100k batch projection assumes
throughput per core at 100k removed and two cores. The score is timed both with every result
explained and as the stream worker asks for it (explained only at or above the review
threshold), on two sets of new accounts scored in turn, each account once."""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import pstats  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import ExitStack, contextmanager  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.benchmarks_file import (  # noqa: E402
    add_write_option,
    code_version,
    command_line,
    judged,
    load_range,
    machine,
    run_notes,
    write_table,
)
from bench.synthetic_accounts import Generator  # noqa: E402
from tarazu.linkage import LinkerConfig, MirrorLinker, load_model  # noqa: E402
from tarazu.linkage.policy import LinkPolicy  # noqa: E402
from tarazu.linkage.profile import build_profile, build_profiles  # noqa: E402
from tarazu.linkage.profile_workers import ProfileWorkers  # noqa: E402
from tarazu.linkage.snapshot import save_snapshot  # noqa: E402
from tarazu.service.memory import bulk_build, settle_after_bulk_build  # noqa: E402
from tarazu.service.mirrors.reference import READ_BATCH  # noqa: E402

SECTION = "## Mirror linking speed and scale"
GOALS = {"p50_ms": 5.0, "p99_ms": 25.0, "rss_gb_1m": 3.0, "addrm_ms": 1.0, "batch_min": 20.0,
         "build_s": 600.0, "start_s": 60.0}
#: removed accounts added then withdrawn for their p50 / p99: enough that the p99 is the tenth
#: slowest, not the second (one pass of the cyclic collector or one buffer merge among 200
#: adds decided it)
ADDS = 1000


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000, q))


@dataclass
class Row:
    n: int
    gen_s: float
    build_s: float
    rss_mb: float
    p50: float
    p99: float
    add_p50: float
    add_p99: float
    rm_p50: float
    rm_p99: float
    batch_per_s: float
    queries: int
    candidates: float
    find_ms: float = float("nan")  # p50 of finding the candidates (within the score)
    snap_save_s: float = float("nan")  # writing the index snapshot
    snap_load_s: float = float("nan")  # starting a linker from it
    snap_mb: float = float("nan")  # its size on disk
    #: batch scan on every core the bench was started with (``score_batch(jobs=...)``)
    batch_all_per_s: float = float("nan")
    cores: int = 1
    #: the score as the stream worker asks for it: results explained only at or above the
    #: review threshold (``service.mirrors.flags``), p50 / p99
    worker_p50: float = float("nan")
    worker_p99: float = float("nan")


def load_compiled_kernels() -> None:
    """Load the PDQ index's compiled kernels (numba) before measuring the index's memory.

    They load on first use: when the removed accounts' picture hashes first outgrow the
    index's linear tail (about 7,500 synthetic accounts) — inside the build at 10k and not
    at 5k. Numba and the kernels are a process's fixed cost, about 140 MB of RSS (import
    and first table build; BENCHMARKS.md), which at 10k was half of the "index memory"."""
    from tarazu.signals import mih

    mih.ChunkTables(np.zeros((2, 4), dtype=np.uint64))


#: the cores this process was started with (the bench pins itself to the first of them)
STARTED_ON: set[int] = set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else set()


@contextmanager
def every_core() -> Iterator[int]:
    """Unpinned for the while: the batch scan forks one worker per core it started with."""
    if not STARTED_ON:
        yield 1
        return
    pinned = os.sched_getaffinity(0)
    os.sched_setaffinity(0, STARTED_ON)
    try:
        yield len(STARTED_ON)
    finally:
        os.sched_setaffinity(0, pinned)


def warm_up(linker: MirrorLinker, stream: list) -> None:
    """Score a few new accounts untimed: the name analyser and the compiled kernels of the
    vectorised comparators load on first use (seconds, once per process)."""
    for a, ps in stream[:5]:
        linker.score(a, ps)


def add_and_withdraw(linker: MirrorLinker, extra: list) -> tuple[list[float], list[float]]:
    """Seconds to add each of ``extra`` (its profile built, as ``add_removed`` does), then to
    withdraw each again."""
    adds, rms = [], []
    for a, ps in extra:
        t = time.perf_counter()
        linker.add_removed(a, ps)
        adds.append(time.perf_counter() - t)
    for a, _ in extra:
        t = time.perf_counter()
        linker.withdraw(a.account_id)
        rms.append(time.perf_counter() - t)
    return adds, rms


def build_index(linker: MirrorLinker, removed: list, jobs: int = 1, label: str = "",
                release: bool = False) -> None:
    """Index ``removed`` a read batch at a time, as the service builds its reference set
    (``MirrorDetector.refresh``); with ``jobs`` above one, the profiles built by that many
    worker processes while this one indexes (``ProfileWorkers``, the service's
    ``build_jobs``), on every core this process started with. ``release``: each batch's
    entries of ``removed`` set to None once handed over, so that the generated set is let
    go as the service's reads are (at 1M it and the index do not fit in 24 GB side by
    side); the RSS then no longer measures the index."""
    step = READ_BATCH

    def batches() -> Iterator[tuple[int, tuple[list, dict]]]:
        for i in range(0, len(removed), step):
            chunk = removed[i:i + step]
            if release:
                removed[i:i + step] = [None] * len(chunk)
            yield i, ([a for a, _ in chunk], {a.account_id: ps for a, ps in chunk})

    with bulk_build(), ExitStack() as stack:
        if jobs > 1:
            stack.enter_context(every_core())
        workers = stack.enter_context(ProfileWorkers(linker.platform, jobs))
        stack.enter_context(linker.bulk())  # as the service's bulk build gathers and folds
        for i, profiles in workers.build(batches()):
            linker.add_removed_profiles(profiles)
            if (i // step) % 200 == 0:
                print(f"{label} indexed {i + len(profiles)}", file=sys.stderr)


def measure(n: int, queries: int, batch: int, seed: int, model: str,
            max_full: int | None = None, add_only: bool = False,
            snapshot: Path | None = None, build_jobs: int = 1) -> Row:
    """The figures of one size but the start from the snapshot, which is written last to
    ``snapshot`` (and the start's seconds left NaN: :func:`measure_apart` times it once this
    process is gone); ``add_only``: only the build and the add and withdraw (the others NaN),
    the same accounts and the same steps before them but the timed scores."""
    gen = Generator(seed)
    t = time.perf_counter()
    removed = list(gen.removed_set(n))
    stream = gen.new_accounts(queries, removed)
    scan = gen.new_accounts(batch, removed)
    extra = [gen.removed() for _ in range(ADDS)]
    # other new accounts for the score as the stream worker asks for it (drawn last, so that
    # the others are those of earlier runs): each account is scored once, not warmed by its
    # own first score
    asked = gen.new_accounts(queries, removed)
    gen_s = time.perf_counter() - t
    print(f"[{n}] generated in {gen_s:.1f} s", file=sys.stderr)

    load_compiled_kernels()
    gc.collect()
    rss0 = rss_mb()
    t = time.perf_counter()
    linker = MirrorLinker(load_model(model), LinkerConfig(max_full=max_full))
    build_index(linker, removed, build_jobs, label=f"[{n}]", release=add_only and build_jobs > 1)
    build_s = time.perf_counter() - t
    settle_after_bulk_build()  # as the service does after a bulk build
    rss = rss_mb() - rss0
    print(f"[{n}] index built in {build_s:.1f} s, {rss:.0f} MB", file=sys.stderr)
    if add_only:
        warm_up(linker, stream)
        adds, rms = add_and_withdraw(linker, extra)
        nan = float("nan")
        return Row(n, gen_s, build_s, rss, nan, nan, pct(adds, 50), pct(adds, 99),
                   pct(rms, 50), pct(rms, 99), nan, 0, nan)

    warm_up(linker, stream)
    lat, worker, cands = [], [], []
    review = LinkPolicy.from_model(linker.model).review_threshold
    for (a, ps), (b, bs) in zip(stream, asked, strict=True):  # the two forms in turn
        t = time.perf_counter()
        linker.score(a, ps)
        lat.append(time.perf_counter() - t)
        t = time.perf_counter()
        linker.score(b, bs, explain_from=review)
        worker.append(time.perf_counter() - t)
    finds = []
    for a, ps in stream[:100]:
        profile = build_profile(a, ps)
        t = time.perf_counter()
        found = linker.candidates(profile)
        finds.append(time.perf_counter() - t)
        cands.append(len(found))
    adds, rms = add_and_withdraw(linker, extra)
    t = time.perf_counter()
    profiles = build_profiles([a for a, _ in scan], {a.account_id: ps for a, ps in scan})
    # explained from the review threshold, as ``tarazu mirrors scan`` asks for them
    linker.score_batch(profiles, explain_from=review)
    thr = len(scan) / (time.perf_counter() - t)
    # the same batch again on every core: it records the same successors, so it reads the
    # records the one-core batch read
    with every_core() as cores:
        t = time.perf_counter()
        profiles = build_profiles([a for a, _ in scan], {a.account_id: ps for a, ps in scan})
        linker.score_batch(profiles, jobs=cores, explain_from=review)
        thr_all = len(scan) / (time.perf_counter() - t)
    save_s, snap_mb = write_snapshot(linker, snapshot) if snapshot else (float("nan"),) * 2
    row = Row(n, gen_s, build_s, rss, pct(lat, 50), pct(lat, 99), pct(adds, 50), pct(adds, 99),
              pct(rms, 50), pct(rms, 99), thr, len(stream), float(np.mean(cands)),
              pct(finds, 50), save_s, float("nan"), snap_mb, thr_all, cores, pct(worker, 50),
              pct(worker, 99))
    print(f"[{n}] {row}", file=sys.stderr)
    return row


def measure_apart(n: int, args: argparse.Namespace) -> Row:
    """:func:`measure` of one size in a process of its own, then the start from the snapshot
    it wrote in another once it has exited: a restarted worker starts in a fresh process, and
    at 1M the measuring process (which keeps much of what it freed: the allocator's arenas)
    and a started index would not fit in the machine's memory side by side. Each size in its
    own process also keeps one size's heap out of the next one's RSS delta."""
    with tempfile.TemporaryDirectory() as d:
        snap, out = Path(d) / "index.npz", Path(d) / "row.json"
        subprocess.run([sys.executable, __file__, "--sizes", str(n), "--queries",
                        str(args.queries), "--batch", str(args.batch), "--seed", str(args.seed),
                        "--model", args.model, "--max-full", str(args.max_full),
                        "--row-json", str(out), "--snapshot-path", str(snap)], check=True)
        row = Row(**json.loads(out.read_text()))
        row.snap_load_s = start_apart(snap, args.model)
    print(f"[{n}] {row}", file=sys.stderr)
    return row


def write_snapshot(linker: MirrorLinker, path: Path) -> tuple[float, float]:
    """Seconds to write the index snapshot to ``path``, and its MB."""
    t = time.perf_counter()
    save_snapshot(path, linker, position=0)
    return time.perf_counter() - t, path.stat().st_size / 2**20


def start_apart(path: Path, model: str) -> float:
    """Seconds to start a linker from the snapshot at ``path`` in a fresh process
    (``bench/snapshot_start.py start``: pinned to one core, the collector held off as the
    service starts)."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("snapshot_start.py")), "start",
         "--path", str(path), "--model", model],
        check=True, capture_output=True, text=True).stdout
    return started_in(out)


def started_in(out: str) -> float:
    """The seconds of the line ``snapshot_start.py start`` prints (its ``started_line``)."""
    found = re.search(r"removed accounts: ([0-9.]+) s", out)
    if found is None:
        raise ValueError(f"no start time in the snapshot start's output: {out!r}")
    return float(found.group(1))


def at_1m(r: Row, shown: str, met: bool, quiet: bool = False) -> str:
    """A figure whose goal is at 1M removed accounts: judged only at that size (``quiet``:
    say nothing below it, where another row carries the goal)."""
    if r.n >= 1_000_000:
        return judged(shown, {"": met})
    return shown if quiet else f"{shown} (1M not measured)"


def pair(p50: float, p99: float, goal50: float, goal99: float, digits: int) -> str:
    return judged(f"{p50:.{digits}f} / {p99:.{digits}f}", {"p50": p50 <= goal50,
                                                          "p99": p99 <= goal99})


BATCH_GOAL = 1_000_000 / (GOALS["batch_min"] * 60 * 2)  # accounts/s on one core of two

#: the figures of the table: (what, the goal at 1M removed accounts, how a row renders it)
FIGURES: tuple[tuple[str, str, Callable[[Row], str]], ...] = (
    ("index build (s)", f"≤ {GOALS['build_s']:.0f} s at 1M",
     lambda r: at_1m(r, f"{r.build_s:.0f}", r.build_s <= GOALS["build_s"])),
    ("index memory, RSS delta", f"≤ {GOALS['rss_gb_1m']:.0f} GB at 1M",
     lambda r: at_1m(r, f"{r.rss_mb:,.0f} MB", r.rss_mb / 1024 <= GOALS["rss_gb_1m"], True)),
    ("of which per removed account (RSS delta / accounts)",
     f"≤ {GOALS['rss_gb_1m']:.0f} KB ({GOALS['rss_gb_1m']:.0f} GB at 1M)",
     lambda r: judged(f"{r.rss_mb * 1024 / r.n:,.1f} KB",
                      {"": r.rss_mb * 1024 / r.n <= GOALS["rss_gb_1m"]})),
    ("score one new account p50 / p99 (ms)", f"≤ {GOALS['p50_ms']:.0f} / ≤ {GOALS['p99_ms']:.0f}",
     lambda r: pair(r.p50, r.p99, GOALS["p50_ms"], GOALS["p99_ms"], 1)),
    ("the same as the stream worker asks for it (explained only at or above the review "
     "threshold) p50 / p99 (ms)", f"≤ {GOALS['p50_ms']:.0f} / ≤ {GOALS['p99_ms']:.0f}",
     lambda r: pair(r.worker_p50, r.worker_p99, GOALS["p50_ms"], GOALS["p99_ms"], 1)),
    ("of which finding candidates p50 (ms)", "—", lambda r: f"{r.find_ms:.1f}"),
    ("candidates compared (mean)", "—", lambda r: f"{r.candidates:.0f}"),
    ("add p50 / p99 (ms)", f"≤ {GOALS['addrm_ms']:.0f}",
     lambda r: pair(r.add_p50, r.add_p99, GOALS["addrm_ms"], GOALS["addrm_ms"], 2)),
    ("withdraw p50 / p99 (ms)", f"≤ {GOALS['addrm_ms']:.0f}",
     lambda r: pair(r.rm_p50, r.rm_p99, GOALS["addrm_ms"], GOALS["addrm_ms"], 2)),
    ("batch scan (accounts/s, 1 core)",
     f"≥ {BATCH_GOAL:.0f} (1M in {GOALS['batch_min']:.0f} min on 2 cores)",
     lambda r: judged(f"{r.batch_per_s:.1f}", {"": r.batch_per_s >= BATCH_GOAL})),
    ("batch scan, one worker per core (accounts/s, cores)",
     f"≥ {2 * BATCH_GOAL:.0f} on 2 cores",
     lambda r: judged(f"{r.batch_all_per_s:.1f} ({r.cores})",
                      {"": r.batch_all_per_s >= 2 * BATCH_GOAL})),
    ("snapshot write (s), size", "—", lambda r: f"{r.snap_save_s:.1f}, {r.snap_mb:,.0f} MB"),
    ("start from the snapshot (s)", f"≤ {GOALS['start_s']:.0f} s at 1M",
     lambda r: at_1m(r, f"{r.snap_load_s:.1f}", r.snap_load_s <= GOALS["start_s"])),
)


def table(rows: list[Row]) -> str:
    """One table: a line per figure, its goal beside it, a column per size."""
    head = ("| figure | goal (issue 13) | " + " | ".join(f"{r.n:,} removed" for r in rows)
            + " |\n|---|---|" + "---|" * len(rows) + "\n")
    body = "".join(f"| {what} | {goal} | " + " | ".join(show(r) for r in rows) + " |\n"
                   for what, goal, show in FIGURES)
    return head + body


def projections(rows: list[Row]) -> str:
    by_n = {r.n: r for r in rows}
    big = max(rows, key=lambda r: r.n)
    lines = []
    if len(rows) >= 2:
        a, b = sorted(rows, key=lambda r: r.n)[-2:]
        per = (b.rss_mb - a.rss_mb) / (b.n - a.n)
        lines.append(f"- Index memory grows by {per * 1024:.1f} KB per removed account "
                     f"(between {a.n:,} and {b.n:,}); at 1M that projects to "
                     f"{(b.rss_mb + per * (1_000_000 - b.n)) / 1024:.1f} GB "
                     f"(goal ≤ {GOALS['rss_gb_1m']:.0f} GB).")
    ref = by_n.get(100_000, big)
    minutes = 1_000_000 / (ref.batch_per_s * 2) / 60
    lines.append(f"- Batch: {ref.batch_per_s:.1f} accounts/s per core against {ref.n:,} removed "
                 f"→ 1M active accounts on 2 cores ≈ {minutes:.0f} min "
                 f"(goal ≤ {GOALS['batch_min']:.0f} min); measured with one worker per core "
                 f"({ref.cores}): {ref.batch_all_per_s:.1f} accounts/s "
                 f"→ {1_000_000 / ref.batch_all_per_s / 60:.0f} min.")
    return "\n".join(lines)


def ab_line(ab: Ab | None) -> str:
    if ab is None:
        return ""
    return (f"- With and without the vectorised comparators, interleaved query by query in one "
            f"process at {ab.n:,} removed, p50 / p99: comparing one new account with its "
            f"candidates (the first stage) {ab.fast[0]:.1f} / {ab.fast[1]:.1f} ms against "
            f"{ab.slow[0]:.1f} / {ab.slow[1]:.1f} ms; the whole score {ab.score_fast[0]:.1f} / "
            f"{ab.score_fast[1]:.1f} ms against {ab.score_slow[0]:.1f} / "
            f"{ab.score_slow[1]:.1f} ms.\n")


def notes(load: list[float]) -> str:
    """The lines under the table: date, machine, code, load, how each process ran, command."""
    return run_notes(f"{machine()}, code `{code_version()}`, load average {load_range(load)}; "
                     f"each process pinned to one core (BLAS threads 1)", [command_line()])


def profile(n: int, queries: int, seed: int, model: str, max_full: int | None = None) -> None:
    gen = Generator(seed)
    removed = list(gen.removed_set(n))
    stream = gen.new_accounts(queries, removed)
    linker = MirrorLinker(load_model(model), LinkerConfig(max_full=max_full))
    for i in range(0, n, 5000):
        chunk = removed[i : i + 5000]
        for p in build_profiles([a for a, _ in chunk], {a.account_id: ps for a, ps in chunk}):
            linker.add_removed_profile(p)
    warm_up(linker, stream)
    prof = cProfile.Profile()
    prof.enable()
    for a, ps in stream:
        linker.score(a, ps)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


@dataclass
class Ab:
    """p50 / p99 (ms) with and without the vectorised comparators: of the first-stage
    comparison, and of the whole streaming score."""

    n: int
    fast: tuple[float, float]
    slow: tuple[float, float]
    score_fast: tuple[float, float]
    score_slow: tuple[float, float]


def vectorised_ab(n: int, queries: int, seed: int, model: str) -> Ab:
    """The first-stage comparison of one new account (every comparator over its candidates,
    the deferred ones estimating), and its whole score, with and without the vectorised
    comparators, interleaved query by query in one process so that the machine's load falls
    on both alike (which goes first alternates)."""
    gen = Generator(seed)
    removed = list(gen.removed_set(n))
    stream = gen.new_accounts(queries, removed)
    profiles = build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed})
    linkers = {}
    for vectorise in (True, False):
        lk = MirrorLinker(load_model(model), LinkerConfig(vectorise=vectorise))
        for p in profiles:
            lk.add_removed_profile(p)
        warm_up(lk, stream)
        linkers[vectorise] = lk
    times: dict[bool, list[float]] = {True: [], False: []}
    scores: dict[bool, list[float]] = {True: [], False: []}
    for k, (a, ps) in enumerate(stream):
        q = build_profile(a, ps)
        for vectorise in (True, False) if k % 2 else (False, True):
            lk = linkers[vectorise]
            cands = lk.candidates(q)
            t = time.perf_counter()
            lk.compare(q, cands, estimated=frozenset(lk.config.deferred))
            times[vectorise].append(time.perf_counter() - t)
            t = time.perf_counter()
            lk.score(a, ps)
            scores[vectorise].append(time.perf_counter() - t)
    for vectorise in (True, False):
        ts, ss = times[vectorise], scores[vectorise]
        print(f"vectorised={vectorise}: compare p50 {pct(ts, 50):.1f} ms, p99 {pct(ts, 99):.1f} "
              f"ms; whole score p50 {pct(ss, 50):.1f} ms, p99 {pct(ss, 99):.1f} ms; over "
              f"{len(ts)} new accounts, {n:,} removed")
    return Ab(n, (pct(times[True], 50), pct(times[True], 99)),
              (pct(times[False], 50), pct(times[False], 99)),
              (pct(scores[True], 50), pct(scores[True], 99)),
              (pct(scores[False], 50), pct(scores[False], 99)))


def pin_to_one_core() -> None:
    """This process on the first core it may use (the batch on every core unpins it for
    the while: :func:`every_core`)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--model", default="default")
    add_write_option(ap, "the speed table and the lines under it")
    ap.add_argument("--profile", type=int, default=0, metavar="N")
    ap.add_argument("--vectorised-ab", type=int, default=0, metavar="N",
                    help="compare with and without the vectorised comparators at N removed")
    ap.add_argument("--add-only", action="store_true",
                    help="measure only the index build and the add / withdraw of a removed "
                         "account (quicker, to iterate on them); prints, never writes")
    ap.add_argument("--build-jobs", type=int, default=1, metavar="N",
                    help="with --add-only: the profiles of the build made by N worker "
                         "processes, as the service builds its reference set (default 1: "
                         "this process, as the table is measured)")
    ap.add_argument("--max-full", type=int, default=LinkerConfig.max_full or 0,
                    help="LinkerConfig.max_full: full comparisons per account (0: all; "
                         "default: the service's)")
    ap.add_argument("--row-json", type=Path, help=argparse.SUPPRESS)  # measure_apart's child
    ap.add_argument("--snapshot-path", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.row_json:  # one size, in the process measure_apart started for it
        pin_to_one_core()
        row = measure(args.sizes[0], args.queries, args.batch, args.seed, args.model,
                      args.max_full or None, snapshot=args.snapshot_path)
        args.row_json.write_text(json.dumps(asdict(row)))
        return
    ab = None
    if args.vectorised_ab or args.profile or args.add_only:  # measured in this process
        pin_to_one_core()
    if args.vectorised_ab:  # alone, or with --write: beside the sizes in the table
        ab = vectorised_ab(args.vectorised_ab, args.queries, args.seed, args.model)
        if not args.write:
            return
    if args.profile:
        profile(args.profile, args.queries, args.seed, args.model, args.max_full or None)
        return
    if args.add_only:
        for n in args.sizes:
            load = os.getloadavg()[0]
            r = measure(n, args.queries, args.batch, args.seed, args.model,
                        args.max_full or None, add_only=True, build_jobs=args.build_jobs)
            rss = ("not measured: the generated set let go as it is indexed"
                   if args.build_jobs > 1 else f"{r.rss_mb:,.0f} MB RSS")
            print(f"{n:,} removed: build {r.build_s:.0f} s ({args.build_jobs} profile "
                  f"process(es)), index {rss}, "
                  f"add p50 / p99 {r.add_p50:.2f} / "
                  f"{r.add_p99:.2f} ms, withdraw p50 / p99 {r.rm_p50:.2f} / {r.rm_p99:.2f} ms; "
                  f"load average {load:.2f} -> {os.getloadavg()[0]:.2f}; {command_line()}")
        return
    load = [os.getloadavg()[0]]
    rows = []
    for n in args.sizes:
        rows.append(measure_apart(n, args))
        load.append(os.getloadavg()[0])
    text, under = table(rows), notes(load)
    # the bullets under the table are written by hand: these lines are for them to quote
    print(f"{text}\n{under}\n\n{projections(rows)}\n{ab_line(ab)}")
    if args.write:
        write_table(SECTION, text, under, args.write)

if __name__ == "__main__":
    main()
