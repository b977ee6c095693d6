"""The removed set in shards: each shard holds its part, every new account is scored by all of
them and the answers are merged into the answer one linker holding everything would give.

Three things make a merged answer equal to one index's (docs/scale.md):

- **Counts are sums.** A shard holds the profile, indexes, columns *and counts* only of the
  accounts assigned to it (:func:`shard_of`). A score reads counts (rarity statistics, term
  frequencies, how many accounts share each name gram and token, which decides whether it
  is too common to block on) of the values it asks about only: the merger asks every shard
  for its counts of those values and sends the totals with its requests
  (:mod:`tarazu.linkage.shard_counts`), so a shard's memory falls with the number of shards.
- **Caps are applied after the merge.** A shard proposes its candidates with what the caps
  order them by (bands shared with the text, time of removal, indexes in agreement); the
  merger keeps the text index's best, the nearest removals and the ``max_full`` most
  supported over all shards.
- **Everything that reads all candidates is merged.** A shard compares the new account with
  its own candidates, comparator by comparator (:meth:`MirrorLinker._base_columns`); the
  merger computes the ranks among candidates, totals, second-pass leads, probabilities,
  order and explanation, with the very code of :class:`MirrorLinker` (it is one, whose
  candidates and comparisons come from the shards). The comparators that count holders
  among the candidates (``Comparator.READS_PEERS``: own handle, own avatar, own media) are
  computed by the merger too, from the :class:`Traits` the shards send; and the merger keeps
  who else may continue each removed account (the successors), written from merged totals.

A shard is reached through :class:`ShardPort`, four calls whose answers are plain data
(:mod:`tarazu.linkage.shard_protocol` turns them into JSON): :class:`ShardLinker` answers in
the same process, an adapter over a message broker answers from another. A shard that does
not answer makes the answer *incomplete* (:attr:`MatchResult.complete`), which
``policy.decide`` never turns into an automated action."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

import numpy as np

from tarazu.domain.platform import Account, Post
from tarazu.linkage.blocking import COUNTED_INDEXES, TextLSHIndex, TimeIndex
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.levels import MISSING, ComparisonResult
from tarazu.linkage.linker import Comparisons, LinkerConfig, MirrorLinker, most_supported
from tarazu.linkage.model import LinkageModel
from tarazu.linkage.profile import AccountProfile, build_profile
from tarazu.linkage.result import MatchResult
from tarazu.linkage.shard_counts import (
    Counts,
    Keys,
    SummedCorpus,
    blocking_totals,
    candidate_keys,
    local_counts,
    profile_keys,
    summed_tf,
    union_keys,
    unknown,
)

T = TypeVar("T")


def _weight(shard: str, account_id: str) -> int:
    digest = hashlib.blake2b(f"{shard}\x00{account_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def shard_names(of: int) -> list[str]:
    """The names of ``of`` shards, as the merger, the feed and every shard name them."""
    return [str(k) for k in range(of)]


def shard_of(account_id: str, shards: Sequence[str]) -> str:
    """The shard holding ``account_id``: rendezvous (highest random weight) hashing, stable
    across processes and runs, and adding a shard moves only the accounts that go to it."""
    if not shards:
        raise ValueError("no shards")
    return max(shards, key=lambda s: (_weight(s, account_id), s))


@dataclass(frozen=True)
class Traits:
    """What the comparators that read the other candidates (``Comparator.READS_PEERS``: how
    many candidates hold the run of a handle, a near copy of a picture) read of a candidate."""

    handle: str
    handle_key: str
    name_tokens: frozenset[str]
    avatar_pdq: str | None
    media_pdq: tuple[str, ...]

    @classmethod
    def of(cls, p: AccountProfile) -> Traits:
        return cls(p.handle, p.handle_key, frozenset(p.name_tokens), p.avatar_pdq,
                   tuple(p.media_pdq))


@dataclass(frozen=True)
class Proposals:
    """A shard's candidates for one new account, with what the merger needs to cut them as
    one index would."""

    #: account id -> how many of the uncapped indexes (names, pictures, tokens) propose it
    votes: dict[str, int]
    #: (account id, text bands shared, removal order) of the text index's best, at most its
    #: cap, best first; the removal order (over all shards) breaks ties as one index does
    text: list[tuple[str, int, int]]
    #: (account id, removal timestamp) of the shard's nearest removals in time
    near: list[tuple[str, float]]
    #: every account proposed above -> its removal timestamp (None: unknown)
    removed_at: dict[str, float | None]
    #: the accounts proposed that the new account may continue (``MirrorLinker.may_continue``)
    live: list[str]
    #: what the merger reads of each of the ``live`` accounts (:class:`Traits`)
    traits: dict[str, Traits]


@dataclass(frozen=True)
class Compared:
    """A shard's comparison of one new account with some of its accounts."""

    #: comparator -> one result per account asked about, in the order asked
    results: dict[str, list[ComparisonResult]]
    #: (account id, comparator, frequency, value) of the term-frequency adjusted comparators'
    #: top-level matches (``TermFrequencies.shared_frequency``)
    tf: list[tuple[str, str, float, str]]


