"""Building the reference set from the store: what a stream worker does when it starts
without a snapshot (``MirrorDetector.refresh``), on SQLite and on PostgreSQL.

    python bench/reference_build_speed.py            # 10k, both stores, 1 process and per core
    python bench/reference_build_speed.py --accounts 50000 --stores postgres --build-jobs 0
    python bench/reference_build_speed.py --write    # also replace the BENCHMARKS.md table

The store is filled first with synthetic removed accounts and their posts (not timed), then
one refresh reads them back — accounts with their identifiers decrypted, posts a batch at a
time — builds their profiles and indexes them. The linker's own build from accounts already
in memory is in ``linker_speed.py``; this is the build the goal names ("from the database").
PostgreSQL: a scratch database on the server ``TARAZU_BENCH_PG_URL`` names (default: the local
one), dropped at the end."""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from itertools import islice  # noqa: E402
from pathlib import Path  # noqa: E402

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
from bench.stream_load import create_database, drop_database  # noqa: E402
from bench.synthetic_accounts import Generator  # noqa: E402
from tarazu.bootstrap import bootstrap  # noqa: E402
from tarazu.linkage import load_model  # noqa: E402
from tarazu.linkage.parallel import default_jobs  # noqa: E402
from tarazu.service.clock import FixedClock  # noqa: E402
from tarazu.service.mirrors.common import MirrorConfig  # noqa: E402
from tarazu.service.mirrors.reference import MirrorDetector  # noqa: E402
from tarazu.service.mirrors.registry import LoadedModel  # noqa: E402
from tarazu.settings import Settings  # noqa: E402

SECTION = "## Reference set build from the store"
#: issue 13: the build from the database of 1M removed accounts in at most 10 minutes
GOAL_S_AT_1M = 600.0
#: accounts drawn and stored in one transaction while the store is filled
FILL_PIECE = 20_000
PG_URL = os.environ.get("TARAZU_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_database(store: str, home: Path) -> Iterator[dict[str, str]]:
    """The settings' environment of an empty store of the kind named."""
    env = {"TARAZU_HOME": str(home), "TARAZU_COOKIE_SECURE": "0"}
    if store == "sqlite":
        yield env
        return
    url = create_database(PG_URL, f"tarazu_bench_build_{uuid.uuid4().hex[:8]}")
    try:
        yield {**env, "TARAZU_DATABASE_URL": url}
    finally:
        drop_database(PG_URL, url)


def measure(store: str, accounts: int, seed: int, jobs: int | None) -> tuple[float, float]:
    """(seconds to fill the store, seconds of the refresh that builds the reference set)."""
    removed = Generator(seed).removed_set(accounts)
    with tempfile.TemporaryDirectory() as tmp, scratch_database(store, Path(tmp)) as env:
        app = bootstrap(Settings.from_env(env), clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))
        t = time.perf_counter()
        # drawn and stored a piece at a time, so that at 1M the generated accounts are not
        # held beside the reference set the build makes (they would not fit in 24 GB)
        while piece := list(islice(removed, FILL_PIECE)):
            with app.uow() as uow:
                for a, ps in piece:
                    uow.platform.upsert_account(a, mark=False)
                    uow.platform.upsert_posts(ps, mark=False)
                uow.commit()
        fill = time.perf_counter() - t
        detector = MirrorDetector(LoadedModel(load_model("default"), "default"),
                                  MirrorConfig(build_jobs=jobs))
        detector.warm_up()  # the compiled kernels, as a worker loads them before it builds
        t = time.perf_counter()
        with app.uow() as uow:
            report = detector.refresh(uow)
            uow.commit()
        build = time.perf_counter() - t
        app.engine.dispose()
    if report.added != accounts:
        raise SystemExit(f"{store}: the refresh added {report.added} of {accounts} accounts")
    print(f"[{store}] filled in {fill:.1f} s, reference set built in {build:.1f} s",
          file=sys.stderr)
    return fill, build


def table(rows: list[tuple[str, str, int, float]]) -> str:
    out = ["| store | profiles built by | goal (issue 13) | removed accounts | build (s) | "
           "per account (ms) | 1M projected (min) |", "|---|---|---|---|---|---|---|"]
    for store, workers, n, build in rows:
        at_1m = build / n * 1_000_000
        shown = judged(f"{at_1m / 60:.0f}", {"": at_1m <= GOAL_S_AT_1M})
        out.append(f"| {store} | {workers} | ≤ 10 min at 1M | {n:,} | {build:.1f} | "
                   f"{build / n * 1000:.2f} | {shown} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=10_000)
    ap.add_argument("--stores", nargs="+", default=["sqlite", "postgres"],
                    choices=["sqlite", "postgres"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--build-jobs", type=int, nargs="+", default=[1, 0],
                    help="worker processes building the profiles, each measured in turn "
                         "(0: the service's default, one per core)")
    add_write_option(ap, "the reference set build table")
    args = ap.parse_args()
    loads, rows = [os.getloadavg()[0]], []
    for store in args.stores:
        for jobs in args.build_jobs:
            _, build = measure(store, args.accounts, args.seed, jobs or None)
            workers = (f"{jobs} worker processes" if jobs > 1 else "this process" if jobs
                       else f"one worker per core ({default_jobs()})")
            rows.append((store, workers, args.accounts, build))
            loads.append(os.getloadavg()[0])
    out = table(rows)
    print(out)
    if args.write:
        where = (f"{machine()}, code `{code_version()}`, load average {load_range(loads)}; "
                 "1M projected linearly from the size measured")
        write_table(SECTION, out, run_notes(where, [command_line()]), args.write)


if __name__ == "__main__":
    main()
