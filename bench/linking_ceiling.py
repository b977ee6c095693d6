"""How far can weighting alone take mirror ranking? Labels-trained rankers over the very
comparisons the linker makes, against the self-fit's ranking without labels.

    python bench/linking_ceiling.py --only ira

For a benchmark, the self-fitted linker (as ``tarazu mirrors link`` builds it, no labels)
proposes each active account's candidates and compares them; the dev split's labels then
train, and the test split scores, rankers over those comparisons:

- ``self-fit``: the linker's own order (total weight), no labels;
- ``naive Bayes``: m and u of every level counted from the dev labels;
- ``conditional logit``: one weight per level, fitted so that each account's true candidate
  wins the softmax over its candidates (the discriminative form of the same sum);
- ``boosted trees (levels)`` and ``(measured values)``: a gradient-boosted classifier on the
  levels, and on each comparator's measured value with its lead over the account's best and
  worst other candidate — interactions and finer values than the levels carry.

If the trained rankers do little better than the self-fit, recall is bounded by what the
comparators measure, and new evidence, not new weights, is what moves it. recall@1 is over
the split's mirrors, a mirror blocking did not propose counting as a miss."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from sklearn.ensemble import HistGradientBoostingClassifier

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tarazu.interchange import load_records  # noqa: E402
from tarazu.linkage.levels import MISSING  # noqa: E402
from tarazu.linkage.linker import LinkerConfig, MirrorLinker  # noqa: E402
from tarazu.linkage.selffit import SelfFitSettings, self_fit, self_fit_start  # noqa: E402


@dataclass
class Pairs:
    """The compared candidate pairs of one split, grouped by active account (contiguous)."""

    levels: np.ndarray  # pairs × comparators, MISSING = -1
    raw: np.ndarray  # pairs × comparators, NaN where missing or unmeasured
    totals: np.ndarray  # the self-fitted linker's total weight
    starts: np.ndarray  # first pair of each account
    truth: np.ndarray  # is the pair the account's true predecessor
    mirrors: int  # mirrors in the split (recall's denominator)

    @property
    def groups(self) -> np.ndarray:
        sizes = np.diff(np.append(self.starts, len(self.levels)))
        return np.repeat(np.arange(len(self.starts)), sizes)


def compared_pairs(linker: MirrorLinker, actives: list, truth: dict[str, str | None]) -> Pairs:
    levels, raw, totals, starts, right = [], [], [], [], []
    at = 0
    for a in actives:
        cands = linker.candidates(a)
        if not cands:
            continue
        comps = linker.compare(a, cands)
        levels.append(comps.levels())
        raw.append(np.array([[np.nan if r.level == MISSING or r.raw is None else float(r.raw)
                              for r in col] for col in comps.results]).T)
        totals.append(linker.totals(comps))
        right.extend(c.account_id == truth.get(a.account_id) for c in cands)
        starts.append(at)
        at += len(cands)
    mirrors = sum(1 for a in actives if truth.get(a.account_id))
    return Pairs(np.concatenate(levels), np.concatenate(raw), np.concatenate(totals),
                 np.array(starts), np.array(right, dtype=bool), mirrors)


def recall_at_1(score: np.ndarray, p: Pairs) -> float:
    ends = np.append(p.starts[1:], len(score))
    hits = sum(bool(p.truth[a + int(np.argmax(score[a:b]))])
               for a, b in zip(p.starts, ends, strict=True))
    return hits / max(p.mirrors, 1)


def one_hot(levels: np.ndarray, sizes: list[int]) -> np.ndarray:
    return np.column_stack([(levels[:, j] == k).astype(float)
                            for j, n in enumerate(sizes) for k in range(n)])


def naive_bayes(train: Pairs, sizes: list[int]) -> list[np.ndarray]:
    weights = []
    for j, n in enumerate(sizes):
        col = train.levels[:, j]
        ok = col >= 0
        m = np.bincount(col[ok & train.truth], minlength=n) + 1.0
        u = np.bincount(col[ok & ~train.truth], minlength=n) + 1.0
        weights.append(np.append(np.log2(m / m.sum()) - np.log2(u / u.sum()), 0.0))
    return weights


def conditional_logit(x: np.ndarray, train: Pairs, l2: float) -> np.ndarray:
    """Level weights maximising each account's softmax probability of its true candidate
    (accounts whose predecessor blocking missed carry no term)."""
    g, starts = train.groups, train.starts
    has = np.bincount(g, weights=train.truth.astype(float), minlength=len(starts)) > 0

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w
        top = np.maximum.reduceat(z, starts)
        e = np.exp(z - top[g])
        den = np.add.reduceat(e, starts)
        p = e / den[g]
        ll = np.sum((z - top[g])[train.truth]) - np.sum(np.log(den)[has])
        grad = x[train.truth].sum(0) - (x * (p * has[g])[:, None]).sum(0)
        return -ll + l2 * w @ w, -grad + 2 * l2 * w

    return minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x


def with_leads(p: Pairs, keep: np.ndarray) -> np.ndarray:
    r = p.raw[:, keep]
    best = np.fmax.reduceat(np.nan_to_num(r, nan=-np.inf), p.starts, axis=0)[p.groups]
    worst = np.fmin.reduceat(np.nan_to_num(r, nan=np.inf), p.starts, axis=0)[p.groups]
    return np.column_stack([r, r - best, r - worst])


def boosted(x_train: np.ndarray, y: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    clf = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, max_leaf_nodes=15,
                                         random_state=0)
    return clf.fit(x_train, y).predict_proba(x_test)[:, 1]


def ceiling(name: str, shared: Path) -> dict[str, float]:
    base = shared / "bench" / name
    truth = {r["account_id"]: r["mirror_of"]
             for r in map(json.loads, (base / "truth.jsonl").open())}
    split = json.loads((base / "split.json").read_text())
    accounts, posts, _ = load_records(base / "data.jsonl.gz")
    linker = MirrorLinker(self_fit_start(), LinkerConfig())
    actives = linker.load(accounts, posts)
    model, _ = self_fit(linker, actives, SelfFitSettings())
    linker = linker.with_model(model)
    by_id = {a.account_id: a for a in actives}
    dev, test = (compared_pairs(linker, [by_id[k] for k in split[part] if k in by_id], truth)
                 for part in ("dev", "test"))
    sizes = [len(s.levels) for s in model.comparators]
    out = {"self-fit (no labels)": recall_at_1(test.totals, test)}
    nb = naive_bayes(dev, sizes)
    out["naive Bayes"] = recall_at_1(
        sum(w[test.levels[:, j]] for j, w in enumerate(nb)), test)
    x_dev, x_test = one_hot(dev.levels, sizes), one_hot(test.levels, sizes)
    for l2 in (0.1, 1.0, 10.0):
        w = conditional_logit(x_dev, dev, l2)
        out[f"conditional logit (l2 {l2:g})"] = recall_at_1(x_test @ w, test)
    out["boosted trees (levels)"] = recall_at_1(
        boosted(dev.levels, dev.truth, test.levels), test)
    keep = ~np.isnan(dev.raw).all(0)
    out["boosted trees (measured values, leads)"] = recall_at_1(
        boosted(with_leads(dev, keep), dev.truth, with_leads(test, keep)), test)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path,
                    default=Path(os.environ.get("TARAZU_SHARED", ROOT.parent / "shared")))
    ap.add_argument("--only", choices=("ira", "wikisocks"), action="append")
    args = ap.parse_args()
    for name in args.only or ("ira", "wikisocks"):
        print(f"{name}: test recall@1, rankers trained on the dev labels")
        for ranker, r1 in ceiling(name, args.shared).items():
            print(f"  {ranker:42s} {r1:.3f}")


if __name__ == "__main__":
    main()
