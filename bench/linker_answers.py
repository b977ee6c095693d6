"""Every answer of the linker on a synthetic stream, written as JSON, so that a change that
must not change any answer (a memory or speed change) can be checked byte for byte against
the code before it:

    python bench/linker_answers.py --removed 2000 --out after.json   # on each version
    cmp before.json after.json

Removed accounts are indexed, a ninth withdrawn and half of those added again; then 150 new
accounts are scored one by one (streaming) and 60 in a batch. Each result is written with
its total, probability and every signal (level, label, rendered values, weight, m, u) in
``repr`` form, so that a float differing in its last bit differs in the file.

``--shards N`` gives the answers of N shards in one process (``linkage.shards``), which must
be the same file as one linker's."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic_accounts import Generator, linker_holding  # noqa: E402
from tarazu.linkage import LinkerConfig, MirrorLinker, load_model  # noqa: E402
from tarazu.linkage.profile import build_profiles  # noqa: E402
from tarazu.linkage.result import MatchResult  # noqa: E402
from tarazu.linkage.shards import LocalShards  # noqa: E402


def _row(active_id: str, r: MatchResult) -> list:
    return [active_id, r.removed_id, repr(r.total), repr(r.probability),
            [repr(s) for s in r.signals]]


def answers(n: int, seed: int, model: str, shards: int = 0,
            config: LinkerConfig | None = None, streamed: int = 150, batch: int = 60
            ) -> list[list]:
    """Every answer (see above); ``shards``: that many shards in one process, 0 one linker."""
    gen = Generator(seed)
    removed = list(gen.removed_set(n))
    stream = gen.new_accounts(streamed, removed)
    linker: MirrorLinker
    if shards:
        held = LocalShards(load_model(model), shards, config or LinkerConfig())
        held.add_all(build_profiles([a for a, _ in removed],
                                    {a.account_id: ps for a, ps in removed}))
        feed: MirrorLinker | LocalShards = held
        linker = held.linker
    else:
        linker = feed = linker_holding(removed, model, config)
    for a, _ in removed[::9]:
        feed.withdraw(a.account_id)
    for a, ps in removed[::18]:
        feed.add_removed(a, ps)
    out = [_row(a.account_id, r) for a, ps in stream for r in linker.score(a, ps)]
    head = stream[:batch]
    batch = linker.score_batch(build_profiles([a for a, _ in head],
                                              {a.account_id: ps for a, ps in head}))
    out += [_row(k, r) for k in sorted(batch) for r in batch[k]]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--removed", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--model", default="default")
    ap.add_argument("--shards", type=int, default=0, help="shards in one process (0: one linker)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    rows = answers(args.removed, args.seed, args.model, args.shards)
    args.out.write_text(json.dumps(rows), encoding="utf-8")
    print(f"{len(rows)} results written to {args.out}")


if __name__ == "__main__":
    main()
