"""Name comparator speed: cold start in a fresh process, and per-call latency on realistic pairs.

    python bench/names_speed.py                # cold start (subprocesses) + per-call p50/p99
    python bench/names_speed.py --check        # prove the person-tagger shortcut harmless

Realistic pairs: every row of the OpenSanctions cases (with and without their schema), the
Arabic/Latin transliteration pairs, every comparison the screener makes on
`bench/data/screening_labelled.csv`, and `--random` pairs of unrelated names drawn from those
files (what mirror-account detection mostly compares). Shared data as in `quality_names.py`.

rigour's person tagger takes 8-11 s of CPU to build, once per process; the comparator asks it
only when it could change a decision (`LogisticNameMatcher.compare`). `--check` scores every
pair both ways (shortcut, and the tagger always) and reports the pairs whose score differs,
decisions that flip at the thresholds callers use (0.45 default, 0.8 screening, 0.9 referral
lookup) and the benchmark F1 both ways.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import quality_names as q  # noqa: E402

THRESHOLDS = (0.45, 0.8, 0.9)  # default; screening phrase/hit; referral lookup
COLD_PAIRS = {
    "unrelated names": ("Sanjay Mehta", "Ross Ah Tow", None),
    "organisation variant": ("Tehreek-e-Taliban Pakistan", "Tehrik-i-Taliban Pakistan", None),
    "romanised person (tagger needed)": ("Mao Tse-tung", "Mao Zedong", None),
}
_COLD = """
import json, sys, time
w0, c0 = time.perf_counter(), time.process_time()
from tarazu.names import compare_names
w1, c1 = time.perf_counter(), time.process_time()
score = compare_names(sys.argv[1], sys.argv[2], sys.argv[3] or None).score
w2, c2 = time.perf_counter(), time.process_time()
compare_names(sys.argv[2], sys.argv[1], sys.argv[3] or None)
w3 = time.perf_counter()
print(json.dumps({"import_s": [w1 - w0, c1 - c0], "first_call_s": [w2 - w1, c2 - c1],
                  "second_call_ms": (w3 - w2) * 1000, "score": score}))
"""
Pair = tuple[str, str, str, str | None]  # (set, name1, name2, schema)


def cold_start() -> dict[str, object]:
    """Each scenario in a fresh interpreter: import, first call, a second call."""
    out: dict[str, object] = {}
    for label, (a, b, schema) in COLD_PAIRS.items():
        done = subprocess.run([sys.executable, "-c", _COLD, a, b, schema or ""], cwd=ROOT,
                              capture_output=True, text=True, check=True)
        r = json.loads(done.stdout)
        out[label] = {"import wall/cpu s": [round(x, 3) for x in r["import_s"]],
                      "first call wall/cpu s": [round(x, 3) for x in r["first_call_s"]],
                      "second call ms": round(r["second_call_ms"], 3), "score": r["score"]}
    return out


def realistic_pairs(shared: Path, n_random: int) -> list[Pair]:
    import tarazu.designations.screening as screening
    from tarazu.designations.registry import default_registry

    pairs: list[Pair] = []
    sets = q.pair_sets(shared)
    for r in sets["names"]:
        pairs.append(("names", r["name1"], r["name2"], r.get("schema") or None))
        pairs.append(("names_no_schema", r["name1"], r["name2"], None))
    pairs += [("translit", r["name1"], r["name2"], None) for r in sets["translit"]]
    real = screening.compare_names

    def record(a: str, b: str, schema: str | None = None):  # type: ignore[no-untyped-def]
        pairs.append(("screening", a, b, schema))
        return real(a, b, schema)

    screening.compare_names = record
    try:
        screener = screening.Screener(default_registry())
        for row in q.load_pairs(q.SCREENING):
            screener.best(row["text"])
    finally:
        screening.compare_names = real
    names = sorted({p[1] for p in pairs} | {p[2] for p in pairs})
    rng = random.Random(7)
    pairs += [("random", *rng.sample(names, 2), None) for _ in range(n_random)]
    return pairs


def _percentiles(us: list[float]) -> dict[str, float]:
    us = sorted(us)
    return {"p50_us": round(statistics.median(us), 1),
            "p99_us": round(us[int(0.99 * (len(us) - 1))], 1),
            "mean_us": round(statistics.fmean(us), 1)}


def per_call(pairs: list[Pair]) -> dict[str, object]:
    """Latency of `compare_names` once the taggers are built: first sight of each pair (the
    per-token caches cold for new words) and a second pass (caches warm). Wall time and this
    thread's CPU time: on a loaded machine the wall p99 is mostly waiting for a core."""
    from tarazu.names.compare import LogisticNameMatcher, compare_names

    asked = [0]
    could_matter = LogisticNameMatcher._person_tagger_could_matter

    def counting(self, *args):  # type: ignore[no-untyped-def]
        found = could_matter(self, *args)
        asked[0] += found
        return found

    compare_names("Mao Tse-tung", "Mao Zedong")  # build both taggers outside the timing
    LogisticNameMatcher._person_tagger_could_matter = counting  # type: ignore[method-assign]
    report: dict[str, object] = {"pairs": len(pairs)}
    try:
        for label in ("first pass", "second pass"):
            asked[0] = 0
            wall, cpu = [], []
            for _, a, b, schema in pairs:
                t, c = time.perf_counter_ns(), time.thread_time_ns()
                compare_names(a, b, schema)
                cpu.append((time.thread_time_ns() - c) / 1000)
                wall.append((time.perf_counter_ns() - t) / 1000)
            report[label] = {"wall": _percentiles(wall), "cpu": _percentiles(cpu)}
        report["share asking the person tagger"] = round(asked[0] / len(pairs), 3)
    finally:
        LogisticNameMatcher._person_tagger_could_matter = could_matter  # type: ignore[method-assign]
    return report


