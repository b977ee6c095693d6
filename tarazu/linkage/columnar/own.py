"""The own-trace comparators (``comparators.own``, ``comparators.voice``) over all candidates
of a new account at once, giving the very results of their pair form (of ``compare_many``
for the picture comparators, which count holders among the candidates).

Most ask first what the two accounts share — bio words, links, identifiers, connections,
voice tokens, emoji (``network.rare_overlap``) — and most candidates share nothing: their
result (missing, or the level for nothing shared, with its zero measure) is decided here in
one pass. A candidate that shares something is weighed as the pair form weighs it: by its own
``compare`` where the weighing reads the candidate's own counts (bio, links, identifiers,
circle), or, for the voice, with the new account's rarities looked up once and the pair
form's very sums per candidate. The handle likewise leaves only edits and long runs to the
pair form's step; pictures have their distances found in one pass and the pair form's
verdicts; the script mix takes the norms from the columns."""

from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz, process

from tarazu.linkage.columnar.common import band_many, pdq_bytes, plain_pdq, results, shared_hits
from tarazu.linkage.columnar.identity import longest_common_runs
from tarazu.linkage.columnar.store import RemovedColumns
from tarazu.linkage.comparators.own import (
    OwnBioComparator,
    OwnCircleComparator,
    OwnHandleComparator,
    OwnIdentifiersComparator,
    OwnLinksComparator,
    ScriptMixComparator,
    _distances,
    _pdq_words,
    _PictureComparator,
    _valid_pdq,
    bio_idf,
)
from tarazu.linkage.comparators.voice import OwnVoiceComparator, profile_text_voice
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.levels import ComparisonResult, short
from tarazu.linkage.profile import SCRIPTS, AccountProfile


