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
from tarazu.linkage.result_column import ResultColumn


def rare_overlap(comp: _RareOverlap, a: AccountProfile, rows: np.ndarray,
                 cols: RemovedColumns, corpus: Corpus) -> ResultColumn:
    ps = cols.profiles(rows)
    ta = set(comp.tokens(a))
    mine = short(ta)
    flat, sizes = cols.token_hashes[comp.KIND].gather(rows)
    n = len(ps)
    ok = (sizes > 0) & bool(ta)
    levels = np.full(n, comp.LEVELS.index("none shared"), dtype=np.int64)
    raw = [0.0] * n
    shown: dict[int, tuple[str, str]] = {}  # the shared tokens, where some are
    if ta and ok.any():
        idf: dict[str, float] = {}
        rare_bits, many = comp.config["rare_bits"], comp.config["many"]
        for i in np.unique(hits(token_hashes(ta), flat, sizes)[1]).tolist():
            shared = ta & set(comp.tokens(ps[i]))
            if not shared:  # a hash shared by unequal tokens
                continue
            for t in shared:
                if t not in idf:
                    idf[t] = corpus.idf(comp.KIND, t)
            weights = {t: idf[t] for t in shared}  # the pair form's dict, in the set's order
            rare = sum(w >= rare_bits for w in weights.values())
            shown[i] = (short(shared), short(shared))
            raw[i] = sum(weights.values())
            levels[i] = comp.LEVELS.index("many rare shared" if rare >= many
                                          else "some rare shared" if rare
                                          else "only common shared")

    def values(i: int) -> tuple[str, str]:
        """As the pair form shows them: the shared tokens, else both accounts' own."""
        return shown.get(i) or (mine, short(set(comp.tokens(ps[i]))))

    return results(comp, ok, levels, values, raw, values)


def social_graph(comp: SocialGraphComparator, a: AccountProfile, rows: np.ndarray,
                 cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    """Jaccard overlap of the connections, as the pair form's ``sorted_jaccard`` divides it."""
    ps = cols.profiles(rows)
    mine = f"{a.connections.size} connections"

    def values(i: int) -> tuple[str, str]:
        return mine, f"{ps[i].connections.size} connections"

    _, owner, sizes = shared_hits(a.connections, [p.connections for p in ps])
    shared = np.bincount(owner, minlength=len(ps))
    ok = (sizes > 0) & bool(a.connections.size)
    j = shared / np.where(ok, a.connections.size + sizes - shared, 1)
    levels = np.select([j >= 0.3, j >= 0.1, j >= 1e-9], [0, 1, 2], default=3)
    raw = np.where(levels == 3, 0.0, j)
    return results(comp, ok, levels, values, raw.tolist(), values)
