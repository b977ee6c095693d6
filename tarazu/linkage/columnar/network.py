"""The rare-overlap comparators (hashtags, mentions, contexts) and the follow graph over all
candidates at once.

Which candidates share a token with the new account is found over the columns' token hashes
in one pass; most share none, and their result ('none shared', or missing) needs nothing
more. The few that may share one are compared as the pair form compares them — the same set
intersection, so that the rarity sum (a float sum in the set's order) and the shared tokens a
reviewer reads are the very same — with each token's rarity looked up once per new account,
not once per pair."""

from __future__ import annotations

import numpy as np

from tarazu.linkage.columnar.common import hits, results, shared_hits
from tarazu.linkage.columnar.store import RemovedColumns, token_hashes
from tarazu.linkage.comparators.network import SocialGraphComparator, _RareOverlap
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.levels import ComparisonResult, short
from tarazu.linkage.profile import AccountProfile


def rare_overlap(comp: _RareOverlap, a: AccountProfile, rows: np.ndarray,
                 cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    ps = cols.profiles(rows)
    ta = set(comp.tokens(a))
    mine = short(ta)
    flat, sizes = cols.token_hashes[comp.KIND].gather(rows)
    may_share = np.zeros(len(ps), dtype=bool)
    if ta:
        may_share[hits(token_hashes(ta), flat, sizes)[1]] = True
    idf: dict[str, float] = {}
    rare_bits, many = comp.config["rare_bits"], comp.config["many"]
    out = []
    for p, size, maybe in zip(ps, sizes.tolist(), may_share.tolist(), strict=True):
        if not ta or not size:
            out.append(comp.missing((mine, short(set(comp.tokens(p))))))
            continue
        shared = ta & set(comp.tokens(p)) if maybe else None
        if not shared:
            out.append(comp.level("none shared", (mine, short(set(comp.tokens(p)))), 0.0))
            continue
        for t in shared:
            if t not in idf:
                idf[t] = corpus.idf(comp.KIND, t)
        weights = {t: idf[t] for t in shared}  # the pair form's dict, in the set's order
        rare = sum(w >= rare_bits for w in weights.values())
        values = (short(shared), short(shared))
        raw = sum(weights.values())
        label = ("many rare shared" if rare >= many else "some rare shared" if rare
                 else "only common shared")
        out.append(comp.level(label, values, raw))
    return out


def social_graph(comp: SocialGraphComparator, a: AccountProfile, rows: np.ndarray,
                 cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    """Jaccard overlap of the connections, as the pair form's ``sorted_jaccard`` divides it."""
    ps = cols.profiles(rows)
    mine = f"{a.connections.size} connections"
    values = [(mine, f"{p.connections.size} connections") for p in ps]
    _, owner, sizes = shared_hits(a.connections, [p.connections for p in ps])
    shared = np.bincount(owner, minlength=len(ps))
    ok = (sizes > 0) & bool(a.connections.size)
    j = shared / np.where(ok, a.connections.size + sizes - shared, 1)
    levels = np.select([j >= 0.3, j >= 0.1, j >= 1e-9], [0, 1, 2], default=3)
    raw = np.where(levels == 3, 0.0, j)
    return results(comp, ok, levels, values, raw.tolist(), values)
