"""Blocking recall of the mirror linker's candidate indexes on the benchmarks' test splits:
for every true (new account, removed account) pair, does each index propose the removed
account, does the union of the indexes, and does the pair survive the cap on full comparisons
(``LinkerConfig.max_full``)? Also the mean number of candidates each proposes.

    python bench/blocking_recall.py                 # both test splits and the mission
                                                    # scenario (seed 1), a markdown table
    python bench/blocking_recall.py --split dev
    python bench/blocking_recall.py --synthetic 10000 100000   # the speed bench's data

Truth is read only to count hits; the linker sees the input alone."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic_accounts import Generator  # noqa: E402
from tarazu.demo.scenario import generate  # noqa: E402
from tarazu.interchange import load_records  # noqa: E402
from tarazu.linkage import LinkerConfig, MirrorLinker, load_model  # noqa: E402
from tarazu.linkage.blocking import blocking_recall  # noqa: E402
from tarazu.linkage.profile import AccountProfile, build_profiles  # noqa: E402

DATASETS = ("ira", "wikisocks")


def measure(
    data: Path, truth_file: Path, model: str, keep: set[str] | None
) -> list[tuple[str, float, float]]:
    """Rows (index, recall, mean candidates) over the true pairs of the active ids ``keep``
    (all, if None)."""
    truth = {r["account_id"]: r["mirror_of"] for r in map(json.loads, truth_file.open()) if r}
    accounts, posts, _ = load_records(data)
    linker = MirrorLinker(load_model(model), LinkerConfig())
    actives = linker.load(accounts, posts)
    pairs = [(p, truth[p.account_id]) for p in actives
             if (keep is None or p.account_id in keep) and truth.get(p.account_id)]
    return _rows(linker, pairs)


def _rows(linker: MirrorLinker, pairs: list[tuple[AccountProfile, str]]
          ) -> list[tuple[str, float, float]]:
    rows = [(r.index, r.recall, r.mean_candidates)
            for r in blocking_recall(linker.blocker, pairs)]
    kept = [linker.candidates(p) for p, _ in pairs]
    hits = sum(t in {c.account_id for c in cands} for (_, t), cands in zip(pairs, kept,
                                                                           strict=True))
    n = max(1, len(pairs))
    rows.append((f"union, best {linker.config.max_full} kept", hits / n,
                 sum(len(c) for c in kept) / n))
    return rows


def measure_synthetic(n_removed: int, n_new: int = 2000, seed: int = 7
                      ) -> list[tuple[str, float, float]]:
    """The same rows on the speed bench's synthetic data (``bench/synthetic_accounts.py``):
    removals spread over two years, so the 40 nearest in time cover hours, not months."""
    gen = Generator(seed)
    removed = list(gen.removed_set(n_removed))
    new = gen.new_accounts(n_new, removed)
    linker = MirrorLinker(load_model("default"), LinkerConfig())
    for p in build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed}):
        linker.add_removed_profile(p)
    actives = build_profiles([a for a, _ in new], {a.account_id: ps for a, ps in new})
    return _rows(linker, [(p, gen.mirror_source[p.account_id]) for p in actives
                          if p.account_id in gen.mirror_source])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=os.environ.get("TARAZU_SHARED", "../shared"))
    ap.add_argument("--split", default="test", choices=("test", "dev"))
    ap.add_argument("--synthetic", type=int, nargs="*", metavar="N",
                    help="instead: synthetic data with N removed accounts (2,000 new, 30 %% "
                         "of them mirrors)")
    args = ap.parse_args()
    if args.synthetic:
        print("| removed accounts (synthetic) | index | blocking recall | candidates (mean) |")
        print("|---|---|---|---|")
        for n in args.synthetic:
            for index, recall, mean in measure_synthetic(n):
                print(f"| {n:,} | {index} | {recall:.3f} | {mean:.1f} |", flush=True)
        return
    shared = (ROOT / args.shared).resolve()
    print("| dataset | index | blocking recall | candidates per new account (mean) |")
    print("|---|---|---|---|")
    runs = []
    for name in DATASETS:
        bench = shared / "bench" / name
        keep = set(json.loads((bench / "split.json").read_text())[args.split])
        runs.append((name, bench / "data.jsonl.gz", bench / "truth.jsonl", name, keep))
    with tempfile.TemporaryDirectory() as tmp:
        generate(1, tmp)  # the mission scenario (synthetic): handles, names, avatars, links
        runs.append(("mission, seed 1", Path(tmp) / "data.jsonl", Path(tmp) / "truth.jsonl",
                     "default", None))
        for label, data, truth, model, keep in runs:
            for index, recall, mean in measure(data, truth, model, keep):
                print(f"| {label} | {index} | {recall:.3f} | {mean:.1f} |")


if __name__ == "__main__":
    main()
