"""How long a new platform waits for its first model: ``tarazu mirrors fit INPUT --out MODEL``
(self-fit, no labels) on a synthetic interchange file of ``--accounts`` accounts, half of them
removed (``bench/synthetic_accounts.py``; 30 % of the new accounts are mirrors).

    python bench/selffit_speed.py --accounts 100000

Prints the command's wall time and its phases as the command reports them (reading the file,
the self-fit itself), and the peak memory of the process. Goal (issue: mirror detection that
learns each platform): self-fit on a 100k-account input in under 2 minutes."""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic_accounts import Generator  # noqa: E402

FIT = [sys.executable, "-m", "tarazu.entrypoints.cli.mirrors", "fit"]


def _plain(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat().replace("+00:00", "Z")
    if isinstance(v, tuple | list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items() if x not in (None, "", (), [])}
    return v


def record(kind: str, obj: Any) -> dict[str, Any]:
    """One interchange line for an ``Account`` or ``Post``."""
    out = {"type": kind, **_plain(dataclasses.asdict(obj))}
    return {k: v for k, v in out.items() if v not in (None, "", [], {})}


def write_input(path: Path, accounts: int, seed: int) -> None:
    gen = Generator(seed)
    removed = list(gen.removed_set(accounts // 2))
    new = gen.new_accounts(accounts - len(removed), removed)
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for a, ps in [*removed, *new]:
            f.write(json.dumps(record("account", a), ensure_ascii=False) + "\n")
            for p in ps:
                f.write(json.dumps(record("post", p), ensure_ascii=False) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "input.jsonl.gz"
        t = time.perf_counter()
        write_input(data, args.accounts, args.seed)
        print(f"wrote {args.accounts} accounts in {time.perf_counter() - t:.0f} s",
              file=sys.stderr)
        t = time.perf_counter()
        res = subprocess.run([*FIT, str(data), "--out", str(Path(tmp) / "model.json")],
                             cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t
        if res.returncode != 0:
            sys.stderr.write(res.stdout + res.stderr)
            raise SystemExit("tarazu mirrors fit failed")
    out = res.stdout + res.stderr
    peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    read = re.search(r"posts in\s+([\d.]+)\s*s", out)
    fit = re.search(r"random pairs in\s+([\d.]+)\s*s", out)
    print(json.dumps({
        "accounts": args.accounts,
        "command wall s": round(wall, 1),
        "reading the file s": float(read.group(1)) if read else None,
        "self-fit s": float(fit.group(1)) if fit else None,
        "index build and the rest s": (round(wall - float(read.group(1)) - float(fit.group(1)), 1)
                                       if read and fit else None),
        "peak memory GB": round(peak_gb, 2),
        "goal": "whole command under 120 s at 100,000 accounts",
    }))


if __name__ == "__main__":
    main()