class ShardUnavailable(Exception):
    """A shard did not answer (in time)."""


class ShardPort(Protocol):
    """What the merger asks of a shard, in the order of a score: its counts of the new
    account's values; its candidates (told the totals of those counts that blocking reads);
    which values of some of its candidates it would read the counts of; its comparison of the
    new account with them (told the totals it reads)."""

    def counts(self, keys: Keys) -> Counts: ...

    def propose(self, profile: AccountProfile, totals: Counts) -> Proposals: ...

    def needs(self, profile: AccountProfile, ids: Sequence[str]) -> Keys: ...

    def compare_part(self, profile: AccountProfile, ids: Sequence[str],
                     estimated: frozenset[str], only: frozenset[str] | None,
                     totals: Counts) -> Compared: ...


class ShardLinker(MirrorLinker):
    """One shard: a linker holding the accounts assigned to it (:meth:`hold`), and counting
    only them; it answers the calls of :class:`ShardPort` with the totals it is told. (Its
    own ``score`` reads its own counts: the answer of its part alone.)"""

    def __init__(self, model: LinkageModel, config: LinkerConfig | None = None) -> None:
        super().__init__(model, config)
        #: account id -> its position among the removals of all shards (the text index's
        #: ties are broken by it, as one index breaks them by order of insertion)
        self.order: dict[str, int] = {}
        #: the position in the feed of the last event taken (``linkage.shard_feed``)
        self.position = 0

    def hold(self, profile: AccountProfile, position: int,
             text_signature: np.ndarray | None = None) -> None:
        """Index an account assigned to this shard (not held before: withdraw it first),
        removed at ``position`` among the removals of all shards (given by whoever feeds
        them, increasing)."""
        if profile.account_id in self.removed:
            raise ValueError(f"{profile.account_id!r} is held already; withdraw it first")
        self.order[profile.account_id] = position
        self.add_removed_profile(profile, text_signature)

    def withdraw(self, account_id: str) -> AccountProfile | None:
        self.order.pop(account_id, None)
        return super().withdraw(account_id)

    def counts(self, keys: Keys) -> Counts:
        return local_counts(self, keys)

    def propose(self, profile: AccountProfile, totals: Counts) -> Proposals:
        votes: Counter[str] = Counter()
        text: list[tuple[str, int, int]] = []
        near: list[tuple[str, float]] = []
        for ix in self.blocker.indexes:
            if isinstance(ix, TextLSHIndex):
                order = self.order
                ranked = sorted(((i, n, order[i]) for i, n in ix.ranked(profile)),
                                key=lambda x: (-x[1], x[2]))
                text = ranked if ix.max_candidates is None else ranked[: ix.max_candidates]
            elif isinstance(ix, TimeIndex):
                near = sorted((i, ix.at[i]) for i in ix.query(profile))
            elif isinstance(ix, COUNTED_INDEXES):
                votes.update(ix.query(profile, *blocking_totals(totals, ix.NAME)))
            else:
                votes.update(ix.query(profile))
        ids = set(votes) | {x[0] for x in text} | {x[0] for x in near}
        removed_at = {i: self._removal_times.get(i) for i in sorted(ids)}
        live = [i for i in removed_at if i in self.removed and self.may_continue(profile, i)]
        traits = {i: Traits.of(self.removed[i]) for i in live}
        return Proposals(dict(votes), text, near, removed_at, live, traits)

    def needs(self, profile: AccountProfile, ids: Sequence[str]) -> Keys:
        return candidate_keys(self.removed[i] for i in ids)

    def compare_part(self, profile: AccountProfile, ids: Sequence[str],
                     estimated: frozenset[str], only: frozenset[str] | None,
                     totals: Counts) -> Compared:
        cands = [self.removed[i] for i in ids]
        cols = self._base_columns(profile, cands, estimated, only, SummedCorpus(totals))
        tf = []
        freq = summed_tf(self.tf, totals)
        for name in freq.readers:
            for i, r in enumerate(cols.get(name, ())):
                if r.level == 0:
                    found = freq.shared_frequency(name, profile, cands[i])
                    if found is not None:
                        tf.append((ids[i], name, found[0], found[1]))
        return Compared({n: list(c) for n, c in cols.items()}, tf)


