"""Mirror-linking quality on the benchmarks' test splits: link, then score with the shared
evaluator, and print one table (add ``--markdown`` for BENCHMARKS.md).

    python bench/quality_links.py --self-fit     # the default command: self-fit, own flags
    python bench/quality_links.py                # use the packaged per-dataset models
    python bench/quality_links.py --fit          # first refit them on the dev splits

The benchmarks are found under ``--shared`` (default: ``$TARAZU_SHARED`` or ``../shared``,
relative to the repository root). Truth is read only by the evaluator and, with ``--fit``, by
``tarazu mirrors fit`` for the dev ids."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASETS = {
    # name: (min precision, max share of non-mirrors flagged) for the review threshold: the
    # issue's goals, which must hold for the one-sided Wilson bound at CONFIDENCE on the dev
    # split's out-of-fold probabilities (not just for its point estimate), so that a small
    # dev split does not place the threshold on luck
    "ira": (0.90, 0.05),
    "wikisocks": (0.80, 0.02),
}
CONFIDENCE = 0.9
CLI = [sys.executable, "-m", "tarazu.entrypoints.cli.mirrors"]


def run(cmd: list[str]) -> str:
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write(res.stdout + res.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return res.stdout


def split_ece(answer: Path, truth: Path, split: Path, part: str) -> float:
    """ECE of the answer's scores over every listed (account, candidate) pair of the split:
    does a score of 0.7 come true 70 % of the time?"""
    sys.path.insert(0, str(ROOT))
    from tarazu.linkage.calibration import reliability

    keep = set(json.loads(split.read_text())[part])
    t = {r["account_id"]: r["mirror_of"] for r in map(json.loads, truth.open()) if r}
    probs, labels = [], []
    for line in answer.open():
        r = json.loads(line)
        if r["account_id"] not in keep:
            continue
        for c in r["candidates"]:
            probs.append(c["score"])
            labels.append(int(c["removed_account_id"] == t.get(r["account_id"])))
    return reliability(probs, labels).ece


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=os.environ.get("TARAZU_SHARED", "../shared"))
    ap.add_argument("--models", default="tarazu/data/models")
    ap.add_argument("--answers", default="answers")
    ap.add_argument("--fit", action="store_true",
                    help="refit the models on the dev splits, into --models (the packaged "
                         "models by default: pass a folder of your own to measure)")
    ap.add_argument("--self-fit", action="store_true",
                    help="link without --model (the model fitted to the input, no labels) and "
                         "score the answer's own flags")
    ap.add_argument("--no-related-class", action="store_true",
                    help="self-fit without the related class and its operator check "
                         "(tarazu mirrors link --no-related-class)")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--only", choices=sorted(DATASETS))
    ap.add_argument("--split", default="test", choices=("test", "dev"),
                    help="ids to score (report test; dev is for tuning)")
    args = ap.parse_args()
    shared = (ROOT / args.shared).resolve()
    rows = []
    for name, (min_prec, max_flag) in DATASETS.items():
        if args.only and name != args.only:
            continue
        bench = shared / "bench" / name
        data, truth, split = bench / "data.jsonl.gz", bench / "truth.jsonl", bench / "split.json"
        model = Path(args.models) / f"{name}.json"
        if args.fit:
            run([*CLI, "fit", str(data), "--truth", str(truth), "--ids", f"{split}:dev",
                 "--out", str(model), "--min-precision", str(min_prec),
                 "--max-flag-rate", str(max_flag), "--confidence", str(CONFIDENCE),
                 "--name", f"{name} dev split"])
        answer = ROOT / args.answers / f"{name}.links.jsonl"
        t0 = time.perf_counter()
        if args.self_fit:
            fitted = ROOT / args.answers / f"{name}.self-fit.json"
            run([*CLI, "link", str(data), "--out", str(answer), "--top-k", "10",
                 "--save-model", str(fitted),
                 *(["--no-related-class"] if args.no_related_class else [])])
            threshold = json.loads(fitted.read_text())["thresholds"]["review"]
            rule = ["--flags"]
        else:
            threshold = json.loads((ROOT / model).read_text())["thresholds"]["review"]
            run([*CLI, "link", str(data), "--out", str(answer), "--top-k", "10",
                 "--model", str(model)])
            rule = ["--threshold", str(threshold)]
        seconds = time.perf_counter() - t0
        scores = json.loads(run([sys.executable, str(shared / "bench" / "eval_links.py"),
                                 str(truth), str(answer), "--ids", f"{split}:{args.split}",
                                 *rule]))
        rows.append({"dataset": name, "threshold": threshold, "seconds": round(seconds, 1),
                     "ece": split_ece(answer, truth, split, args.split), **scores})
    cols = ["dataset", "recall@1", "recall@10", "mrr", "threshold", "precision@thr",
            "recall@thr", "fpr_negatives@thr", "ece", "mirrors", "negatives", "seconds"]
    if args.markdown:
        print("| " + " | ".join(cols) + " |")
        print("|" + "---|" * len(cols))
        for r in rows:
            print("| " + " | ".join(str(r[c]) for c in cols) + " |")
    else:
        print(" ".join(f"{c:>14}" for c in cols))
        for r in rows:
            print(" ".join(f"{r[c]!s:>14}" for c in cols))


if __name__ == "__main__":
    main()