def check(pairs: list[Pair], shared: Path) -> dict[str, object]:
    """Scores with the shortcut vs with the person tagger always consulted."""
    import tarazu.designations.screening as screening
    from tarazu.names.compare import _default

    matcher = _default()
    differ: list[dict[str, object]] = []
    flips = dict.fromkeys(map(str, THRESHOLDS), 0)
    for kind, a, b, schema in pairs:
        if kind == "random":
            continue
        fast = matcher.compare(a, b, schema).score
        full = matcher.compare(a, b, schema, person_names=True).score
        if fast != full:
            differ.append({"set": kind, "a": a, "b": b, "shortcut": fast, "always": full})
        for t in THRESHOLDS:
            flips[str(t)] += (fast >= t) != (full >= t)
    f1: dict[str, object] = {}
    sets = q.pair_sets(shared)
    real = screening.compare_names
    for mode in ("shortcut", "always"):
        if mode == "always":
            def always(a, b, schema=None):  # type: ignore[no-untyped-def]
                return matcher.compare(a, b, schema, person_names=True)
            screening.compare_names = always
            q.compare_names = always
        try:
            f1[mode] = {
                "names test": q.evaluate_pairs(sets["names"], "test", 0.45).as_dict()["f1"],
                "names_no_schema test": q.evaluate_pairs(
                    sets["names"], "test", 0.45, use_schema=False).as_dict()["f1"],
                "translit test": q.evaluate_pairs(sets["translit"], "test", 0.45)
                .as_dict()["f1"],
                "screening test": q.evaluate_screening("test")["f1"],
            }
        finally:
            screening.compare_names = real
            q.compare_names = real
    return {"pairs compared": sum(1 for p in pairs if p[0] != "random"),
            "scores differ": len(differ),
            "max abs difference": round(max((abs(d["shortcut"] - d["always"])  # type: ignore[operator]
                                             for d in differ), default=0.0), 4),
            "decision flips by threshold": flips, "test F1": f1,
            "differing pairs": sorted(differ, key=lambda d: -abs(d["shortcut"] - d["always"]))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(os.environ.get("TARAZU_SHARED", ROOT.parent / "shared")))
    parser.add_argument("--random", type=int, default=5000, help="unrelated random pairs")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.check:
        report = check(realistic_pairs(args.shared, 0), args.shared)
    else:
        report = {"cold start": cold_start(),
                  "per call": per_call(realistic_pairs(args.shared, args.random))}
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