@dataclass(eq=False)
class Candidate:
    """A candidate as the merger knows it: its id, the shard holding it, its :class:`Traits`
    (as attributes: the comparators that read the other candidates read them as they read a
    profile), and the shard's term frequencies of the values it shares with the new
    account."""

    account_id: str
    shard: int
    handle: str
    handle_key: str
    name_tokens: frozenset[str]
    avatar_pdq: str | None
    media_pdq: tuple[str, ...]
    tf: dict[str, tuple[float, str]] = field(default_factory=dict)


class ShardedLinker(MirrorLinker):
    """The merger: a :class:`MirrorLinker` whose candidates and pairwise comparisons come
    from shards; everything else (ranks, totals, second pass, probabilities, order,
    explanation, the successors recorded) is the linker's own code over the merged columns.

    Removals reach the shards by whoever feeds them (:class:`LocalShards` in one process);
    this object only scores. ``incomplete`` holds the new accounts whose last answer missed a
    shard."""

    def __init__(self, model: LinkageModel, shards: Sequence[ShardPort],
                 config: LinkerConfig | None = None, parallel: bool = False) -> None:
        """``parallel``: ask the shards at once, each from a thread (for shards in other
        processes, whose calls wait on the network; in this process they would only take
        turns)."""
        super().__init__(model, config)
        peer_tf = sorted(c.NAME for c in self.base if c.READS_PEERS and c.NAME in self.tf.readers)
        if peer_tf:  # its frequencies would come from no shard
            raise ValueError(f"term-frequency adjusted comparators read peers: {peer_tf}")
        self.shards = list(shards)
        self._pool = ThreadPoolExecutor(len(self.shards)) if parallel and shards else None
        self.incomplete: set[str] = set()
        self._missed: set[int] = set()  # shards that failed during the current first pass
        #: the new account being scored, the totals of its values' counts, and per shard
        #: (the ids compared there, the totals of the counts they read)
        self._counted: tuple[AccountProfile, Counts, dict[int, tuple[set[str], Counts]]
                             ] | None = None
        self._text_cap = next((ix.max_candidates for ix in self.blocker.indexes
                               if isinstance(ix, TextLSHIndex)), None)
        self._nearest = next((ix.nearest for ix in self.blocker.indexes
                              if isinstance(ix, TimeIndex)), 0)

    def close(self) -> None:
        """Stop the threads that ask the shards at once (if any)."""
        if self._pool is not None:
            self._pool.shutdown()

    def _ask(self, k: int, call: Callable[[ShardPort], T]) -> T | None:
        if k in self._missed:  # the answer is incomplete already: no second wait
            return None
        try:
            return call(self.shards[k])
        except ShardUnavailable:
            self._missed.add(k)
            return None

    def _gather(self, calls: Sequence[tuple[int, Callable[[ShardPort], T]]]
                ) -> list[tuple[int, T]]:
        """The answers of the shards that answered, in the order asked."""
        if self._pool is None or len(calls) < 2:
            got = [(k, self._ask(k, call)) for k, call in calls]
        else:
            futures = [(k, self._pool.submit(self._ask, k, call)) for k, call in calls]
            got = [(k, f.result()) for k, f in futures]
        return [(k, r) for k, r in got if r is not None]

    def _sum(self, keys: Keys) -> Counts:
        """Every shard's counts of ``keys``, summed (of those that answered)."""
        got = self._gather([(k, lambda s: s.counts(keys)) for k in range(len(self.shards))])
        return Counts.total(keys, [c for _, c in got])

    def _profile_totals(self, profile: AccountProfile) -> Counts:
        """The totals of the counts of the new account's values (asked once per account)."""
        if self._counted is None or self._counted[0] is not profile:
            self._counted = (profile, self._sum(profile_keys(self, profile)), {})
        return self._counted[1]

    def _shard_totals(self, profile: AccountProfile, by_shard: dict[int, list[str]]
                      ) -> dict[int, Counts]:
        """For each shard asked to compare ``by_shard[k]``, the totals its comparison reads:
        those of the new account's values and of its candidates' own."""
        known = self._profile_totals(profile)
        done = self._counted[2]  # type: ignore[index]
        todo = {k: ids for k, ids in by_shard.items()
                if k not in done or not done[k][0].issuperset(ids)}
        if todo:
            needs = {k: unknown(keys, known.keys) for k, keys in self._gather(
                [(k, lambda s, ids=ids: s.needs(profile, ids)) for k, ids in todo.items()])}
            extra = self._sum(union_keys(needs.values()))
            for k, keys in needs.items():
                done[k] = (set(todo[k]), known.union(extra.pick(keys)))
        return {k: done[k][1] for k in by_shard if k in done}

    def candidates(self, profile: AccountProfile) -> list[AccountProfile]:
        totals = self._profile_totals(profile).only("block:", "size:")
        replies = self._gather([(k, lambda s: s.propose(profile, totals))
                                for k in range(len(self.shards))])
        votes: Counter[str] = Counter()
        for _, r in replies:
            votes.update(r.votes)
        text = sorted((x for _, r in replies for x in r.text), key=lambda x: (-x[1], x[2]))
        votes.update(x[0] for x in (text if self._text_cap is None else text[: self._text_cap]))
        near = TimeIndex(self._nearest)
        for _, r in replies:
            for i, t in r.near:
                near.add_time(i, t)
        if self._nearest:
            votes.update(near.query(profile))
        votes.pop(profile.account_id, None)
        owner = {i: (k, r.traits[i]) for k, r in replies for i in r.live}
        removed_at = {i: t for _, r in replies for i, t in r.removed_at.items()}
        live_ids = {i for _, r in replies for i in r.live}
        live = {i: v for i, v in votes.items() if i in live_ids}
        cap = self.config.max_full
        if cap is None:
            ids = sorted(live)
        else:
            t0 = profile.created_at.timestamp()

            def gap(i: str) -> float:
                at = removed_at.get(i)
                return abs(t0 - at) if at is not None else float("inf")

            ids = most_supported(live, cap, gap)
        return [Candidate(i, owner[i][0], **vars(owner[i][1]))  # type: ignore[misc]
                for i in ids]

    def _base_columns(self, profile: AccountProfile, candidates: Sequence[AccountProfile],
                      estimated: frozenset[str] = frozenset(),
                      only: frozenset[str] | None = None, corpus: Corpus | None = None
                      ) -> dict[str, tuple[ComparisonResult, ...]]:
        cands: Sequence[Candidate] = candidates  # type: ignore[assignment]
        wanted = [c for c in self.base if only is None or c.NAME in only]
        # the comparators that read the other candidates are computed here, over all of them
        peers = {c.NAME: c for c in wanted if c.READS_PEERS}
        names = [c.NAME for c in wanted if not c.READS_PEERS]
        cols: dict[str, list[ComparisonResult]] = {
            n: [ComparisonResult(n, MISSING, "missing", ("", ""))] * len(cands) for n in names}
        asked = frozenset(names)
        by_shard: dict[int, list[int]] = {}
        for i, c in enumerate(cands):
            by_shard.setdefault(c.shard, []).append(i)
        ids = {k: [cands[i].account_id for i in idx] for k, idx in by_shard.items()}
        totals = self._shard_totals(profile, ids) if ids else {}
        asks = [(k, lambda s, k=k: s.compare_part(profile, ids[k], estimated, asked, totals[k]))
                for k in by_shard if k in totals]
        for k, got in self._gather(asks):  # a shard that did not answer: its candidates
            idx = by_shard[k]              # stay missing, and the answer is incomplete
            for n in names:
                col = cols[n]
                for i, r in zip(idx, got.results[n], strict=True):
                    col[i] = r
            at = {cands[i].account_id: cands[i] for i in idx}
            for aid, name, freq, value in got.tf:
                at[aid].tf[name] = (freq, value)
        out = {n: tuple(c) for n, c in cols.items()}
        for name, comp in peers.items():
            out[name] = tuple(
                (comp.estimate(profile, b, self.corpus) for b in cands) if name in estimated
                else comp.compare_many(profile, cands, self.corpus))  # type: ignore[arg-type]
        return out

    def _shared_frequency(self, comps: Comparisons, i: int, name: str
                          ) -> tuple[float, str] | None:
        return comps.candidates[i].tf.get(name)  # type: ignore[attr-defined]

    def first_pass(self, profile: AccountProfile, keep: int | None = None
                   ) -> tuple[Comparisons, np.ndarray] | None:
        self._missed = set()
        self._counted = None
        try:
            out = super().first_pass(profile, keep)
        finally:
            self._counted = None  # the counts change with the next removal
        if self._missed:
            self.incomplete.add(profile.account_id)
        else:
            self.incomplete.discard(profile.account_id)
        return out

    def _finish(self, first: tuple[Comparisons, np.ndarray] | None, top_k: int | None,
                explain_from: float = 0.0) -> list[MatchResult]:
        out = super()._finish(first, top_k, explain_from)
        if first is not None and first[0].active.account_id in self.incomplete:
            out = [replace(r, complete=False) for r in out]
        return out

    def add_removed_profile(self, profile: AccountProfile,
                            text_signature: np.ndarray | None = None) -> None:
        raise NotImplementedError("removals reach the shards, not the merger (LocalShards)")

    def observe(self, profile: AccountProfile) -> None:
        raise NotImplementedError("active accounts are counted by the shards (LocalShards)")

    def observe_many(self, profiles: Sequence[AccountProfile]) -> None:
        raise NotImplementedError("active accounts are counted by the shards (LocalShards)")


