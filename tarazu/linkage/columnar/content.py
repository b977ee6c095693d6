"""Content comparators (shared phrases, languages) over all candidates of a new account at
once, giving the very results of their pair form: counts of the same hashes against the same
statistics, text cosines from the same statistics call, and the language cosine summed in
the pair form's order, operation for operation, so that every double is the same."""

from __future__ import annotations

import numpy as np

from tarazu.linkage.columnar.common import band_many, results, shared_hits
from tarazu.linkage.columnar.store import RemovedColumns
from tarazu.linkage.comparators.content import (
    LanguageComparator,
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
    values = [(mine, f"{len(p.shingles)} phrases") for p in ps]
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
    values = [(mine, f"{k} posts") for k in cols.n_text_posts[rows].tolist()]
    vectors = [getattr(p, comp.FIELD) for p in ps]
    ok = np.fromiter((v is not None for v in vectors), dtype=bool, count=len(ps))
    sims = np.zeros(len(ps))
    if a.char_tf is None or not ok.any():
        ok[:] = False
    else:
        sims[ok] = corpus.cosines(a.char_tf, [v for v in vectors if v is not None])
    levels = band_many(sims, comp.config["bands"])
    return results(comp, ok, levels, values, sims.tolist(), values)
