"""Blocking recall of the mirror linker's candidate indexes on the benchmarks' test splits:
for every true (new account, removed account) pair, does each index propose the removed
account, does the union of the indexes, and does the pair survive the cap on full comparisons
(``LinkerConfig.max_full``)? Also the mean number of candidates each proposes.

    python bench/blocking_recall.py                 # both test splits and the mission
                                                    # scenario (seed 1), a markdown table
    python bench/blocking_recall.py --split dev

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

from tarazu.adapters.interchange import load_records  # noqa: E402
from tarazu.demo.scenario import generate  # noqa: E402
from tarazu.linkage import LinkerConfig, MirrorLinker, load_model  # noqa: E402
from tarazu.linkage.blocking import blocking_recall  # noqa: E402

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
    rows = [(r.index, r.recall, r.mean_candidates)
            for r in blocking_recall(linker.blocker, pairs)]
    kept = [linker.candidates(p) for p, _ in pairs]
    hits = sum(t in {c.account_id for c in cands} for (_, t), cands in zip(pairs, kept,
                                                                           strict=True))
    n = max(1, len(pairs))
    rows.append((f"union, best {linker.config.max_full} kept", hits / n,
                 sum(len(c) for c in kept) / n))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=os.environ.get("TARAZU_SHARED", "../shared"))
    ap.add_argument("--split", default="test", choices=("test", "dev"))
    args = ap.parse_args()
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