def _sharing(mine: np.ndarray, theirs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate whether its sorted unique hashes meet ``mine``'s, and its size."""
    _, owner, sizes = shared_hits(mine, theirs)
    share = np.zeros(len(theirs), dtype=bool)
    share[owner] = True
    return share, sizes


def _members(values: np.ndarray, held: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in ``held`` (sorted, unique): ``np.isin`` for a sorted set,
    by one binary search, without ``isin``'s general machinery (a dozen candidates' voices
    are read per new account)."""
    if not held.size:
        return np.zeros(values.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(held, values), held.size - 1)
    return held[pos] == values


def own_bio(comp: OwnBioComparator, a: AccountProfile, rows: np.ndarray, cols: RemovedColumns,
            corpus: Corpus) -> list[ComparisonResult]:
    ps = cols.profiles(rows)
    ha = a.bio_words
    terms = [p.bio_words for p in ps]
    share, sizes = _sharing(ha, terms)
    mine = a.bio[:80]
    ok = (sizes > 0) & bool(ha.size)
    out = results(comp, ok, np.full(len(ps), 4, dtype=np.int64),
                  (mine, "0 distinctive words shared"), [0.0] * len(ps),
                  lambda i: (mine, ps[i].bio[:80]))
    # how many texts use each term of the new account's and of the sharing candidates',
    # looked up once (the pair form asks for its pair's union, term by term the same)
    at = np.flatnonzero(ok & share).tolist()
    if at:
        theirs = np.concatenate([terms[i] for i in at])
        need = np.unique(np.concatenate((ha, theirs)))
        held = corpus.trace_counts(need)
        idf_need, rare_need = bio_idf(corpus.n, held), held <= comp.config["rare"]
        pos = np.searchsorted(need, theirs)
        idf_a = idf_need[np.searchsorted(need, ha)].tolist()
        idf_t, rare_t = idf_need[pos].tolist(), rare_need[pos].tolist()
        shared_t = _members(theirs, ha).tolist()
        start = 0
        for i in at:
            end = start + len(terms[i])
            out[i] = comp.weigh(mine, idf_a, idf_t[start:end], shared_t[start:end],
                                rare_t[start:end])
            start = end
    return out


def own_links(comp: OwnLinksComparator, a: AccountProfile, rows: np.ndarray,
              cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    la = a.link_keys
    mine = short(la)
    out = []
    for p in cols.profiles(rows):
        lb = p.link_keys
        if not la or not lb:
            out.append(comp.missing((mine, short(lb))))
        elif la.isdisjoint(lb):
            out.append(comp.level("different", (mine, short(lb)), 0.0))
        else:
            out.append(comp.compare(a, p, corpus))
    return out


def own_identifiers(comp: OwnIdentifiersComparator, a: AccountProfile, rows: np.ndarray,
                    cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    mine = [(k, v) for k, v in a.identifiers.items() if v]
    gone = comp.missing()
    none = comp.level("none shared", ("", ""), 0.0)
    out = []
    for p in cols.profiles(rows):
        theirs = p.identifiers
        if not a.identifiers or not theirs:
            out.append(gone)
        elif any(theirs.get(k) == v for k, v in mine):
            out.append(comp.compare(a, p, corpus))
        else:
            out.append(none)
    return out


def own_circle(comp: OwnCircleComparator, a: AccountProfile, rows: np.ndarray,
               cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    ps = cols.profiles(rows)
    na = a.connections
    share, sizes = _sharing(na, [p.connections for p in ps])
    mine = f"{na.size} connections"
    ok = (sizes > 0) & bool(na.size)
    out = results(comp, ok, np.full(len(ps), comp.LEVELS.index("none shared"), dtype=np.int64),
                  (mine, "0 shared"), [0.0] * len(ps),
                  lambda i: (mine, f"{sizes[i]} connections"))
    for i in np.flatnonzero(ok & share).tolist():
        out[i] = comp.compare(a, ps[i], corpus)
    return out


def own_voice(comp: OwnVoiceComparator, a: AccountProfile, rows: np.ndarray,
              cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    """The profile text's rarities once per new account; per candidate the pair form's
    membership and sums over them, for those that write with one of its tokens."""
    ps = cols.profiles(rows)
    mine = a.bio[:80]
    text = profile_text_voice(a.bio)
    held = corpus.trace_df.counts(text) if text.size else np.zeros(0, dtype=np.int64)
    written = held > 0
    n_ps = len(ps)

    def theirs(i: int) -> tuple[str, str]:
        return mine, f"{ps[i].voice.size} words it writes most"

    if not written.any():
        return results(comp, np.zeros(n_ps, dtype=bool), np.zeros(n_ps, dtype=np.int64),
                       [], [], theirs)
    idf = np.log2((corpus.n + 1) / (held[written] + 1.0))
    total = max(float(idf.sum()), 1e-9)
    tw = text[written]
    share, sizes = _sharing(tw, [p.voice for p in ps])
    ok = sizes > 0
    levels = np.full(n_ps, 3, dtype=np.int64)
    raw = [0.0] * n_ps
    said: dict[int, str] = {}
    c = comp.config
    for i in np.flatnonzero(ok & share).tolist():
        inside = _members(tw, ps[i].voice)
        ratio = float(idf[inside].sum()) / total
        n = int(inside.sum())
        levels[i] = 0 if n >= 3 and ratio >= c["own"] else 1 if n >= 2 and ratio >= c["several"] \
            else 2
        raw[i] = ratio
        said[i] = f"{n} of its words and marks"
    return results(comp, ok, levels, lambda i: (mine, said.get(i, "0 of its words and marks")),
                   raw, theirs)


def script_mix(comp: ScriptMixComparator, a: AccountProfile, rows: np.ndarray,
               cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    """The pair form's float32 cosine, its dot product taken pair by pair as the pair form
    takes it (an array product may sum in another order); the candidates' norms and most used
    scripts are the columns'."""
    n = len(rows)
    tops = cols.scripts_top[rows].tolist()
    ok = np.fromiter((t >= 0 for t in tops), dtype=bool, count=n) & (a.scripts is not None)
    cos = [0.0] * n
    if ok.any():
        x = a.scripts
        nx = np.linalg.norm(x)
        ps, norms = cols.profiles(rows), cols.scripts_norm[rows]
        for i in np.flatnonzero(ok).tolist():
            cos[i] = float(x @ ps[i].scripts / (nx * norms[i]))
    mine = SCRIPTS[int(np.argmax(a.scripts))] if a.scripts is not None else ""
    return results(comp, ok, band_many(np.array(cos), comp.config["bands"]),
                   lambda i: (mine, SCRIPTS[tops[i]]), cos, ("", ""))


def pictures(comp: _PictureComparator, a: AccountProfile, rows: np.ndarray,
             cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    """Own avatar and own media: the best distance of each of the new account's pictures to
    each candidate's in one pass over all the candidates' pictures (bit counts, exact), then
    the pair form's own verdicts."""
    ps = cols.profiles(rows)
    mine = [h for h in comp.mine(a) if _valid_pdq(h)]
    theirs = [[h for h in comp.theirs(p) if _hex_pdq(h)] for p in ps]
    if not mine:  # all missing, as the pair form renders them
        return [comp.missing(("0 pictures", f"{len(t)} pictures")) for t in theirs]
    lens = np.fromiter(map(len, theirs), dtype=np.int64, count=len(theirs))
    best = np.full((len(mine), len(ps)), 256, dtype=np.int64)
    held = lens > 0
    if held.any():
        flat = [h for t in theirs for h in t]
        x, y = pdq_bytes(mine), pdq_bytes(flat)
        if x is not None and y is not None:  # plain hex: the same bit counts, from bytes
            d = np.bitwise_count(x[:, None, :] ^ y[None, :, :]).sum(axis=2, dtype=np.int64)
        else:
            d = _distances(_pdq_words(mine), _pdq_words(flat))
        starts = np.zeros(len(lens), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        best[:, held] = np.minimum.reduceat(d, starts[held], axis=1)
    return comp.verdicts(mine, theirs, best)


def _hex_pdq(h: str | None) -> bool:
    """``_valid_pdq``, answered by a pattern for the usual 64 plain hex digits (which
    ``int(h, 16)`` reads) and by ``_valid_pdq`` itself for anything else."""
    return bool(h and plain_pdq(h)) or _valid_pdq(h)


def own_handle(comp: OwnHandleComparator, a: AccountProfile, rows: np.ndarray,
               cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    """Missing, equal keys, and handles with neither an edit nor a long shared run (most
    candidates) over all candidates at once, with the handle comparator's similarity and
    run lengths; a candidate with an edit or a long run needs the run itself and how many
    candidates hold it, and is weighed by the pair form's own step over the same keys."""
    ps = cols.profiles(rows)
    keys = [p.handle_key for p in ps]
    ka = a.handle_key
    if not ka or not keys:
        return comp.compare_many(a, ps, corpus)
    c = comp.config
    sim = (process.cdist([ka], keys, scorer=fuzz.ratio, dtype=np.float64, workers=1)[0]
           / 100.0).tolist()
    runs = longest_common_runs(ka, keys).tolist()
    mine = frozenset(t for t in a.name_tokens if len(t) >= c["min_token"] and not t.isdigit())
    n = len(ps)
    levels = np.full(n, 5, dtype=np.int64)
    raw: list[float] = list(sim)
    steps = []  # an edit or a long run: the pair form's step
    for i, (p, kb, s, run) in enumerate(zip(ps, keys, sim, runs, strict=True)):
        if kb == ka:
            levels[i], raw[i] = 0, 1.0
        elif s >= c["near"] or run >= c["long_run"]:
            steps.append(i)
        elif run >= c["short_run"] or not mine.isdisjoint(p.name_tokens):
            levels[i] = 4
    ok = np.fromiter(map(bool, keys), dtype=bool, count=n)
    out = results(comp, ok, levels, lambda i: (a.handle, ps[i].handle), raw,
                  lambda i: (a.handle, ps[i].handle))
    for i in steps:
        if keys[i]:
            out[i] = comp._one(a, ps[i], keys)
    return out
