"""The identity comparators (handle, display name, bio, avatar) over all candidates of a new account
at once, giving the very results of their pair form: same level, label, values and measured
quantity, bit for bit (string similarities from the same library calls, counts and ratios of
integers, the same name analysis where one is needed).

The display name is vectorised as far as its tests go: a blank name (missing) and equal
normalised names (similarity 1, what mirrors mostly share) are decided over the columns
(hashes of the normalised names, confirmed on the names where they match);
any other pair still goes through the comparator's own cached name analysis, one pair at a
time, because that analysis (token alignment, rigour's name symbols, a fitted logistic
score) has no array form that gives the same score."""

from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz, process

from tarazu.linkage.columnar.common import band_many, pdq_bytes, results, shared_hits
from tarazu.linkage.columnar.store import RemovedColumns
from tarazu.linkage.comparators.identity import (
    AvatarComparator,
    BioComparator,
    DisplayNameComparator,
    HandleComparator,
)
from tarazu.linkage.comparators.own import OwnNameComparator
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.levels import ComparisonResult
from tarazu.linkage.profile import AccountProfile
from tarazu.names.normalise import normalise


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def longest_common_runs(a: str, others: list[str]) -> np.ndarray:
    """Length of the longest common substring of ``a`` with each of ``others``: what
    :func:`tarazu.linkage.handles.longest_common_run` gives each pair (difflib's longest
    match without its junk heuristics is the longest common substring), in one compiled
    loop over the code points of all of them."""
    from tarazu.linkage.columnar import kernels  # numba: imported on first use

    lens = np.fromiter(map(len, others), dtype=np.int64, count=len(others))
    starts = np.zeros(len(others), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    return kernels.longest_common_runs(_code_points(a), _code_points("".join(others)),
                                       starts, lens)


def handle(comp: HandleComparator, a: AccountProfile, rows: np.ndarray, cols: RemovedColumns,
           corpus: Corpus) -> list[ComparisonResult]:
    ps = cols.profiles(rows)
    values = [(a.handle, p.handle) for p in ps]
    keys = [p.handle_key for p in ps]
    ka = a.handle_key
    ok = np.fromiter(map(bool, keys), dtype=bool, count=len(keys)) & bool(ka)
    n = len(ps)
    if not ok.any():
        return results(comp, ok, np.zeros(n, dtype=np.int64), values, [], values)
    same = np.fromiter((k == ka for k in keys), dtype=bool, count=n)
    sim = process.cdist([ka], keys, scorer=fuzz.ratio, dtype=np.float64, workers=1)[0] / 100.0
    run = longest_common_runs(ka, keys)
    cfg = comp.config
    mine = frozenset(t for t in a.name_tokens if len(t) >= cfg["min_token"] and not t.isdigit())
    token = np.fromiter((not mine.isdisjoint(p.name_tokens) for p in ps), dtype=bool, count=n)
    level = comp.LEVELS.index
    levels = np.select(
        [same, sim >= cfg["near"], run >= cfg["long_run"], token, run >= cfg["short_run"]],
        [level("same handle key"), level("near-identical handle"), level("long shared run"),
         level("shared name token"), level("short shared run")],
        default=level("different"))
    raw = np.where(same, 1.0, sim)
    return results(comp, ok, levels, values, raw.tolist(), values)


def _alike(a: AccountProfile, rows: np.ndarray, cols: RemovedColumns
           ) -> tuple[np.ndarray, np.ndarray, bool]:
    """Whether both names are there (neither blank), whether they normalise alike, and
    whether the new account's normalised name is non-empty."""
    if not a.display_name.strip():
        none = np.zeros(len(rows), dtype=bool)
        return none, none, False
    mine = normalise(a.display_name)
    ok = cols.has_name[rows]
    alike = ok & (cols.name_hash[rows] == hash(mine))
    for i in np.flatnonzero(alike).tolist():  # equal hashes: equal names, but for collisions
        alike[i] = normalise(cols.profile[int(rows[i])].display_name) == mine  # type: ignore[union-attr]
    return ok, alike, bool(mine)


def _similarities(comp: DisplayNameComparator, a: AccountProfile, ps: list[AccountProfile],
                  alike: np.ndarray, non_empty: bool, ask: np.ndarray) -> np.ndarray:
    """The similarity of the names where ``ask`` says (NaN elsewhere): 1 for equal non-empty
    normalised names, as ``display_similarity`` decides first; the comparator's own (cached)
    scorer for every other pair."""
    sims = np.full(len(ps), np.nan)
    if non_empty:
        sims[ask & alike] = 1.0
        ask = ask & ~alike
    for i in np.flatnonzero(ask).tolist():
        sims[i] = comp._similarity(a.display_name, ps[i].display_name)
    return sims


def display_name(comp: DisplayNameComparator, a: AccountProfile, rows: np.ndarray,
                 cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    ps = cols.profiles(rows)
    values = [(a.display_name, p.display_name) for p in ps]
    ok, alike, non_empty = _alike(a, rows, cols)
    sims = _similarities(comp, a, ps, alike, non_empty, ok)
    levels = band_many(sims, comp.config["bands"])
    return results(comp, ok, levels, values, sims.tolist(), values)


def display_name_estimate(comp: DisplayNameComparator, a: AccountProfile, rows: np.ndarray,
                          cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    """:meth:`DisplayNameComparator.estimate` for all candidates: the comparison itself for
    missing names and names that normalise alike, 'different' (no measure) otherwise."""
    ps = cols.profiles(rows)
    values = [(a.display_name, p.display_name) for p in ps]
    ok, alike, non_empty = _alike(a, rows, cols)
    sims = _similarities(comp, a, ps, alike, non_empty, alike)
    levels = np.where(alike, band_many(sims, comp.config["bands"]),
                      comp.LEVELS.index("different"))
    raw = [s if same else None for s, same in zip(sims.tolist(), alike.tolist(), strict=True)]
    return results(comp, ok, levels, values, raw, values)


def own_name_estimate(comp: OwnNameComparator, a: AccountProfile, rows: np.ndarray,
                      cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    """The own-name comparator's estimate (:meth:`DisplayNameComparator.estimate`) for all
    candidates: 'different' (no measure) where both names are there and normalise apart,
    found over the columns; the pair form's own estimate — its comparison, which also
    counts the accounts using the name — for the others (a missing name, or the same)."""
    ps = cols.profiles(rows)
    ok, alike, _ = _alike(a, rows, cols)
    mine = a.display_name
    n = len(ps)
    out = results(comp, np.ones(n, dtype=bool),
                  np.full(n, comp.LEVELS.index("different"), dtype=np.int64),
                  lambda i: (mine, ps[i].display_name), [None] * n, ("", ""))
    for i in np.flatnonzero(~ok | alike).tolist():
        out[i] = comp.estimate(a, ps[i], corpus)
    return out


def bio(comp: BioComparator, a: AccountProfile, rows: np.ndarray, cols: RemovedColumns,
        corpus: Corpus) -> list[ComparisonResult]:
    ps = cols.profiles(rows)
    mine = a.bio[:80]
    values = [(mine, p.bio[:80]) for p in ps]
    _, owner, sizes = shared_hits(a.bio_words, [p.bio_words for p in ps])
    shared = np.bincount(owner, minlength=len(ps))
    ok = (sizes > 0) & bool(a.bio_words.size)
    union = np.where(ok, a.bio_words.size + sizes - shared, 1)
    j = shared / union  # integers divided once, as Python divides them: the same double
    return results(comp, ok, band_many(j, comp.config["bands"]), values, j.tolist(), values)


def avatar(comp: AvatarComparator, a: AccountProfile, rows: np.ndarray, cols: RemovedColumns,
           corpus: Corpus) -> list[ComparisonResult]:
    ps = cols.profiles(rows)
    mine = a.avatar_pdq or ""
    theirs = [p.avatar_pdq or "" for p in ps]
    values = [(mine, t) for t in theirs]
    ok = np.fromiter(map(bool, theirs), dtype=bool, count=len(ps)) & bool(mine)
    if not ok.any():
        return results(comp, ok, np.zeros(len(ps), dtype=np.int64), values, [], values)
    at = np.flatnonzero(ok)
    mine_bytes = pdq_bytes([mine])
    pictures = pdq_bytes([theirs[i] for i in at.tolist()])
    if mine_bytes is None or pictures is None:  # not plain hex: the pair form reads it
        return comp.compare_many(a, ps, corpus)
    d = np.zeros(len(ps), dtype=np.int64)
    d[at] = np.bitwise_count(pictures ^ mine_bytes).sum(axis=1, dtype=np.int64)
    bands = comp.config["bands"]
    levels = np.full(len(ps), comp.LEVELS.index("different"), dtype=np.int64)
    for k in range(min(len(bands), len(comp.LEVELS)) - 1, -1, -1):  # the first bound within
        levels[d <= bands[k]] = k
    return results(comp, ok, levels, values, d.astype(np.float64).tolist(), values)
