"""Name-matching and screening quality: precision, recall and F1 on a deterministic split.

    python bench/quality_names.py                # report dev and test on all three sets
    python bench/quality_names.py --fit          # refit the comparator weights on dev only
    python bench/quality_names.py --errors dev   # list misclassified dev rows, with reasons

Benchmarks (read-only, outside the repository): `<shared>/bench/names/cases.csv` (OpenSanctions)
and `<shared>/bench/translit/pairs.csv` (Arabic script vs Latin); `<shared>` is `--shared`, else
$TARAZU_SHARED, else `../shared`. The screening set is ours: `bench/data/screening_labelled.csv`.

No split is published for these files, so each row goes to dev or test by a hash of its text
(the first 8 hex digits of SHA-256, even -> dev). Weights and thresholds are tuned on dev only;
the test figures are the ones to quote. Error listings are for dev only, so that nobody tunes
on test rows by accident.

The OpenSanctions cases carry a `schema` column (Person, Company, ...); the comparator is given
it, as `tarazu names score` does when its input has that column. `names_no_schema` scores the
same rows without it: the default behaviour for callers that do not know what a name names.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tarazu.names.compare import DEFAULT_THRESHOLD, compare_names  # noqa: E402

SCREENING = ROOT / "bench" / "data" / "screening_labelled.csv"


def split_of(*key: str) -> str:
    digest = hashlib.sha256("\t".join(key).encode()).hexdigest()
    return "dev" if int(digest[:8], 16) % 2 == 0 else "test"


@dataclass(frozen=True)
class Scores:
    n: int
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {"n": self.n, "precision": round(self.precision, 3),
                "recall": round(self.recall, 3), "f1": round(self.f1, 3)}


def score_pairs(pairs: Iterable[tuple[bool, bool]]) -> Scores:
    tp = fp = fn = n = 0
    for truth, pred in pairs:
        n += 1
        tp += truth and pred
        fp += pred and not truth
        fn += truth and not pred
    return Scores(n, tp, fp, fn)


def load_pairs(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def pair_sets(shared: Path) -> dict[str, list[dict[str, str]]]:
    return {"names": load_pairs(shared / "bench" / "names" / "cases.csv"),
            "translit": load_pairs(shared / "bench" / "translit" / "pairs.csv")}


def evaluate_pairs(rows: list[dict[str, str]], part: str, threshold: float,
                   errors: bool = False, use_schema: bool = True) -> Scores:
    out = []
    for row in rows:
        if split_of(row["name1"], row["name2"]) != part:
            continue
        truth = row["is_match"].strip().lower() == "true"
        schema = (row.get("schema") or None) if use_schema else None
        cmp = compare_names(row["name1"], row["name2"], schema)
        pred = cmp.score >= threshold
        if errors and pred != truth:
            print(f"{'FN' if truth else 'FP'} {cmp.score:.3f} [{schema or '-'}] "
                  f"{row['name1']} | {row['name2']} :: {'; '.join(cmp.reasons)}")
        out.append((truth, pred))
    return score_pairs(out)


def evaluate_screening(part: str, errors: bool = False) -> dict[str, object]:
    from tarazu.designations.registry import default_registry
    from tarazu.designations.screening import Screener

    screener = Screener(default_registry())
    rows = [r for r in load_pairs(SCREENING) if split_of(r["text"]) == part]
    results, per_category = [], {}
    for row in rows:
        expected = row["expected"].strip() or None
        hit = screener.best(row["text"])
        got = hit.designation_id if hit else None
        truth, pred = expected is not None, got is not None
        correct_id = got == expected
        if errors and not correct_id:
            print(f"{row['category']}: expected={expected} got={got} :: {row['text']}")
        if truth:
            results.append((True, correct_id))
            if pred and not correct_id:  # the wrong organisation: a miss and a false positive
                results.append((False, True))
        else:
            results.append((False, pred))
        cat = per_category.setdefault(row["category"], [0, 0])
        cat[0] += 1
        cat[1] += correct_id
    report = score_pairs(results).as_dict()
    report["n"] = len(rows)
    report["accuracy_by_category"] = {k: f"{v[1]}/{v[0]}" for k, v in sorted(per_category.items())}
    return report


def fit(shared: Path) -> None:
    """Refit the logistic weights of the comparator on the dev halves, both sets weighted
    equally, pick the threshold with the best mean dev F1, and print both for pasting into
    tarazu/names/compare.py. The OpenSanctions rows are featurised with their schema."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from tarazu.names.compare import LogisticNameMatcher
    from tarazu.names.features import name_features

    used = list(LogisticNameMatcher.WEIGHTS)

    xs, ys, ws, parts = [], [], [], []
    for rows in pair_sets(shared).values():
        dev = [r for r in rows if split_of(r["name1"], r["name2"]) == "dev"]
        feats = [name_features(r["name1"], r["name2"], r.get("schema") or None)[0] for r in dev]
        x = [[getattr(f, k) for k in used] for f in feats]
        y = [r["is_match"].strip().lower() == "true" for r in dev]
        xs += x
        ys += y
        ws += [1.0 / len(dev)] * len(dev)
        parts.append((np.array(x), np.array(y)))
    model = LogisticRegression(C=1.0, max_iter=5000)
    model.fit(np.array(xs), np.array(ys), sample_weight=np.array(ws) * len(ws))

    def mean_f1(threshold: float) -> float:
        return sum(score_pairs(zip(y, model.predict_proba(x)[:, 1] >= threshold, strict=True)).f1
                   for x, y in parts) / len(parts)

    threshold = max((round(t, 3) for t in np.arange(0.3, 0.701, 0.025)), key=mean_f1)
    weights = dict(zip(used, model.coef_[0].round(3).tolist(), strict=True))
    print(json.dumps({"weights": weights, "intercept": round(float(model.intercept_[0]), 3),
                      "threshold": float(threshold)}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(os.environ.get("TARAZU_SHARED", ROOT.parent / "shared")))
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--errors", choices=["dev"], help="list dev misclassifications")
    parser.add_argument("--only", choices=["names", "names_no_schema", "translit", "screening"])
    args = parser.parse_args(argv)
    if args.fit:
        fit(args.shared)
        return 0
    report: dict[str, object] = {"threshold": args.threshold}
    runners: dict[str, Callable[[str], object]] = {}
    for name, rows in pair_sets(args.shared).items():
        runners[name] = lambda part, rows=rows: evaluate_pairs(
            rows, part, args.threshold, args.errors == part).as_dict()
        if name == "names":
            runners["names_no_schema"] = lambda part, rows=rows: evaluate_pairs(
                rows, part, args.threshold, False, use_schema=False).as_dict()
    runners["screening"] = lambda part: evaluate_screening(part, args.errors == part)
    for name, run in runners.items():
        if args.only and name != args.only:
            continue
        report[name] = {part: run(part) for part in ("dev", "test")}
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
