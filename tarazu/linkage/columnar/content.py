"""Content comparators (shared phrases, languages) over all candidates of a new account at
once, giving the very results of their pair form: counts of the same hashes against the same
statistics, text cosines from the same statistics call, picture distances as the same bit
counts, and the language cosine summed in the pair form's order, operation for operation,
so that every double is the same."""

from __future__ import annotations

import numpy as np

from tarazu.linkage.columnar.common import band_many, pdq_bytes, results, shared_hits
from tarazu.linkage.columnar.store import RemovedColumns
from tarazu.linkage.comparators.content import (
    LanguageComparator,
    MediaComparator,
    PostTextComparator,
    SharedPhrasesComparator,
)
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.levels import ComparisonResult
from tarazu.linkage.profile import AccountProfile


def shared_phrases(comp: SharedPhrasesComparator, a: AccountProfile, rows: np.ndarray,
                   cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    ps = cols.profiles(rows)
    mine = f"{len(a.shingles)} phrases"

    def values(i: int) -> tuple[str, str]:
        return mine, f"{len(ps[i].shingles)} phrases"

    both, owner, sizes = shared_hits(a.shingles, [p.shingles for p in ps])
    ok = (sizes > 0) & bool(a.shingles.size)
    rare = corpus.shingle_df.counts(both) <= comp.config["max_df"]
    shared = np.bincount(owner[rare], minlength=len(ps))
    levels = band_many(shared, comp.config["bands"])
    return results(comp, ok, levels, values, shared.astype(np.float64).tolist(), values)


def language(comp: LanguageComparator, a: AccountProfile, rows: np.ndarray,
             cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    n = len(rows)
    ok = (cols.lang_top[rows] >= 0) & bool(a.langs)
    if not ok.any():
        return results(comp, ok, np.zeros(n, dtype=np.int64), [], [], ("", ""))
    ids, lens = cols.lang_ids.gather(rows)
    shares, _ = cols.lang_shares.gather(rows)
    owner = np.repeat(np.arange(n), lens)
    dot = np.zeros(n)
    for k, v in a.langs.items():  # the pair form's order: the same sum, step for step
        theirs = np.zeros(n)
        at = ids == cols.languages.get(k)
        theirs[owner[at]] = shares[at]
        dot = dot + v * theirs
    na = sum(v * v for v in a.langs.values()) ** 0.5
    with np.errstate(invalid="ignore", divide="ignore"):  # rows without languages: not ok
        c = dot / (na * cols.lang_norm[rows])
    top = max(a.langs, key=a.langs.get)  # type: ignore[arg-type]
    names = cols.languages.strings
    values = [(top, names[t]) for t in cols.lang_top[rows].tolist()]
    return results(comp, ok, band_many(c, comp.config["bands"]), values, c.tolist(), ("", ""))


def post_text(comp: PostTextComparator, a: AccountProfile, rows: np.ndarray,
              cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    """Also the recent-text comparator (its ``FIELD``: the removed account's last posts)."""
    ps = cols.profiles(rows)
    mine = f"{a.n_text_posts} posts"
    ks = cols.n_text_posts[rows].tolist()

    def values(i: int) -> tuple[str, str]:
        return mine, f"{ks[i]} posts"

    vectors = [getattr(p, comp.FIELD) for p in ps]
    ok = np.fromiter((v is not None for v in vectors), dtype=bool, count=len(ps))
    sims = np.zeros(len(ps))
    if a.char_tf is None or not ok.any():
        ok[:] = False
    else:
        sims[ok] = corpus.cosines(a.char_tf, [v for v in vectors if v is not None])
    levels = band_many(sims, comp.config["bands"])
    return results(comp, ok, levels, values, sims.tolist(), values)


def _nearest_pictures(mine: np.ndarray, theirs: list[list[str]]) -> np.ndarray:
    """For each candidate, the fewest bits in which one of its pictures differs from one of
    ``mine`` (256 if it has none); candidates whose hashes are not plain hex are left out
    (-1, to be compared pair by pair)."""
    best = np.full(len(theirs), 256, dtype=np.int64)
    lens = np.fromiter(map(len, theirs), dtype=np.int64, count=len(theirs))
    flat = pdq_bytes([h for hs in theirs for h in hs])
    if flat is None:  # some candidate's hash is odd: find whose, compare those pair by pair
        odd = np.array([pdq_bytes(hs) is None for hs in theirs], dtype=bool)
        best[odd] = -1
        keep = [hs if not bad else [] for hs, bad in zip(theirs, odd.tolist(), strict=True)]
        best[~odd] = _nearest_pictures(mine, keep)[~odd]
        return best
    if not mine.size or not flat.size:
        return best
    bits = np.bitwise_count(flat[:, None, :] ^ mine[None, :, :]).sum(axis=2, dtype=np.int64)
    nearest = bits.min(axis=1)
    has = lens > 0
    starts = np.zeros(len(theirs), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    best[has] = np.minimum.reduceat(nearest, starts[has])
    return best


def media(comp: MediaComparator, a: AccountProfile, rows: np.ndarray, cols: RemovedColumns,
          corpus: Corpus) -> list[ComparisonResult]:
    ps = cols.profiles(rows)
    n = len(ps)
    sizes = np.fromiter((len(p.media_pdq) + len(p.media_md5) for p in ps), dtype=np.int64,
                        count=n)
    own = f"{len(a.media_pdq) + len(a.media_md5)} media"
    values = [(own, f"{m} media") for m in sizes.tolist()]
    ok = (sizes > 0) & bool(len(a.media_pdq) + len(a.media_md5))
    if not ok.any():
        return results(comp, ok, np.zeros(n, dtype=np.int64), values, [], values)
    k = comp.config["max_compare"]
    mine = pdq_bytes(list(a.media_pdq[-k:]))
    if mine is None:  # not plain hex: the pair form reads it
        return comp.compare_many(a, ps, corpus)
    same = np.zeros(n, dtype=np.int64)
    if a.media_md5:
        same[:] = [len(a.media_md5 & p.media_md5) for p in ps]
    best = np.full(n, 256, dtype=np.int64)
    if mine.size:
        best = _nearest_pictures(mine, [list(p.media_pdq[-k:]) for p in ps])
    levels = np.where(same > 0, comp.LEVELS.index("identical media"),
                      np.where(best <= comp.config["pdq_threshold"],
                               comp.LEVELS.index("near-identical media"),
                               comp.LEVELS.index("no shared media")))
    raw = np.where(same > 0, same, best).astype(np.float64)
    out = results(comp, ok, levels, values, raw.tolist(), values)
    for i in np.flatnonzero(ok & (same == 0) & (best < 0)).tolist():
        out[i] = comp.compare(a, ps[i], corpus)
    return out
