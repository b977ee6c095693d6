"""One index against shards: the same new accounts scored by one linker, by shards in one
process, and by shard workers over NATS request-reply; latency per new account (p50, p99)
and the resident memory of each shard worker process. "In process, JSON": shards in this
process reached through the protocol's bytes (what the messages cost without a network).

    python bench/shard_speed.py --removed 10000 --queries 300 [--shards 2]

The removed set is built once (bench/synthetic_accounts.py) and handed to the shard workers
as encoded profiles in a file; each worker holds and counts its part only
(``linkage.shards``, ``linkage.shard_counts``). Every mode must give the same answers; the
run stops if not.

    python bench/shard_speed.py serve --profiles FILE --shard 0 --of 2   # one shard worker
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic_accounts import Generator  # noqa: E402
from tarazu.adapters.shard_subjects import SUBJECT  # noqa: E402
from tarazu.linkage import LinkerConfig, MirrorLinker, load_model  # noqa: E402
from tarazu.linkage.profile import AccountProfile, build_profiles  # noqa: E402
from tarazu.linkage.shard_protocol import RemoteShard, ShardHandler  # noqa: E402
from tarazu.linkage.shards import (  # noqa: E402
    LocalShards,
    ShardedLinker,
    ShardLinker,
    shard_names,
    shard_of,
)
from tarazu.linkage.snapshot import (  # noqa: E402
    decode_profiles,
    encode_profiles,
)
from tarazu.linkage.warm import warm_up  # noqa: E402
from tarazu.service.memory import settle_after_bulk_build  # noqa: E402

NATS_URL = os.environ.get("TARAZU_NATS_URL", "nats://127.0.0.1:4222")
ROOT = Path(__file__).resolve().parent.parent


def shard_worker(profiles: Sequence[AccountProfile], shard: int, of: int, model: str = "default",
                 withdraw_every: int = 0) -> ShardLinker:
    """Shard ``shard`` of ``of``: holds (and counts) its part of ``profiles`` only, each at
    its position among them; then every ``withdraw_every``-th account is withdrawn (0: none),
    as ``LocalShards`` does."""
    names = shard_names(of)
    me = names[shard]
    linker = ShardLinker(load_model(model), LinkerConfig())
    for position, p in enumerate(profiles):
        if shard_of(p.account_id, names) == me:
            linker.hold(p, position)
    for p in profiles[::withdraw_every] if withdraw_every else ():
        if shard_of(p.account_id, names) == me:
            linker.withdraw(p.account_id)
    return linker


def serve(args: argparse.Namespace) -> None:
    """A shard worker holding its part of ``--profiles`` (the bench's removed set, handed
    over in a file). A shard fed from the stream is the product's: ``tarazu stream shard``.
    Its first line: ``ready <accounts held> snapshot 0 position <position>``."""
    from tarazu.adapters.shard_nats import serve_shard

    name = shard_names(args.of)[args.shard]
    profiles = decode_profiles(Path(args.profiles).read_bytes())
    linker = shard_worker(profiles, args.shard, args.of, args.model, args.withdraw_every)
    del profiles
    handler = ShardHandler(linker)
    warm_up(linker.model, linker.config)
    settle_after_bulk_build()  # as the stream worker does after loading its reference set

    def ready() -> None:
        print(f"ready {len(linker.removed)} snapshot 0 position {linker.position}", flush=True)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        import signal
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        await serve_shard(handler, args.url, name, stop, ready=ready, prefix=args.subject)

    asyncio.run(run())


def start_workers(profiles_file: Path | None, of: int, model: str = "default",
                  withdraw_every: int = 0, url: str = NATS_URL,
                  more: Callable[[int], Sequence[str]] = lambda k: (),
                  shards: Sequence[int] | None = None) -> list[subprocess.Popen]:
    """Shard worker processes (``shards`` of ``of``: all by default), returned once each is
    listening, each with its first line as ``ready``. ``more``: shard k's further options
    (a feed, a snapshot)."""
    if profiles_file is not None:
        command = [sys.executable, __file__, "serve", "--profiles", str(profiles_file),
                   "--withdraw-every", str(withdraw_every)]
    else:  # fed from the stream: the product's shard worker
        command = [sys.executable, "-c", "from tarazu.entrypoints.cli import main; main()",
                   "stream", "shard"]
    procs = [subprocess.Popen(
        [*command, "--shard", str(k), "--of", str(of), "--model", model, "--url", url,
         *more(k)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
        for k in (range(of) if shards is None else shards)]
    for p in procs:
        line = p.stdout.readline() if p.stdout else ""
        if not line.startswith("ready"):
            stop_workers(procs)
            raise RuntimeError(f"a shard worker did not start: {line!r}")
        p.ready = line.split()  # type: ignore[attr-defined]
    return procs


def stop_workers(procs: Sequence[subprocess.Popen]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(10)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(score: Callable[[object, list], list], queries: list, warm: int
          ) -> tuple[list[float], list[str]]:
    times, answers = [], []
    for n, (a, ps) in enumerate(queries):
        t = time.perf_counter()
        got = score(a, ps)
        if n >= warm:
            times.append((time.perf_counter() - t) * 1e3)
        answers.extend(repr(r) for r in got)
    return times, answers


def held_mb(linker: MirrorLinker) -> tuple[float, float]:
    """(MB of what the linker holds of its own accounts, MB of its counts): its accounts'
    profiles, columns and candidate indexes against the rarity statistics and term
    frequencies (of its own accounts: a shard counts its part only), counted object by
    object as ``bench/linker_memory.py`` does."""
    from bench.linker_memory import deep_size, parts

    seen: set[int] = set()
    for o in (linker.model, linker.base, linker.relative):
        deep_size(o, seen)
    own = counts = 0
    for name, get in parts(linker):
        size = deep_size(get(), seen)
        if name.startswith(("corpus", "term")):
            counts += size
        else:
            own += size
    return own / 2**20, counts / 2**20


def counts_breakdown(linker: MirrorLinker) -> list[tuple[str, float]]:
    """MB of each of the counts a linker holds (of the accounts it holds)."""
    from bench.linker_memory import deep_size

    c, seen = linker.corpus, set()  # type: ignore[var-annotated]
    parts = [("phrase counts", c.shingle_df), ("trace and connection counts", c.trace_df),
             ("counted ids", c._members), ("n-gram document frequencies",
                                          (c._char_df, c._char_log_df)),
             ("hashtags, contexts, ...", c.df), ("term frequencies", linker.tf)]
    return [(name, deep_size(o, seen) / 2**20) for name, o in parts]


def pct(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1] if len(xs) > 1 else xs[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command")
    sv = sub.add_parser("serve")
    sv.add_argument("--profiles", required=True)
    sv.add_argument("--subject", default=SUBJECT,
                    help="prefix of the subjects the shard answers on")
    sv.add_argument("--shard", type=int, required=True)
    sv.add_argument("--of", type=int, required=True)
    sv.add_argument("--model", default="default")
    sv.add_argument("--withdraw-every", type=int, default=0)
    sv.add_argument("--url", default=NATS_URL)
    ap.add_argument("--removed", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--warm", type=int, default=20)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--timeout", type=float, default=5.0)
    args = ap.parse_args()
    if args.command == "serve":
        serve(args)
        return
    from tarazu.adapters.shard_nats import NatsShards

    gen = Generator(args.seed)
    removed = list(gen.removed_set(args.removed))
    queries = gen.new_accounts(args.queries + args.warm, removed)
    profiles = build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed})
    model = load_model("default")
    rows = []

    held = []
    one = MirrorLinker(model, LinkerConfig())
    for p in profiles:
        one.add_removed_profile(p)
    settle_after_bulk_build()
    held.append(("one index", held_mb(one)))
    counts = [("one index", counts_breakdown(one))]
    times, want = timed(one.score, queries, args.warm)
    rows.append(("one index, in process", times, None))
    del one

    local = LocalShards(model, args.shards)
    local.add_all(profiles)
    settle_after_bulk_build()
    held += [(f"shard {k} of {args.shards}", held_mb(s)) for k, s in enumerate(local.shards)]
    counts += [(f"shard {k} of {args.shards}", counts_breakdown(s))
               for k, s in enumerate(local.shards)]
    times, got = timed(local.linker.score, queries, args.warm)
    assert got == want, "in-process shards differ from one index"
    rows.append((f"{args.shards} shards, in process", times, None))
    wired = ShardedLinker(model, [RemoteShard(ShardHandler(s).handle) for s in local.shards])
    times, got = timed(wired.score, queries, args.warm)
    assert got == want, "in-process shards through the messages differ from one index"
    rows.append((f"{args.shards} shards, in process, JSON", times, None))
    del local, wired

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profiles.npz"
        path.write_bytes(encode_profiles(profiles))
        del profiles
        for n in (1, args.shards):
            procs = start_workers(path, n)
            try:
                mem = [rss_mb(p.pid) for p in procs]
                settle_after_bulk_build()
                with NatsShards(NATS_URL, shard_names(n), args.timeout) as nats_shards:
                    merger = ShardedLinker(model, nats_shards.ports(), parallel=True)
                    times, got = timed(merger.score, queries, args.warm)
                assert not merger.incomplete, "a shard did not answer"
                assert got == want, f"{n} shard(s) over NATS differ from one index"
                mem_after = [rss_mb(p.pid) for p in procs]
            finally:
                stop_workers(procs)
            rows.append((f"{n} shard worker(s) over NATS", times, (mem, mem_after)))

    print(f"{args.removed} removed accounts, {args.queries} new accounts scored one by one "
          f"({args.warm} more to warm up), load {os.getloadavg()[0]:.2f}")
    print(f"{'mode':32} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}  worker RSS MB (loaded/after)")
    for name, t, mem in rows:
        m = "" if mem is None else ", ".join(f"{a:.0f}/{b:.0f}" for a, b in zip(*mem, strict=True))
        print(f"{name:32} {pct(t, 50):8.1f} {pct(t, 99):8.1f} {statistics.mean(t):8.1f}  {m}")
    print("answers: identical in every mode")
    print(f"\n{'held (object by object)':24} {'own accounts MB':>16} {'counts MB':>10}")
    for name, (own, n) in held:
        print(f"{name:24} {own:16.1f} {n:10.1f}")
    for name, c in counts:
        print(f"the counts, {name}: " + ", ".join(f"{k} {v:.1f} MB" for k, v in c))


if __name__ == "__main__":
    main()
