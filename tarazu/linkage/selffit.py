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
4. **The related class** (``linkage.related``): "another account of the same operator",
   fitted by a second EM with the match class held, for the operator check: a probability
   is the lower of the two- and the three-class posterior, so that what an operator's every
   account shares does not flag the wrong one of them (the ranking stays two-class).
5. **Dependence**: each comparator's weights counted at the share that is its own, so that
   a fact several comparators read counts once (:func:`comparator_scales`).
6. **Calibration without labels**: the exclusive posterior of the fitted model, its evidence
   scaled to keep the number of mirrors the fit expected (:func:`matching_scale`) and
   discounted for what still moves together (:func:`dependence_scale`); the operator
   check's three-class posterior gets its own scale the same way (``operator_scale``).
7. **A review threshold from the model's own expected precision**: the lowest probability of
   the best candidate at which the posteriors above it expect at least ``min_precision`` of
   flags right and at most ``max_flag_rate`` of non-mirrors flagged.

Every level keeps its m, u and weight; nothing here is specific to one comparator, so a new
comparator registered in ``linkage.comparators`` is fitted like the others. Here: the
settings, drawing and comparing the pairs, the EM and the steps in order; the pairs' totals
and posteriors are in ``linkage.pair_sample``, the related class's fit (4) in
``linkage.related_fit``, the dependence estimates (5, 6) in ``linkage.dependence``, the
review rule (7) in ``linkage.review_rule``."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from tarazu.linkage.comparators import DEFAULT_COMPARATORS, RELATIVE, SECOND_PASS, family_of
from tarazu.linkage.dependence import (
    comparator_scales,
    dependence_scale,
    matching_scale,
    with_scales,
)
from tarazu.linkage.levels import MISSING
from tarazu.linkage.linker import MirrorLinker
from tarazu.linkage.model import Calibration, LinkageModel, Thresholds, expert_model
from tarazu.linkage.pair_sample import (
    PairSample,
    best_by_total,
    exclusive_posteriors,
    operator_posteriors,
    related_bits,
    totals,
)
from tarazu.linkage.parallel import Workers, ranges
from tarazu.linkage.profile import AccountProfile
from tarazu.linkage.related_fit import expected_mirrors, fit_related, operator_scale
from tarazu.linkage.review_rule import expected_review_threshold
from tarazu.linkage.tf import values_of
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
    #: hold u at its random-pair estimate during the EM, as Splink does. Measured
    #: (docs/linking-findings.md), letting the EM move u from that start ranks and flags better:
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
    #: 0.99 do on the dev splits: docs/linking-findings.md
    confidence: float = 0.95
    #: the review threshold never goes below this probability of the best candidate
    min_threshold: float = 0.5
    #: discount the evidence for the comparators' dependence (:func:`dependence_scale`);
    #: False counts every weight in full, as if the comparators were independent
    temper: bool = True
    #: count each comparator's weights at one over the sum of its correlations with the
    #: others of its family (:func:`comparator_scales`), and keep the number of mirrors the
    #: fit expects (:func:`matching_scale`). False: every comparator counted in full. What
    #: it does on the dev splits: docs/linking-findings.md
    discount_comparators: bool = True
    #: fit the related class, "another account of the same operator" (``linkage.related``),
    #: after the match class, for the operator check: a probability is the lower of the two-
    #: and the three-class posterior. On every development set it flagged at least as
    #: precisely, and fewer mirrors (docs/linking-findings.md, "The related class and the
    #: operator check")
    related_class: bool = True
    seed: int = 0


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
    #: what the evidence beyond the prior is multiplied by in the probabilities
    #: (``Calibration.scale``)
    evidence_scale: float = 1.0
    #: the comparators counted at less than their full weight (:func:`comparator_scales`)
    comparator_scales: Mapping[str, float] = field(default_factory=dict)
    #: the related class's pair prior (``linkage.related``); None: not fitted
    related_prior: float | None = None
    #: candidate pairs the related class expects: another account of the new one's operator
    related_pairs: float = 0.0

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
    if settings.related_class:
        model = fit_related(model, blocked, len(sample_actives), n_removed)
    t = totals(model, blocked)
    p = exclusive_posteriors(t, blocked)
    scales: dict[str, float] = {}
    count_scale = 1.0
    expected_related: float | None = None
    families = {n: family_of(n) for n in blocked.names}
    if settings.discount_comparators and (scales := comparator_scales(model, blocked, p,
                                                                      families)):
        expected = float(p.sum())
        expected_related = expected_mirrors(model, blocked)
        model = with_scales(model, scales)
        t = totals(model, blocked)
        p = exclusive_posteriors(t, blocked)
        count_scale = matching_scale(expected, t, blocked, model.prior_weight)
    temper = dependence_scale(model, blocked, p) if settings.temper else 1.0
    calibration = Calibration("exclusive", scale=round(count_scale * temper, 4))
    p = exclusive_posteriors(t, blocked, calibration, model.prior_weight)
    if (bits := related_bits(model, blocked)) is not None:
        # the operator check: a pair's posterior is the lower of the two views
        model = replace(model, related_scale=operator_scale(model, blocked, expected_related,
                                                            settings.temper))
        check = Calibration("exclusive", scale=model.related_scale)  # type: ignore[arg-type]
        p = np.minimum(p, operator_posteriors(t, bits, blocked, check, model.prior_weight))
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
        related_prior=model.related_prior,
        related_pairs=(model.related_prior or 0.0) * len(sample_actives) * n_removed,
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
