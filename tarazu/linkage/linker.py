"""MirrorLinker: the facade. Keep removed accounts indexed; rank them for a new account.

linker = MirrorLinker(load_model("default"))
linker.add_removed(account, posts)        # when an account is removed
linker.withdraw(account_id)               # when it is reinstated
linker.score(new_account, posts, top_k=10) -> [MatchResult, ...] best first
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from tarazu.domain.platform import Account, Post
from tarazu.linkage.batch import score_batch
from tarazu.linkage.blocking import (
    AvatarPdqBlocker,
    Blocker,
    CandidateIndex,
    NameIndex,
    TextLSHIndex,
    TimeIndex,
    TokenIndex,
)
from tarazu.linkage.columnar.store import RemovedColumns
from tarazu.linkage.columnar.vectorised import vectorised_estimate, vectorised_form
from tarazu.linkage.comparators import SECOND_PASS, get_comparator
from tarazu.linkage.corpus import Corpus, CorpusCounts
from tarazu.linkage.levels import MISSING, Comparator, ComparisonResult
from tarazu.linkage.model import (
    Calibration,
    LinkageModel,
    _config_from_json,
    weight_matrix,
    weights_of,
)
from tarazu.linkage.parallel import fork_imap, ranges
from tarazu.linkage.platforms import PlatformProfile, get_platform
from tarazu.linkage.profile import AccountProfile, build_profile, build_profiles
from tarazu.linkage.related import RelatedWeights
from tarazu.linkage.result import MatchResult, SignalWeight
from tarazu.linkage.result_column import ResultColumn, column, levels_of
from tarazu.linkage.tf import TermFrequencies, adjusted_weight


@dataclass(frozen=True)
class LinkerConfig:
    top_k: int = 10
    time_nearest: int = 40  # removals nearest in time always compared
    lsh_threshold: float = 0.15
    lsh_max_candidates: int | None = 200  # see ``blocking.TextLSHIndex``
    token_max_postings: int = 50
    name_min_shared: int = 3
    pdq_max_distance: int = 31
    #: At most this many candidates get the full comparison: those proposed by the most
    #: indexes, then the nearest in time (None: compare every candidate proposed). What 60
    #: costs in recall and saves in latency: BENCHMARKS.md.
    max_full: int | None = 60
    #: Comparators that only estimate (cheaply, see ``Comparator.estimate``) for all
    #: candidates and compare in full for the ``shortlist`` best: the display name costs
    #: about as much as every other comparator together on synthetic data (cross-script names
    #: need the full name analysis), and its estimate is exact for equal or missing names.
    #: A deferred comparator must not feed a rank comparator (ranks are over all
    #: candidates). Empty: one stage.
    deferred: tuple[str, ...] = ("display_name", "own_name")
    shortlist: int = 20
    #: platform profile that reads platform-specific markup (``linkage.platforms``); None:
    #: the one the model was fitted with (its ``meta.platform``), else the neutral one
    platform: str | None = None
    #: compare with the vectorised form (``linkage.columnar``) the comparators that have
    #: one: all candidates in one call over the removed set's columns, the same results
    vectorise: bool = True

    def indexes(self) -> list[CandidateIndex]:
        return [
            NameIndex(min_shared=self.name_min_shared),
            TextLSHIndex(threshold=self.lsh_threshold, max_candidates=self.lsh_max_candidates),
            AvatarPdqBlocker(max_distance=self.pdq_max_distance),
            TokenIndex(max_postings=self.token_max_postings),
            TimeIndex(nearest=self.time_nearest),
        ]


def most_supported(votes: Mapping[str, int], cap: int, gap: Callable[[str], float]) -> list[str]:
    """The ``cap`` ids first in the order (most votes, smallest gap, id), sorted by id.

    Only the vote count that the cap cuts through needs the gaps: every id with more votes is
    kept whatever its gap. Computing the gap of all proposed ids (a few hundred) just to sort
    them was a sizeable part of finding the candidates."""
    if cap <= 0:
        return []
    if len(votes) <= cap:
        return sorted(votes)
    cut = heapq.nlargest(cap, votes.values())[-1]
    kept = [i for i, v in votes.items() if v > cut]
    tied = [i for i, v in votes.items() if v == cut]
    need = cap - len(kept)
    if need < len(tied):  # hundreds at scale: one array of gaps
        gaps = np.fromiter(map(gap, tied), dtype=float, count=len(tied))
        last = np.sort(gaps)[need - 1]  # the gap of the last taken
        nearer = [tied[k] for k in np.flatnonzero(gaps < last).tolist()]
        # ties at that gap by id: only those are sorted, not every tied id
        at_last = sorted(tied[k] for k in np.flatnonzero(gaps == last).tolist())
        tied = nearer + at_last[: need - len(nearer)]
    return sorted(kept + tied)


def _missing(name: str, n: int) -> tuple[ComparisonResult, ...]:
    """``n`` missing results (immutable, so one object serves them all)."""
    return (ComparisonResult(name, MISSING, "missing", ("", "")),) * n


def _best(
    totals: np.ndarray, cands: Sequence[AccountProfile], n: int, among: Iterable[int] | None = None
) -> list[int]:
    """Indexes of the ``n`` best candidates (of those at ``among``; all by default) by total,
    ties by id so that runs repeat."""
    pool = range(len(cands)) if among is None else among
    return sorted(pool, key=lambda i: (-totals[i], cands[i].account_id))[:n]


@dataclass(frozen=True)
class Comparisons:
    """All comparator results of one active account against its candidates."""

    active: AccountProfile
    candidates: tuple[AccountProfile, ...]
    names: tuple[str, ...]  # comparator names, in model order
    #: [comparator][candidate]: a tuple, or a :class:`ResultColumn` whose results are made
    #: when read
    results: tuple[Sequence[ComparisonResult], ...]

    def levels(self) -> np.ndarray:
        """(candidates × comparators) level indexes, MISSING = -1."""
        if not self.candidates:
            return np.zeros((0, len(self.names)), dtype=np.int16)
        out = np.empty((len(self.candidates), len(self.names)), dtype=np.int16)
        for j, col in enumerate(self.results):
            out[:, j] = levels_of(col)
        return out

    def subset(self, idx: Sequence[int]) -> Comparisons:
        return Comparisons(
            self.active,
            tuple(self.candidates[i] for i in idx),
            self.names,
            tuple(col.take(idx) if isinstance(col, ResultColumn) else tuple(col[i] for i in idx)
                  for col in self.results),
        )

    def replace_column(self, name: str, col: Sequence[ComparisonResult]) -> Comparisons:
        j = self.names.index(name)
        results = (*self.results[:j], column(col), *self.results[j + 1 :])
        return Comparisons(self.active, self.candidates, self.names, results)


class MirrorLinker:
    def __init__(self, model: LinkageModel, config: LinkerConfig | None = None) -> None:
        self.model = model
        self.config = config or LinkerConfig()
        self.platform: PlatformProfile = get_platform(
            self.config.platform or model.meta.get("platform"))
        self.base, self.relative = model.build()
        self._families = {c.NAME: c.FAMILY for c in (*self.base, *self.relative)}
        self._names = tuple(s.name for s in model.comparators)
        self._weights = weight_matrix(model.weight_table(), self._names)
        self._related = RelatedWeights.of(model, self._names)
        #: the operator check's calibration (``linkage.related``); None: no check
        self._check = (Calibration("exclusive", scale=model.related_scale)
                       if self._related is not None and model.related_scale is not None
                       and model.calibration.method == "exclusive" else None)
        self._specs = {s.name: s for s in model.comparators}
        self.corpus = Corpus()
        self.tf = TermFrequencies(s.name for s in model.comparators if s.tf_adjust)
        self.blocker = Blocker(self.config.indexes())
        # removal times as timestamps, kept by the time index (one copy, not two); every
        # configuration has one (``LinkerConfig.indexes``)
        self._removal_times: Mapping[str, float] = next(
            ix.at for ix in self.blocker.indexes if isinstance(ix, TimeIndex))
        self.removed: dict[str, AccountProfile] = {}
        #: the removed set's numeric features as columns, for the vectorised comparators
        self.columns = RemovedColumns()
        self._fast = {c.NAME: f for c in self.base
                      if self.config.vectorise and (f := vectorised_form(c)) is not None}
        self._fast_estimate = {c.NAME: f for c in self.base
                               if self.config.vectorise and (f := vectorised_estimate(c))}
        second = {c.NAME for c in SECOND_PASS}
        self._second = {
            s.name: get_comparator(s.name, **_config_from_json(s.config))
            for s in model.comparators
            if s.name in second
        }
        for name, comp in self._second.items():
            self._families[name] = comp.FAMILY
        #: per comparator in model order, what its explanation reads: name, family, each
        #: level's (counted weight, m, u) and whether its top level is term-frequency adjusted
        self._explained = tuple(
            (n, self._families[n], tuple((self._specs[n].weight(i), lv.m, lv.u)
                                         for i, lv in enumerate(self._specs[n].levels)),
             n in self.tf.readers, self._specs[n].scale)
            for n in self._names)
        self._deferred = frozenset(self.config.deferred) & {c.NAME for c in self.base}
        feeding = self._deferred & {r.BASE for r in self.relative}
        if feeding:
            raise ValueError(f"deferred comparators feed a rank comparator: {sorted(feeding)}")
        dear = {c.NAME for c in self.base if c.NAME in self._deferred and not c.estimates_cheaply()}
        if dear:
            raise ValueError(f"deferred comparators without a cheap estimate: {sorted(dear)}")
        # removed id -> {active id: first-pass total}: who else may continue it
        self._successors: dict[str, dict[str, float]] = defaultdict(dict)

    # --- the removed set ------------------------------------------------------------------
    def add_removed(self, account: Account, posts: Sequence[Post] = ()) -> AccountProfile:
        profile = build_profile(account, posts, self.platform)
        self.add_removed_profile(profile)
        return profile

    def add_removed_profile(self, profile: AccountProfile,
                            text_signature: np.ndarray | None = None) -> None:
        """``text_signature``: its text MinHash, if known (``linkage.snapshot`` keeps them)."""
        if profile.account_id in self.removed:
            self.withdraw(profile.account_id)
        self._take_in([profile], [text_signature])

    def compact(self) -> None:
        """End a bulk build: what the candidate indexes took a batch at a time goes into
        their compact forms (``Blocker.compact``), as a start from a snapshot holds it.
        Answers do not change."""
        self.blocker.compact()

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """A build of many removed accounts, added a batch at a time within: the name and
        token indexes gather the batches as arrays and fold them once at the end
        (``Postings.gathering``), and the linker ends compacted (:meth:`compact`), also if
        the build fails part way. Answers do not change; a score asked within reads what
        was added so far (it folds first)."""
        self.blocker.gather(True)
        try:
            yield
        finally:
            self.blocker.gather(False)
            self.compact()

    def add_removed_profiles(self, profiles: Sequence[AccountProfile],
                             text_signatures: Sequence[np.ndarray | None] | None = None,
                             counted: CorpusCounts | None = None,
                             columns: RemovedColumns | None = None,
                             indexed: Collection[str] = ()) -> None:
        """:meth:`add_removed_profile` for many accounts, the indexes taking them together
        where they can (a restart from a snapshot loads the whole removed set). The same
        index as adding them one by one; accounts held already, or twice in ``profiles``,
        are added one by one (a repeat replaces what was held).

        A snapshot's start takes what it restored instead of deriving it, only into a
        linker that holds and has counted nothing: ``counted``, the rarity counts of a
        linker that held these accounts; ``columns``, the columns over ``profiles`` (rows
        in their order); ``indexed``, the names of the candidate indexes that hold these
        accounts already (restored in place), which are not given them again."""
        restoring = counted is not None or columns is not None or bool(indexed)
        if restoring and (self.removed or self.corpus.n):
            raise ValueError("a restart's state is restored into a linker that holds nothing")
        if counted is not None:
            self.corpus.restore(counted)
        ids = [p.account_id for p in profiles]
        if len(set(ids)) < len(ids) or any(i in self.removed for i in ids):
            if columns is not None or indexed:
                raise ValueError("restored columns or indexes for accounts given twice")
            sigs = text_signatures if text_signatures is not None else [None] * len(profiles)
            for p, sig in zip(profiles, sigs, strict=True):
                self.add_removed_profile(p, sig)
            return
        self._take_in(profiles, text_signatures, columns, indexed)

    def _take_in(self, profiles: Sequence[AccountProfile],
                 text_signatures: Sequence[np.ndarray | None] | None,
                 columns: RemovedColumns | None = None, indexed: Collection[str] = ()
                 ) -> None:
        """Index accounts none of which is held: the term frequencies one by one, the
        columns, rarity counts and candidate indexes together (or as restored)."""
        for p in profiles:
            self.removed[p.account_id] = p
            self.tf.add(p)
        if columns is not None:
            self.columns = columns
        else:
            self.columns.add_many(profiles)
        self.corpus.add_many(profiles)  # nothing for accounts restored counted already
        self.blocker.add_many(profiles, text_signatures, skip=indexed)

    def withdraw(self, account_id: str) -> AccountProfile | None:
        """The account was reinstated (or the removal was reversed on appeal). Returns the
        profile it was held with (None if it was not held): shards holding other accounts
        take its counts off with it (``linkage.shards``)."""
        profile = self.removed.pop(account_id, None)
        if profile is not None:
            self.corpus.remove(profile)
            self.tf.remove(profile)
            self.blocker.remove(profile)
            self.columns.remove(account_id)
        return profile

    def observe(self, profile: AccountProfile) -> None:
        """Count an active account in the rarity statistics (a page everybody edits is not
        evidence); it does not become a candidate."""
        self.corpus.add(profile)

    def observe_many(self, profiles: Sequence[AccountProfile]) -> None:
        """:meth:`observe` for many accounts (a batch's active accounts), the rarity counts
        taking them together: the same counts as one by one."""
        self.corpus.add_many(profiles)

    # --- scoring --------------------------------------------------------------------------
    def candidates(self, profile: AccountProfile) -> list[AccountProfile]:
        cap = self.config.max_full
        if cap is None:
            ids = self.blocker.candidates(profile) - {profile.account_id}
            return [self.removed[i] for i in sorted(ids)
                    if i in self.removed and self.may_continue(profile, i)]
        votes = self.blocker.votes(profile)
        votes.pop(profile.account_id, None)
        t = profile.created_at.timestamp()
        held, latest = self.removed, self.platform.latest_removal(t, profile.platform)
        # Each proposed id's removal time (None: none), looked up once for ``may_continue``'s
        # bound and for the gap that breaks ties: hundreds of ids are proposed, and a
        # look-up in the removed set's dictionaries misses the cache at scale.
        removed_at = dict(zip(votes, map(self._removal_times.get, votes), strict=True))

        def gap(i: str) -> float:
            at = removed_at[i]
            return abs(t - at) if at is not None else float("inf")

        live = votes if latest is None else {
            i: v for i, v in votes.items() if (at := removed_at[i]) is None or at <= latest}
        # Only removed accounts have removal times, so the set holds nearly every live id:
        # held is checked for the chosen, and the cap chooses again without the others
        # only if one was among them (what it passed over ranks below what it chose either
        # way, so its choice among the held is the same).
        chosen = most_supported(live, cap, gap)
        if not all(map(held.__contains__, chosen)):
            chosen = most_supported({i: v for i, v in live.items() if i in held}, cap, gap)
        return [held[i] for i in chosen]

    def may_continue(self, profile: AccountProfile, removed_id: str) -> bool:
        """Whether ``profile`` may be a mirror of the removed account ``removed_id``: created
        after its removal, where its platform holds mirrors to that (``platforms``)."""
        return self.platform.may_continue(profile.created_at.timestamp(),
                                          self._removal_times.get(removed_id), profile.platform)

    def compare(
        self,
        profile: AccountProfile,
        candidates: Sequence[AccountProfile],
        estimated: frozenset[str] = frozenset(),
    ) -> Comparisons:
        """All comparators; those named in ``estimated`` only estimate (see
        ``Comparator.estimate``), to be completed for the shortlist."""
        by_name = self._base_columns(profile, candidates, estimated)
        for rel in self.relative:
            by_name[rel.NAME] = column(rel.rank_all(by_name[rel.BASE]))
        for name in self._second:  # filled in by the second pass
            by_name[name] = _missing(name, len(candidates))
        return Comparisons(
            profile, tuple(candidates), self._names, tuple(by_name[n] for n in self._names)
        )

    def _base_columns(
        self,
        profile: AccountProfile,
        candidates: Sequence[AccountProfile],
        estimated: frozenset[str] = frozenset(),
        only: frozenset[str] | None = None,
        corpus: Corpus | None = None,
    ) -> dict[str, Sequence[ComparisonResult]]:
        """The base comparators' results (those in ``only``; all if None), comparator by
        comparator: what depends on the pair alone. A sharded scorer asks each shard for
        these over its own candidates (``linkage.shards``); the rank comparators, which read
        all candidates, are computed from them after. ``corpus``: the rarity statistics to
        read (a shard's are those of all shards, ``linkage.shard_counts``); None: its own."""
        by_name: dict[str, Sequence[ComparisonResult]] = {}
        corpus = self.corpus if corpus is None else corpus
        rows = self._rows(candidates)
        for comp in self.base:
            if only is not None and comp.NAME not in only:
                continue
            if comp.NAME in estimated:
                fast = self._fast_estimate.get(comp.NAME) if rows is not None else None
                by_name[comp.NAME] = column(
                    fast(comp, profile, rows, self.columns, corpus) if fast is not None
                    else (comp.estimate(profile, b, corpus) for b in candidates))
            else:
                by_name[comp.NAME] = column(
                    self._compare_all(comp, profile, candidates, rows, corpus))
        return by_name

    def _rows(self, candidates: Sequence[AccountProfile]) -> np.ndarray | None:
        """The candidates' rows in the columns, for the vectorised comparators; None when
        some candidate is not the removed account the columns hold (compared pairwise)."""
        if not (self._fast or self._fast_estimate):
            return None
        row = self.columns.row
        if not all(self.removed.get(c.account_id) is c and c.account_id in row
                   for c in candidates):
            return None
        return self.columns.rows([c.account_id for c in candidates])

    def _compare_all(self, comp: Comparator, profile: AccountProfile,
                     candidates: Sequence[AccountProfile], rows: np.ndarray | None,
                     corpus: Corpus) -> Sequence[ComparisonResult]:
        """One comparator's results for all candidates: vectorised when it has that form
        and the candidates are held in the columns, pair by pair otherwise."""
        fast = self._fast.get(comp.NAME) if rows is not None else None
        if fast is not None:
            return fast(comp, profile, rows, self.columns, corpus)
        return comp.compare_many(profile, candidates, corpus)

    def _complete(self, comps: Comparisons, idx: Sequence[int]) -> Comparisons:
        """Compare the deferred comparators in full for the candidates at ``idx``."""
        full = self._base_columns(comps.active, [comps.candidates[i] for i in idx],
                                  only=self._deferred)
        for comp in self.base:
            if comp.NAME not in self._deferred:
                continue
            was = comps.results[self._names.index(comp.NAME)]
            col: ResultColumn | list[ComparisonResult] = (
                was.take(range(len(was))) if isinstance(was, ResultColumn) else list(was))
            for i, r in zip(idx, full[comp.NAME], strict=True):
                col[i] = r
            comps = comps.replace_column(comp.NAME, col)
        return comps

    def first_pass(
        self, profile: AccountProfile, keep: int | None = None
    ) -> tuple[Comparisons, np.ndarray] | None:
        """Compare with all candidates, record this account as a possible successor of each,
        and keep the ``keep`` best by the first-pass total (all, if None).

        Two stages when there are more candidates than the shortlist: every comparator for
        all candidates, the deferred ones only estimating, then the deferred ones in full for
        the best ``max(keep, shortlist)``. Only shortlisted candidates are kept; the others
        are recorded as successors with their estimated total."""
        cands = self.candidates(profile)
        if not cands:
            return None
        short = len(cands) if keep is None else max(keep, self.config.shortlist)
        if self._deferred and short < len(cands):
            comps = self.compare(profile, cands, estimated=self._deferred)
            pool = _best(self.totals(comps), cands, short)
            comps = self._complete(comps, pool)
        else:
            comps = self.compare(profile, cands)
            pool = list(range(len(cands)))
        totals = self.totals(comps)
        for c, t in zip(cands, totals, strict=True):
            self._successors[c.account_id][profile.account_id] = float(t)
        if keep is not None and keep < len(cands):
            idx = _best(totals, cands, keep, among=pool)
            comps, totals = comps.subset(idx), totals[idx]
        return comps, totals

    def second_pass(self, comps: Comparisons, first: np.ndarray) -> tuple[Comparisons, np.ndarray]:
        """Add the second-pass signals the model has, from first-pass totals: the reciprocal
        rank and the lead over the best other new account (both over the successors recorded
        so far: the whole input in a batch, the accounts seen before when streaming), and the
        lead over this account's next-best candidate."""
        if not self._second:
            return comps, first
        aid = comps.active.account_id
        others = [
            [v for a, v in self._successors.get(c.account_id, {}).items() if a != aid]
            for c in comps.candidates
        ]
        order = np.argsort(-first, kind="stable")
        for name, comp in self._second.items():
            col = []
            for i, t in enumerate(first):
                if name == "reciprocal_rank":
                    col.append(comp.rank(float(t), others[i]))
                elif name == "lead":
                    j = next((int(k) for k in order[:2] if k != i), None)
                    rival = float(first[j]) if j is not None else None
                    col.append(comp.lead(float(t), rival, len(first) - 1))
                else:  # successor_lead
                    rival = max(others[i]) if others[i] else None
                    col.append(comp.lead(float(t), rival, len(others[i])))
            comps = comps.replace_column(name, col)
        return comps, self.totals(comps)

    def comparisons(
        self, profile: AccountProfile, candidates: Sequence[AccountProfile]
    ) -> Comparisons:
        """Both passes for given candidates (training); successors must be recorded first."""
        comps = self.compare(profile, candidates)
        return self.second_pass(comps, self.totals(comps))[0]

    def record(self, profiles: Iterable[AccountProfile]) -> None:
        """First pass over many new accounts: who may continue which removed account."""
        for p in profiles:
            self.first_pass(p, keep=0)

    def with_model(self, model: LinkageModel) -> MirrorLinker:
        """A linker with another model over the same removed accounts and statistics (the
        indexes and columns are shared, not copied: add to one only)."""
        other = MirrorLinker(model, self.config)
        other.corpus, other.blocker, other.removed = self.corpus, self.blocker, self.removed
        other.columns = self.columns
        other._removal_times = self._removal_times
        for p in self.removed.values():
            other.tf.add(p)
        return other

    def tf_values(self, comps: Comparisons, i: int, name: str) -> tuple[float, float] | None:
        """(adjusted weight, frequency of the matched value) of a term-frequency adjusted
        comparator's top level for candidate ``i``; None when not adjusted there."""
        if name not in self.tf.readers:
            return None
        r = comps.results[self._names.index(name)][i]
        if r.level != 0:
            return None
        found = self._shared_frequency(comps, i, name)
        if found is None:
            return None
        spec = self._specs[name]
        top = spec.levels[0]
        return spec.scale * adjusted_weight(top.m, top.u, found[0]), found[0]

    def _shared_frequency(self, comps: Comparisons, i: int, name: str
                          ) -> tuple[float, str] | None:
        """The frequency of the rarest value the pair ``i`` shares for ``name`` (see
        ``TermFrequencies.shared_frequency``); a sharded scorer has it from the shard."""
        return self.tf.shared_frequency(name, comps.active, comps.candidates[i])

    def tf_adjustments(self, comps: Comparisons) -> np.ndarray:
        """Bits to add to each candidate's total for its term-frequency adjusted matches."""
        adj = np.zeros(len(comps.candidates))
        for name in self.tf.readers:
            j = self._names.index(name)
            w0 = self._specs[name].weight(0)
            for i in np.flatnonzero(levels_of(comps.results[j]) == 0).tolist():
                found = self.tf_values(comps, i, name)
                if found is not None:
                    adj[i] += found[0] - w0
        return adj

    def totals(self, comps: Comparisons) -> np.ndarray:
        lv = comps.levels()
        total = self.model.prior_weight + weights_of(self._weights, lv)
        if self.tf:
            total += self.tf_adjustments(comps)
        return total

    def probabilities(self, comps: Comparisons, totals: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of all candidates at once (the calibration may also read
        the raw leads; the exclusive one reads all the candidates' totals)."""
        if self.model.calibration.method == "exclusive":
            others = self._rival_totals(comps)
            p = self.model.calibration.exclusive(totals, self.model.prior_weight,
                                                 self._rivals(others, self.model.calibration))
            if self._check is not None:
                p = np.minimum(p, self._operator_check(comps, totals, others, self._check))
            return p
        extras = {}
        for name in self.model.calibration.features:
            if name in self._names:
                col = comps.results[self._names.index(name)]
                extras[name] = np.array([np.nan if r.raw is None else r.raw for r in col])
        return np.atleast_1d(self.model.calibration.probability(totals, extras))

    def _operator_check(self, comps: Comparisons, totals: np.ndarray,
                        others: list[np.ndarray], check: Calibration) -> np.ndarray:
        """The candidates' posteriors under three classes (``linkage.related``): each one's
        total less what the related class takes, its rivals at their recorded (two-class)
        totals. A candidate whose evidence another account of the same operator would show
        too keeps a low posterior here, however high its two-class one."""
        assert self._related is not None
        mine = totals + self._related.bits(comps.levels())
        return check.exclusive(mine, self.model.prior_weight, self._rivals(others, check))

    def _rival_totals(self, comps: Comparisons) -> list[np.ndarray]:
        """For each candidate, the first-pass totals of the other new accounts recorded as
        its possible successors (the whole input in a batch, those seen before when
        streaming)."""
        aid = comps.active.account_id
        return [_other_totals(self._successors.get(c.account_id), aid)
                for c in comps.candidates]

    def _rivals(self, others: list[np.ndarray], cal: Calibration) -> np.ndarray:
        """For each candidate, the summed odds (``cal.odds``) of its rivals' totals
        (:meth:`_rival_totals`)."""
        prior = self.model.prior_weight
        return np.array([float(cal.odds(o, prior).sum()) if o.size else 0.0 for o in others])

    def _result(self, comps: Comparisons, i: int, total: float, probability: float,
                explain: bool = True,
                made: dict[tuple[int, int], SignalWeight] | None = None,
                ) -> MatchResult:
        """``made``: the signals made so far for other results of the same comparisons, by
        the id of the comparator result they explain. Many results are one object shared by
        candidates (missing, nothing shared, what reads the new account alone), and a
        signal is immutable and read only from its result and level — but for a term-
        frequency adjusted top level, which reads the pair: made afresh."""
        signals = []
        made = {} if made is None else made
        for j, (name, family, levels, adjusted, scale) in enumerate(
                self._explained if explain else ()):
            r = comps.results[j][i]
            level = r.level
            tf = self.tf_values(comps, i, name) if adjusted and level == 0 else None
            if tf is None:
                key = (id(r), j)
                s = made.get(key)
                if s is None:
                    s = made[key] = self._signal(name, family, levels, r, None, scale)
                signals.append(s)
            else:
                signals.append(self._signal(name, family, levels, r, tf, scale))
        return MatchResult(
            active_id=comps.active.account_id,
            removed_id=comps.candidates[i].account_id,
            prior_weight=self.model.prior_weight,
            signals=tuple(signals),
            total=float(total),
            probability=float(probability),
            active_protected=comps.active.is_protected,
            explained=explain,
        )

    @staticmethod
    def _signal(name: str, family: str, levels: tuple[tuple[float, float, float], ...],
                r: ComparisonResult, tf: tuple[float, float] | None, scale: float = 1.0
                ) -> SignalWeight:
        """One bar of the waterfall: the level's counted weight, m and u (the adjusted weight
        and the matched value's frequency where ``tf``), nothing for a missing result."""
        if r.level == MISSING:
            return SignalWeight(name, family, r.level, r.label, r.values, 0.0, None, None, False)
        weight, m, u = levels[r.level]
        if tf is not None:
            weight, u = tf
        return SignalWeight(name, family, r.level, r.label, r.values, weight, m, u,
                            tf is not None, scale)

    def score_profile(self, profile: AccountProfile, top_k: int | None = None,
                      explain_from: float = 0.0) -> list[MatchResult]:
        first = self.first_pass(profile, keep=self._keep(top_k))
        return self._finish(first, top_k, explain_from)

    def _keep(self, top_k: int | None) -> int:
        """How many candidates a score keeps for its second pass: twice what it returns (the
        second pass may reorder them, by the leads its probability reads), at least the
        shortlist, so that every kept candidate carries the deferred comparators in full."""
        return max(2 * (top_k or self.config.top_k), self.config.shortlist)

    def _finish(
        self, first: tuple[Comparisons, np.ndarray] | None, top_k: int | None,
        explain_from: float = 0.0,
    ) -> list[MatchResult]:
        """The ``top_k`` best as MatchResults; those with a probability below
        ``explain_from`` without their explanation (see ``MatchResult.explained``)."""
        if first is None:
            return []
        comps, totals = self.second_pass(*first)
        probs = self.probabilities(comps, totals)
        ids = [c.account_id for c in comps.candidates]
        # by calibrated probability (which may weigh the leads), then by total; only the
        # ones returned become MatchResults (with their explanation). The exclusive
        # calibration ranks by the evidence (total) alone: its probability also reads the
        # removed account's other possible successors, which decides the flag, not the order
        # (a removed account may come back more than once)
        if self.model.calibration.method == "exclusive":
            order = sorted(range(len(ids)), key=lambda i: (-totals[i], ids[i]))
        else:
            order = sorted(range(len(ids)), key=lambda i: (-probs[i], -totals[i], ids[i]))
        made: dict[tuple[int, int], SignalWeight] = {}
        order = order[: top_k or self.config.top_k]
        return [self._result(comps, i, totals[i], probs[i], bool(probs[i] >= explain_from), made)
                for i in order]

    def score(
        self, account: Account, posts: Sequence[Post] = (), top_k: int | None = None,
        explain_from: float = 0.0,
    ) -> list[MatchResult]:
        """Rank the removed accounts this (active) account may continue, best first. A
        caller that acts only on results of some probability (``explain_from``) has the
        others without their explanation, which is a sizeable part of a score's cost."""
        return self.score_profile(build_profile(account, posts, self.platform), top_k,
                                  explain_from)

    def link_all(
        self,
        accounts: Iterable[Account],
        posts: Iterable[Post],
        top_k: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, list[MatchResult]]:
        """Batch: index every removed account in the input, then rank candidates for every
        active one. Uses nothing but the input."""
        return self.score_batch(self.load(accounts, posts), top_k, progress)

    def score_batch(
        self,
        profiles: Sequence[AccountProfile],
        top_k: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        jobs: int = 1,
        explain_from: float = 0.0,
    ) -> dict[str, list[MatchResult]]:
        """Rank candidates for many new accounts at once: every first pass runs (and is
        recorded as a possible successor) before any second pass, so the reciprocal rank and
        the successor lead see the whole batch — and each first pass runs once, not once to
        record and again to score. Holds the ``keep`` best comparisons of every account of
        the batch until the end: batch callers pass chunks, not a platform's every account.
        ``jobs`` forked workers share the batch (``linkage.batch``): the same answer. Results
        with a probability below ``explain_from`` come without their explanation (as in
        :meth:`score`): an answer file needs none."""
        return score_batch(self, profiles, top_k, progress, jobs, explain_from)

    def load(self, accounts: Iterable[Account], posts: Iterable[Post], jobs: int = 1
             ) -> list[AccountProfile]:
        """Index the removed accounts of a batch and observe its active ones; returns the
        active profiles. ``jobs`` worker processes build the profiles (the same profiles for
        any number) while this one indexes those already built, piece by piece in order."""
        by_acc: dict[str, list[Post]] = defaultdict(list)
        for p in posts:
            by_acc[p.account_id].append(p)
        accounts = list(accounts)
        pieces = ranges(len(accounts), jobs * 16 if jobs > 1 else 1)
        actives = []
        with self.bulk():
            for part in fork_imap(_profiles_of, (accounts, by_acc, self.platform), pieces,
                                  jobs):
                self.add_removed_profiles([p for p in part if p.is_removed])
                actives.extend(p for p in part if not p.is_removed)
        self.observe_many(actives)
        return actives


def _other_totals(successors: Mapping[str, float] | None, active_id: str) -> np.ndarray:
    """The first-pass totals of a removed account's possible successors other than
    ``active_id``, in the order recorded. A stream worker's successor lists grow with every
    account it has scored (hundreds per removed account); read in C rather than by a Python
    loop over each of them for every candidate of every score. The same values in the same
    order as the loop: sums over them are the same to the last bit."""
    if not successors:
        return np.zeros(0)
    totals = np.fromiter(successors.values(), dtype=float, count=len(successors))
    if active_id in successors:
        i = list(successors).index(active_id)
        totals = np.concatenate((totals[:i], totals[i + 1:]))
    return totals


def _profiles_of(shared: tuple[list[Account], Mapping[str, Sequence[Post]], PlatformProfile],
                 piece: tuple[int, int]) -> list[AccountProfile]:
    """The profiles of one contiguous piece of a batch's accounts (a worker's share)."""
    accounts, by_acc, platform = shared
    return build_profiles(accounts[piece[0]:piece[1]], by_acc, platform)
