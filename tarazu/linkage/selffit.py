"""Fitting the model from the platform's own data, without labels (Splink's way).

A platform that installs tarazu has no reviewed mirrors on day one, and a model fitted on
another platform's data weighs the wrong things. So, from the input alone:

1. **u from random pairs** (Splink's ``estimate_u_using_random_sampling``): a random (active,
   removed) pair is almost never a mirror, so how often each level occurs among random pairs
   is P(level | different operators).
2. **m and the prior by expectation–maximisation** over the blocked candidate pairs. Splink
   holds u fixed at the random-pair estimate (``SelfFitSettings.hold_u``); here that is the
   start, and the EM moves it by default: blocking proposes pairs near in time and topic, and
   unrelated accounts among them share timing and text levels far more often than random
   pairs do (measured on the dev splits, BENCHMARKS.md). The E-step uses the *exclusive*
   posterior: a new account continues at most one removed account and a removed account is
   mostly continued by one, so a pair shares one unit of probability with the account's other
   candidates, the removed account's other possible successors and "none of them".
3. **Term-frequency adjustment** (``linkage.tf``) of the top level of comparators that match on
   a value (avatar, channel link, identifiers, media, hashtags): held fixed during EM.
4. **Dependence**: each comparator's weights counted at the share that is its own, so that
   a fact several comparators read counts once (:func:`comparator_scales`).
5. **Calibration without labels**: the exclusive posterior of the fitted model, its evidence
   scaled to keep the number of mirrors the fit expected (:func:`matching_scale`) and
   discounted for what still moves together (:func:`dependence_scale`).
6. **A review threshold from the model's own expected precision**: the lowest probability of
   the best candidate at which the posteriors above it expect at least ``min_precision`` of
   flags right and at most ``max_flag_rate`` of non-mirrors flagged.

Every level keeps its m, u and weight; nothing here is specific to one comparator, so a new
comparator registered in ``linkage.comparators`` is fitted like the others."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from tarazu.linkage.comparators import DEFAULT_COMPARATORS, RELATIVE, SECOND_PASS
from tarazu.linkage.levels import MISSING
from tarazu.linkage.linker import MirrorLinker
from tarazu.linkage.model import Calibration, LinkageModel, Thresholds, expert_model
from tarazu.linkage.parallel import Workers, ranges
from tarazu.linkage.profile import AccountProfile
from tarazu.linkage.tf import adjusted_weight, values_of
from tarazu.linkage.warm import warm_before_fork

#: Comparators whose top level is adjusted by term frequency when a model is self-fitted.
TF_COMPARATORS = ("avatar", "profile_links", "identifiers", "media", "hashtags")


@dataclass(frozen=True)
class SelfFitSettings:
    #: active accounts whose blocked candidates the EM runs over (a random sample beyond)
    max_actives: int = 3000
    #: candidate pairs the EM runs over at most: once the sampled accounts' pairs reach this,
    #: the rest of the sample is not compared (a large platform proposes more candidates per
    #: account, and each pair is compared in full)
    max_pairs: int = 100_000
    #: worker processes comparing the pairs (``linkage.parallel``); the fit is the same for any
    jobs: int = 1
    #: random (active, removed) pairs for u
    random_pairs: int = 20000
    #: hold u at its random-pair estimate during the EM, as Splink does. Measured on the dev
    #: splits (BENCHMARKS.md), letting the EM move u from that start ranks and flags better:
    #: blocking proposes pairs near in time and topic, where unrelated accounts share timing
    #: and text levels far more often than random pairs do
    hold_u: bool = False
    iterations: int = 200
    tolerance: float = 1e-6
    #: pseudo-count (pairs) pulling m towards the expert value: a level the data hardly
    #: shows keeps roughly its expert m
    m_strength: float = 1.0
    min_precision: float = 0.9
    max_flag_rate: float = 0.05
    #: at least ``min_precision`` of the flagged must be right with this probability under
    #: the model's own posteriors (0.5: their mean must reach it). What 0.5, 0.9, 0.95 and
    #: 0.99 do on the dev splits: BENCHMARKS.md
    confidence: float = 0.95
    #: the review threshold never goes below this probability of the best candidate
    min_threshold: float = 0.5
    #: discount the evidence for the comparators' dependence (:func:`dependence_scale`);
    #: False counts every weight in full, as if the comparators were independent
    temper: bool = True
    #: count each comparator's weights at one over the sum of its correlations with the
    #: others (:func:`comparator_scales`), and keep the number of mirrors the fit expects
    #: (:func:`matching_scale`). False: every comparator counted in full. What it does on
    #: the dev splits: BENCHMARKS.md
    discount_comparators: bool = True
    seed: int = 0


@dataclass(frozen=True)
class PairSample:
    """Levels of a set of (active, removed) pairs, grouped by active account (contiguous).
    ``freq`` holds, per term-frequency adjusted comparator, the frequency among removed
    accounts of the value the pair matched on at the top level (NaN: no such match)."""

    names: tuple[str, ...]
    levels: np.ndarray  # (pairs × comparators) int16, MISSING = -1
    starts: np.ndarray  # index of each group's first pair
    #: the removed account of each pair, as an index (pairs with one removed account compete)
    removed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    freq: Mapping[str, np.ndarray] = field(default_factory=dict)
    #: active accounts taken (with or without candidates)
    accounts: int = 0

    @property
    def groups(self) -> np.ndarray:
        """Group index of every pair."""
        sizes = np.diff(np.append(self.starts, len(self.levels)))
        return np.repeat(np.arange(len(self.starts)), sizes)


@dataclass(frozen=True)
class SelfFitReport:
    actives: int
    pairs: int
    random_pairs: int
    prior: float
    iterations: int
    converged: bool
    expected_mirrors: float
    review_threshold: float
    expected_precision: float
    expected_flag_rate: float
    seconds: float
    #: the share of the evidence counted (``Calibration.scale``)
    evidence_scale: float = 1.0
    #: the comparators counted at less than their full weight (:func:`comparator_scales`)
    comparator_scales: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in vars(self).items()}


def self_fit_start(tf: Sequence[str] = TF_COMPARATORS,
                   names: Sequence[str] | None = None) -> LinkageModel:
    """The starting point: expert m/u for the base comparators ``names`` (default: those of
    a new model, ``DEFAULT_COMPARATORS``), the ones that match on a value adjusted by term
    frequency. The rarity-blind comparators that an own-trace comparator supersedes are left
    out: both would count one shared device, name or picture, and the EM assumes the
    comparators independent given the match. Ranks among an account's candidates and the
    second-pass leads restate the base comparators' evidence in the same way (measured on
    the dev splits: without them it ranks and flags better), so they are left to labelled
    fitting."""
    model = expert_model(tuple(names or (c.NAME for c in DEFAULT_COMPARATORS)))
    specs = tuple(
        replace(s, tf_adjust=s.name in tf and values_of(s.name) is not None)
        for s in model.comparators
    )
    return replace(model, comparators=specs)


# --- the pairs ------------------------------------------------------------------------------
def _relative_names() -> frozenset[str]:
    return frozenset(c.NAME for c in RELATIVE) | frozenset(c.NAME for c in SECOND_PASS)


@dataclass
class _Compared:
    """The pairs of a contiguous run of active accounts (one worker's piece)."""

    levels: list[np.ndarray]
    sizes: list[int]  # pairs of each account with candidates, in order
    removed: list[str]  # the removed account of each pair
    freq: dict[str, list[float]]
    has_pairs: list[bool]  # per account of the run: did it have candidates


@dataclass(frozen=True)
class _Job:
    linker: MirrorLinker
    actives: Sequence[AccountProfile]
    #: per active account, the removed accounts to compare it with; None: blocking's
    candidates: Sequence[Sequence[str]] | None
    blank: frozenset[str]


def _compare(job: _Job, piece: tuple[int, int]) -> _Compared:
    linker = job.linker
    names = linker._names
    tf_names = [n for n in names if n in linker.tf.readers]
    blank_cols = [j for j, n in enumerate(names) if n in job.blank]
    out = _Compared([], [], [], {n: [] for n in tf_names}, [])
    for k in range(*piece):
        a = job.actives[k]
        cands = (linker.candidates(a) if job.candidates is None
                 else [linker.removed[i] for i in job.candidates[k]])
        out.has_pairs.append(bool(cands))
        if not cands:
            continue
        comps = linker.compare(a, cands)
        lv = comps.levels()
        if blank_cols:
            lv[:, blank_cols] = MISSING
        for name in tf_names:
            j = names.index(name)
            for i, r in enumerate(comps.results[j]):
                found = (linker.tf.shared_frequency(name, a, cands[i])
                         if r.level == 0 else None)
                out.freq[name].append(found[0] if found else np.nan)
        out.levels.append(lv)
        out.sizes.append(len(cands))
        out.removed.extend(c.account_id for c in cands)
    return out


#: Active accounts one worker compares before the sample is checked against ``max_pairs``
#: (in this process, one at a time: nothing is compared past the cap).
_PIECE = 250


def _sample(
    linker: MirrorLinker,
    actives: Sequence[AccountProfile],
    candidates: Sequence[Sequence[str]] | None = None,
    blank: frozenset[str] = frozenset(),
    progress: Callable[[int, int], None] | None = None,
    max_pairs: int | None = None,
    jobs: int = 1,
) -> PairSample:
    """The levels of each active account against its ``candidates`` (removed account ids;
    None: those blocking proposes); stops after the account whose pairs reach ``max_pairs``
    (``PairSample.accounts``: how many were taken). ``jobs`` worker processes compare
    contiguous pieces (:mod:`tarazu.linkage.parallel`); the sample is the same for any."""
    names = linker._names
    merged = _Merged(names, {n: [] for n in names if n in linker.tf.readers})
    at = 0
    if jobs > 1:
        warm_before_fork(linker)
    with Workers(_compare, _Job(linker, actives, candidates, blank), jobs) as workers:
        while at < len(actives) and not merged.full:
            stop = min(len(actives), at + (_PIECE * jobs if jobs > 1 else 1))
            for part in workers.map([(at + a, at + b) for a, b in ranges(stop - at, jobs)]):
                merged.add(part, max_pairs)
            merged.full |= max_pairs is not None and merged.pairs >= max_pairs
            at = stop
            if progress:
                progress(len(actives) if merged.full else at, len(actives))
    return merged.sample()


@dataclass
class _Merged:
    """The pieces' pairs joined in order, up to the account whose pairs reach the cap."""

    names: tuple[str, ...]
    freq: dict[str, list[float]]
    rows: list[np.ndarray] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    removed_index: dict[str, int] = field(default_factory=dict)
    pairs: int = 0
    taken: int = 0
    full: bool = False

    def add(self, part: _Compared, max_pairs: int | None) -> None:
        sizes, levels, ids = iter(part.sizes), iter(part.levels), iter(part.removed)
        freqs = {k: iter(v) for k, v in part.freq.items()}
        for had in part.has_pairs:
            if self.full or (max_pairs is not None and self.pairs >= max_pairs):
                self.full = True
                return
            self.taken += 1
            if not had:
                continue
            size = next(sizes)
            self.starts.append(self.pairs)
            self.rows.append(next(levels))
            self.removed.extend(self.removed_index.setdefault(next(ids), len(self.removed_index))
                                for _ in range(size))
            for k, it in freqs.items():
                self.freq[k].extend(next(it) for _ in range(size))
            self.pairs += size

    def sample(self) -> PairSample:
        levels = (np.concatenate(self.rows).astype(np.int16) if self.rows
                  else np.zeros((0, len(self.names)), dtype=np.int16))
        return PairSample(
            self.names, levels, np.array(self.starts, dtype=np.int64),
            np.array(self.removed, dtype=np.int64),
            {k: np.array(v, dtype=float) for k, v in self.freq.items()}, self.taken,
        )


def blocked_pairs(
    linker: MirrorLinker,
    actives: Sequence[AccountProfile],
    progress: Callable[[int, int], None] | None = None,
    max_pairs: int | None = None,
    jobs: int = 1,
) -> PairSample:
    """Every active account (in order, until ``max_pairs`` pairs) against the candidates
    blocking proposes (as the linker would compare them)."""
    return _sample(linker, actives, progress=progress, max_pairs=max_pairs, jobs=jobs)


def random_pairs(
    linker: MirrorLinker,
    actives: Sequence[AccountProfile],
    n: int,
    rng: random.Random,
    progress: Callable[[int, int], None] | None = None,
    jobs: int = 1,
) -> PairSample:
    """About ``n`` random (active, removed) pairs; ranks among candidates mean nothing for
    them and are left missing."""
    removed = sorted(linker.removed)
    if not actives or not removed:
        return _sample(linker, [], [])
    per = max(1, math.ceil(n / len(actives)))
    chosen = actives if per > 1 or len(actives) <= n else rng.sample(list(actives), n)
    # drawn here, in order, so that the pairs are the same however many jobs compare them;
    # u is the level frequencies among the pairs the linker may compare at all
    picks = [[i for i in rng.sample(removed, min(per, len(removed)))
              if i != a.account_id and linker.may_continue(a, i)] for a in chosen]
    return _sample(linker, chosen, picks, blank=_relative_names(), progress=progress,
                   jobs=jobs)


# --- estimation -----------------------------------------------------------------------------
def level_counts(sample: PairSample, model: LinkageModel, weights: np.ndarray | None = None
                 ) -> dict[str, np.ndarray]:
    """Per comparator, the (weighted) number of pairs at each level (missing not counted)."""
    out = {}
    for j, name in enumerate(sample.names):
        k = len(model.spec(name).levels)
        col = sample.levels[:, j]
        ok = col >= 0
        w = None if weights is None else weights[ok]
        out[name] = np.bincount(col[ok], weights=w, minlength=k).astype(float)
    return out


def estimate_u(
    model: LinkageModel, sample: PairSample, strength: float = 100.0
) -> tuple[LinkageModel, frozenset[str]]:
    """u of every comparator the random pairs exercise, from their level counts, with half
    a pair added to every level (a level no random pair showed is rare, not impossible) and
    ``strength`` pairs of the model's current u (a few random pairs, on a small input, do
    not overrule it); returns the model and the comparators the random pairs estimated."""
    counts = level_counts(sample, model)
    specs, fixed = [], set()
    for s in model.comparators:
        c = counts.get(s.name)
        if c is None or c.sum() < 1:
            specs.append(s)
            continue
        u0 = np.array([lv.u for lv in s.levels])
        u = (c + 0.5 + strength * u0) / (c.sum() + 0.5 * len(c) + strength)
        specs.append(replace(s, levels=tuple(
            replace(lv, u=float(u[i]), count_nonmatch=int(c[i]), source="self-fit")
            for i, lv in enumerate(s.levels))))
        fixed.add(s.name)
    return replace(model, comparators=tuple(specs)), frozenset(fixed)


def totals(model: LinkageModel, sample: PairSample) -> np.ndarray:
    """Each pair's total (prior + level weights + term-frequency adjustments), in bits."""
    w = model.weight_table()
    t = np.full(len(sample.levels), model.prior_weight)
    for j, name in enumerate(sample.names):
        t += w[name][sample.levels[:, j]]
    for name, f in sample.freq.items():
        spec = model.spec(name)
        top = spec.levels[0]
        has = ~np.isnan(f)
        if has.any():
            adj = np.array([adjusted_weight(top.m, top.u, x) for x in f[has]]) - top.weight
            t[has] += spec.scale * adj
    return t


def exclusive_posteriors(t: np.ndarray, sample: PairSample,
                         calibration: Calibration | None = None,
                         prior_weight: float = 0.0) -> np.ndarray:
    """The exclusive posterior (``Calibration.exclusive``) of every pair: its odds shared with
    the active account's other candidates, the removed account's other possible successors
    and "none of them"; the odds are 2^t, or ``calibration``'s (discounted) odds."""
    if not len(t):
        return np.zeros(0)
    e = (np.power(2.0, np.clip(t, -300.0, 300.0)) if calibration is None
         else calibration.odds(t, prior_weight))
    groups = sample.groups
    row = np.bincount(groups, weights=e)
    col = np.bincount(sample.removed, weights=e)
    return e / (1.0 + row[groups] + col[sample.removed] - e)


def fit_m(
    model: LinkageModel,
    sample: PairSample,
    fixed_u: frozenset[str],
    settings: SelfFitSettings,
    actives: int | None = None,
    removed: int | None = None,
) -> tuple[LinkageModel, int, bool]:
    """EM over the blocked pairs: m and the prior move, u stays where the random pairs put it
    (the comparators in ``fixed_u``; the others' u pools the EM's soft non-matches with the
    random pairs the start's u came from, its ``count_nonmatch``). Returns the model, the
    iterations run and whether the m/u/prior changes fell under the tolerance.

    The generative model: a new account (of ``actives``, the groups if not given) continues
    one of the ``removed`` removed accounts (the largest group if not given) with
    probability π, any of them alike, and none with 1 - π; so a pair's prior odds are
    π / ((1 - π) · removed), and the model's prior is that pair prior. u comes from random
    pairs, so a level's weight already says how much more often it occurs among the pairs
    blocking proposes; a prior over the blocked pairs alone would count that twice. Mirrors
    missed by blocking are assumed few. π is the mean over new accounts of the posterior
    that they continue any candidate."""
    start = {s.name: s for s in model.comparators}
    cur = model
    n_active = max(actives or len(sample.starts), 1)
    sizes = np.diff(np.append(sample.starts, len(sample.levels)))
    n_removed = max(removed or (int(sizes.max()) if len(sizes) else 1), 1)
    for it in range(1, settings.iterations + 1):
        p = exclusive_posteriors(totals(cur, sample), sample)
        mc = level_counts(sample, cur, p)
        uc = level_counts(sample, cur, 1.0 - p)
        change = 0.0
        specs = []
        for s in cur.comparators:
            m0 = np.array([lv.m for lv in start[s.name].levels])
            u0 = np.array([lv.u for lv in start[s.name].levels])
            c = mc[s.name]
            m = (c + settings.m_strength * m0) / (c.sum() + settings.m_strength)
            if s.name in fixed_u:
                u = np.array([lv.u for lv in s.levels])
            else:  # the EM's non-matches pooled with the random pairs u started from
                cu = uc[s.name]
                a = max(float(sum(lv.count_nonmatch for lv in start[s.name].levels)),
                        settings.m_strength)
                u = (cu + a * u0) / (cu.sum() + a)
            old = np.array([(lv.m, lv.u) for lv in s.levels])
            change = max(change, float(np.abs(old - np.column_stack([m, u])).max()))
            specs.append(replace(s, levels=tuple(
                replace(lv, m=float(m[i]), u=float(u[i]), source="self-fit",
                        count_match=int(round(c[i])),
                        count_nonmatch=(lv.count_nonmatch if s.name in fixed_u
                                        else int(round(uc[s.name][i]))
                                        + start[s.name].levels[i].count_nonmatch))
                for i, lv in enumerate(s.levels))))
        share = float(np.clip(p.sum() / n_active, 1e-6, 1 - 1e-6))  # π
        odds = share / ((1.0 - share) * n_removed)
        prior = float(np.clip(odds / (1.0 + odds), 1e-9, 0.5))
        change = max(change, abs(prior - cur.prior) / max(cur.prior, 1e-9) * 1e-2)
        cur = replace(cur, comparators=tuple(specs), prior=prior)
        if change < settings.tolerance:
            return cur, it, True
    return cur, settings.iterations, False


def dependence_scale(model: LinkageModel, sample: PairSample, p: np.ndarray) -> float:
    """The share of the summed evidence to count, from how far the comparators' weights move
    together among the pairs the fitted model takes for mirrors (weighted by their posterior
    ``p``; no labels needed). Were the comparators independent given the match, the variance
    of those pairs' summed weight would be the sum of the comparators' variances; comparators
    that read one fact (the pages two editors share, their co-activity, the phrases they
    quote) move together and make it larger by a factor r, so a pair that shows that one fact
    collects its weight several times over, and its posterior is over-confident. The scale is
    1/√r, at most 1 (r ≤ 1: nothing to discount). The pairs taken for mirrors are where the
    flags are decided, and where editors fighting a sock on its pages look like its mirror.
    Ranking is unchanged; the probabilities, and so the review threshold, are not."""
    cov = _weight_spread(model, sample, p)
    if cov is None:
        return 1.0
    spread = float(np.trace(cov))
    total = float(cov.sum())
    if spread <= 0 or total <= spread:
        return 1.0
    return float(np.sqrt(spread / total))


def _weight_spread(model: LinkageModel, sample: PairSample, p: np.ndarray
                   ) -> np.ndarray | None:
    """The covariance of the comparators' weights (columns in ``sample.names`` order) among
    the pairs weighted by their posterior ``p``; None when no pair has any."""
    if not len(sample.levels):
        return None
    q = np.clip(p, 0.0, 1.0)
    if q.sum() <= 0:
        return None
    q = q / q.sum()
    w = model.weight_table()
    parts = np.column_stack([w[n][sample.levels[:, j]] for j, n in enumerate(sample.names)])
    centred = parts - q @ parts
    return (centred * q[:, None]).T @ centred


def comparator_scales(model: LinkageModel, sample: PairSample, p: np.ndarray
                      ) -> dict[str, float]:
    """Per comparator, the share of its weight to count: one over the sum of its positive
    correlations with every comparator (itself included), among the pairs the fitted model
    takes for mirrors (weighted by their posterior ``p``; no labels needed). Correlations,
    not covariances: a comparator whose weights hardly vary there is not discounted for
    being small.

    k comparators that read one fact (a shared page, co-activity on it, the phrases quoted
    there; a creation time and a first post minutes after the removal) move together: each
    then gets 1/k, and the fact is counted once instead of k times. A comparator that moves
    on its own keeps 1. Unlike the global :func:`dependence_scale`, this changes the ranking:
    a candidate carried by one fact counted several times no longer outranks one with several
    independent facts.

    A correlation counts only beyond two standard errors of chance among that many pairs
    (``2/√n``, n the posterior-weighted pairs' effective number): among the few pairs of a
    small input, one mirror carries every weight that varies, everything moves together, and
    an unguarded discount would divide every comparator by their number."""
    cov = _weight_spread(model, sample, p)
    if cov is None:
        return {}
    q = np.clip(p, 0.0, 1.0)
    n_eff = float(q.sum() ** 2 / max(float((q * q).sum()), 1e-300))
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    moves = sd > 1e-9  # a comparator constant among these pairs has nothing to discount
    corr = np.zeros_like(cov)
    both = np.outer(moves, moves)
    corr[both] = (cov / np.outer(np.where(moves, sd, 1.0), np.where(moves, sd, 1.0)))[both]
    corr = np.clip(corr - 2.0 / np.sqrt(max(n_eff, 1.0)), 0.0, None)
    np.fill_diagonal(corr, np.where(moves, 1.0, 0.0))
    shared = corr.sum(axis=1)
    scale = np.where(moves & (shared > 1.0), 1.0 / np.where(shared > 0, shared, 1.0), 1.0)
    return {n: float(round(v, 4)) for n, v in zip(sample.names, scale.tolist(), strict=True)
            if v < 1.0}


def with_scales(model: LinkageModel, scales: Mapping[str, float]) -> LinkageModel:
    """The model with each named comparator's weights counted at its scale."""
    return replace(model, comparators=tuple(
        replace(s, scale=scales[s.name]) if s.name in scales else s for s in model.comparators))


def matching_scale(target: float, t: np.ndarray, sample: PairSample, prior_weight: float,
                   low: float = 0.25, high: float = 4.0) -> float:
    """The evidence scale (``Calibration.scale``) at which the discounted model's posteriors
    sum to ``target`` — the number of mirrors the fit expected before the discount
    (bisection; clamped to ``low`` .. ``high``). Discounting shared facts lowers every
    posterior with them, true mirrors' too: without this the model would expect far fewer
    mirrors than its own fit found, and its review threshold would flag almost none."""
    if not len(t) or target <= 0:
        return 1.0

    def expected(g: float) -> float:
        return float(exclusive_posteriors(t, sample, Calibration("exclusive", scale=g),
                                          prior_weight).sum())

    if expected(high) <= target:
        return high
    if expected(low) >= target:
        return low
    for _ in range(20):  # to about 4e-6 of the range: the scale is kept to 4 decimals
        mid = (low + high) / 2.0
        low, high = (mid, high) if expected(mid) < target else (low, mid)
    return (low + high) / 2.0


def best_by_total(t: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Index of the pair with the highest total in each group (the first on ties)."""
    ends = np.append(starts[1:], len(t))
    return np.array([s + int(np.argmax(t[s:e])) for s, e in zip(starts, ends, strict=True)],
                    dtype=np.int64)


def precision_probability(p_sorted: np.ndarray, min_precision: float, floor: float = 0.0
                          ) -> np.ndarray:
    """For each k, the probability that at least ``min_precision`` of the first k accounts
    flagged are right, were each right with its posterior (``p_sorted``, best first): the
    upper tail of the Poisson-binomial distribution of the number right, kept exactly by
    adding one account at a time. Exact where a normal or Wilson approximation is not: one
    account flagged at 0.99 is right with probability 0.99, whatever few it is among. Only
    accounts at or above ``floor`` are followed (below, nothing is flagged): 0 after them."""
    out = np.zeros(len(p_sorted))
    dist = np.ones(1)  # dist[j]: probability that j of those so far are right
    for k, p in enumerate(p_sorted.tolist()):
        if p < floor:
            break
        grown = np.zeros(len(dist) + 1)
        grown[:-1] += dist * (1.0 - p)
        grown[1:] += dist * p
        dist = grown
        need = int(np.ceil(min_precision * (k + 1) - 1e-9))
        out[k] = dist[need:].sum()
    return out


def expected_review_threshold(
    p_top: np.ndarray, p_any: np.ndarray, min_precision: float, max_flag_rate: float,
    floor: float = 0.5, confidence: float = 0.5,
) -> tuple[float, float, float]:
    """The lowest probability ``s`` of the best candidate at which the flagged accounts
    (best candidate ≥ s) are expected right at least ``min_precision`` of the time (mean of
    their p_top) and at most ``max_flag_rate`` of the expected non-mirrors are flagged
    (Σ (1 - P(a mirror at all)) over the flagged, over that sum over all); never below
    ``floor``. With ``confidence`` above 0.5, at least ``min_precision`` of the flagged must
    be right with that probability (:func:`precision_probability`), not only on average: a
    mean over a few dozen posteriors near the goal is met by luck as often as not. The
    threshold lies halfway between the last account flagged and the next. Returns
    (threshold, expected precision, expected flag rate) there."""
    order = np.argsort(-p_top, kind="stable")
    pt, pa = p_top[order], np.clip(p_any[order], 0.0, 1.0)
    negatives = max(float((1.0 - pa).sum()), 1e-9)
    precision = np.cumsum(pt) / np.arange(1, len(pt) + 1)
    flag_rate = np.cumsum(1.0 - pa) / negatives
    sure = (precision >= min_precision if confidence <= 0.5
            else precision_probability(pt, min_precision, floor) >= confidence)
    ok = sure & (flag_rate <= max_flag_rate) & (pt >= floor)
    # thresholds are the distinct values; a tie must be flagged (or not) as a whole
    last = np.r_[pt[1:] != pt[:-1], True] if len(pt) else np.zeros(0, dtype=bool)
    good = np.flatnonzero(ok & last)
    if not len(good):
        return 1.0, 1.0, 0.0
    k = int(good[-1])
    # halfway to the next account down: the posteriors at linking differ from those of the
    # fit in the last digits (rivals are counted over the whole input), and an account at
    # the chosen value must stay flagged
    below = float(pt[k + 1]) if k + 1 < len(pt) else floor
    thr = max(floor, (float(pt[k]) + below) / 2.0)
    return thr, float(precision[k]), float(flag_rate[k])


def self_fit(
    linker: MirrorLinker,
    actives: Sequence[AccountProfile],
    settings: SelfFitSettings | None = None,
    meta: Mapping[str, Any] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[LinkageModel, SelfFitReport]:
    """Fit a model to the removed accounts ``linker`` holds and the ``actives`` (new
    accounts, no labels). ``linker`` only supplies the data (its model's comparators are not
    used: the self-fit starts from :func:`self_fit_start`)."""
    settings = settings or SelfFitSettings()
    t0 = time.perf_counter()
    rng = random.Random(settings.seed)
    work = linker.with_model(self_fit_start())
    sample_actives = list(actives)
    if len(sample_actives) > settings.max_actives:
        # in random order: when max_pairs stops the EM's sample early, it stops at random
        sample_actives = rng.sample(sample_actives, settings.max_actives)

    def step(what: str) -> Callable[[int, int], None] | None:
        return (lambda n, total: progress(what, n, total)) if progress else None

    rand = random_pairs(work, sample_actives, settings.random_pairs, rng, step("random pairs"),
                        jobs=settings.jobs)
    model, fixed = estimate_u(work.model, rand)
    if not settings.hold_u:
        fixed = frozenset()
    work = work.with_model(model)
    blocked = blocked_pairs(work, sample_actives, step("candidate pairs"), settings.max_pairs,
                            jobs=settings.jobs)
    sample_actives = sample_actives[:blocked.accounts]
    n_removed = max(len(linker.removed), 1)
    model = replace(model, prior=1.0 / (1.0 + n_removed))  # π = 1/2 to start
    model, iterations, converged = fit_m(model, blocked, fixed, settings,
                                         actives=len(sample_actives), removed=n_removed)
    t = totals(model, blocked)
    p = exclusive_posteriors(t, blocked)
    scales: dict[str, float] = {}
    count_scale = 1.0
    if settings.discount_comparators and (scales := comparator_scales(model, blocked, p)):
        expected_mirrors = float(p.sum())
        model = with_scales(model, scales)
        t = totals(model, blocked)
        p = exclusive_posteriors(t, blocked)
        count_scale = matching_scale(expected_mirrors, t, blocked, model.prior_weight)
    temper = dependence_scale(model, blocked, p) if settings.temper else 1.0
    calibration = Calibration("exclusive", scale=round(count_scale * temper, 4))
    p = exclusive_posteriors(t, blocked, calibration, model.prior_weight)
    # the flag is on the best candidate by evidence (the linker's order), at its posterior
    p_top = p[best_by_total(t, blocked.starts)] if len(p) else np.zeros(0)
    p_any = np.add.reduceat(p, blocked.starts) if len(p) else np.zeros(0)
    # accounts with no candidate at all can be flagged never; they count as non-mirrors
    n_none = len(sample_actives) - len(blocked.starts)
    p_top = np.concatenate([p_top, np.zeros(n_none)])
    p_any = np.concatenate([p_any, np.zeros(n_none)])
    thr, precision, flag_rate = expected_review_threshold(
        p_top, p_any, settings.min_precision, settings.max_flag_rate, settings.min_threshold,
        settings.confidence)
    report = SelfFitReport(
        actives=len(sample_actives),
        pairs=len(blocked.levels),
        random_pairs=len(rand.levels),
        prior=model.prior,
        iterations=iterations,
        converged=converged,
        expected_mirrors=float(p_any.sum()),
        review_threshold=thr,
        expected_precision=precision,
        expected_flag_rate=flag_rate,
        seconds=time.perf_counter() - t0,
        evidence_scale=calibration.scale,
        comparator_scales=scales,
    )
    model = replace(
        model,
        name="self_fit_v1",
        calibration=calibration,
        thresholds=Thresholds(review=thr, auto_action=max(Thresholds().auto_action, thr)),
        meta={
            **dict(meta or {}),
            "method": "self-fit",
            "labelled": False,
            "platform": linker.platform.name,
            "fitted_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "removed_accounts": len(linker.removed),
            "active_accounts": len(actives),
            "self_fit": report.to_dict(),
            "review_rule": {
                "min_precision": settings.min_precision,
                "max_flag_rate": settings.max_flag_rate,
                "confidence": settings.confidence,
                "expected": True,
            },
        },
    )
    return model, report


def with_second_pass(model: LinkageModel) -> LinkageModel:
    """The self-fitted model with the second-pass signals (reciprocal rank, leads over
    rivals) added at their expert values: the start of labelled fitting, which can learn
    what the leads are worth (``training.fit_model``)."""
    have = {s.name for s in model.comparators}
    extra = expert_model(tuple(c.NAME for c in SECOND_PASS if c.NAME not in have)).comparators
    return replace(model, comparators=(*model.comparators, *extra))