class LocalShards:
    """Shards in one process, fed every removal, withdrawal and observed account: each goes
    to the shard that holds it (:func:`shard_of`) and to no other. ``linker`` scores over
    them."""

    def __init__(self, model: LinkageModel, n: int, config: LinkerConfig | None = None
                 ) -> None:
        self.names = [str(k) for k in range(n)]
        self.shards = [ShardLinker(model, config) for _ in range(n)]
        self.linker = ShardedLinker(model, self.shards, config)
        self.position = 0  # removals fed so far (re-adds included)

    def owner(self, account_id: str) -> ShardLinker:
        return self.shards[self.names.index(shard_of(account_id, self.names))]

    def add_removed_profile(self, profile: AccountProfile,
                            text_signature: np.ndarray | None = None) -> None:
        owner = self.owner(profile.account_id)
        if profile.account_id in owner.removed:  # added again: as one linker does
            owner.withdraw(profile.account_id)
        owner.hold(profile, self.position, text_signature)
        self.position += 1

    def add_removed(self, account: Account, posts: Sequence[Post] = ()) -> AccountProfile:
        profile = build_profile(account, posts, self.linker.platform)
        self.add_removed_profile(profile)
        return profile

    def add_all(self, profiles: Iterable[AccountProfile]) -> None:
        for p in profiles:
            self.add_removed_profile(p)

    def add_removed_profiles(self, profiles: Sequence[AccountProfile],
                             text_signatures: Sequence[np.ndarray | None] | None = None
                             ) -> None:
        """Each to its shard, in order (the shards' positions are the order of removal)."""
        sigs = text_signatures if text_signatures is not None else [None] * len(profiles)
        for p, sig in zip(profiles, sigs, strict=True):
            self.add_removed_profile(p, sig)

    def withdraw(self, account_id: str) -> None:
        self.owner(account_id).withdraw(account_id)

    def observe(self, profile: AccountProfile) -> None:
        self.owner(profile.account_id).observe(profile)
