"""The rare-overlap comparators (hashtags, mentions, contexts) over all candidates at once.

Which candidates share a token with the new account is found over the columns' token hashes
in one pass; most share none, and their result ('none shared', or missing) needs nothing
more. The few that may share one are compared as the pair form compares them — the same set
intersection, so that the rarity sum (a float sum in the set's order) and the shared tokens a
reviewer reads are the very same — with each token's rarity looked up once per new account,
not once per pair."""

from __future__ import annotations

import numpy as np

from tarazu.linkage.columnar.common import hits
from tarazu.linkage.columnar.store import RemovedColumns, token_hashes
from tarazu.linkage.comparators.network import _RareOverlap
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
