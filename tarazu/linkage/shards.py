"""The removed set in shards: each shard holds its part, every new account is scored by all of
them and the answers are merged into the answer one linker holding everything would give.

Three things make a merged answer equal to one index's (docs/scale.md):

- **Counts are global.** Every shard sees every removal and withdrawal; it keeps the profile,
  indexes and columns only of the accounts assigned to it (:func:`shard_of`) and counts the
  others (rarity statistics, term frequencies, and how many accounts share each name and
  token, which decides whether a token is too common to block on).
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

A shard is reached through :class:`ShardPort`, two calls whose answers are plain data
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
from tarazu.linkage.blocking import TextLSHIndex, TimeIndex
from tarazu.linkage.levels import MISSING, ComparisonResult
from tarazu.linkage.linker import Comparisons, LinkerConfig, MirrorLinker, most_supported
from tarazu.linkage.model import LinkageModel
from tarazu.linkage.profile import AccountProfile, build_profile
from tarazu.linkage.result import MatchResult

T = TypeVar("T")


def _weight(shard: str, account_id: str) -> int:
    digest = hashlib.blake2b(f"{shard}\x00{account_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


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
    """What the merger asks of a shard."""

    def propose(self, profile: AccountProfile) -> Proposals: ...

    def compare_part(self, profile: AccountProfile, ids: Sequence[str],
                     estimated: frozenset[str], only: frozenset[str] | None) -> Compared: ...


class ShardLinker(MirrorLinker):
    """One shard: a linker holding the accounts assigned to it (:meth:`hold`) and counting
    the others (:meth:`count`), so that its rarity statistics are those of the whole set."""

    def __init__(self, model: LinkageModel, config: LinkerConfig | None = None) -> None:
        super().__init__(model, config)
        self._added = 0  # removals seen on all shards: their order, for the text index's ties
        self._order: dict[str, int] = {}

    def hold(self, profile: AccountProfile, text_signature: np.ndarray | None = None) -> None:
        """Index an account assigned to this shard (not held before: withdraw it first)."""
        if profile.account_id in self.removed:
            raise ValueError(f"{profile.account_id!r} is held already; withdraw it first")
        self._order[profile.account_id] = self._added
        self._added += 1
        self.add_removed_profile(profile, text_signature)

    def count(self, profile: AccountProfile, sign: int = 1) -> None:
        """Count (+1: its removal) or uncount (-1: its withdrawal) an account another shard
        holds."""
        if sign > 0:
            self._added += 1
            self.corpus.add(profile)
        else:
            self.corpus.remove(profile)
        self.tf.add(profile, sign)
        self.blocker.count_elsewhere(profile, sign)

    def withdraw(self, account_id: str) -> AccountProfile | None:
        self._order.pop(account_id, None)
        return super().withdraw(account_id)

    def propose(self, profile: AccountProfile) -> Proposals:
        votes: Counter[str] = Counter()
        text: list[tuple[str, int, int]] = []
        near: list[tuple[str, float]] = []
        for ix in self.blocker.indexes:
            if isinstance(ix, TextLSHIndex):
                order = self._order
                ranked = sorted(((i, n, order[i]) for i, n in ix.ranked(profile)),
                                key=lambda x: (-x[1], x[2]))
                text = ranked if ix.max_candidates is None else ranked[: ix.max_candidates]
            elif isinstance(ix, TimeIndex):
                near = sorted((i, ix.at[i]) for i in ix.query(profile))
            else:
                votes.update(ix.query(profile))
        ids = set(votes) | {x[0] for x in text} | {x[0] for x in near}
        removed_at = {i: self._removal_times.get(i) for i in sorted(ids)}
        live = [i for i in removed_at if i in self.removed and self.may_continue(profile, i)]
        traits = {i: Traits.of(self.removed[i]) for i in live}
        return Proposals(dict(votes), text, near, removed_at, live, traits)

    def compare_part(self, profile: AccountProfile, ids: Sequence[str],
                     estimated: frozenset[str] = frozenset(),
                     only: frozenset[str] | None = None) -> Compared:
        cands = [self.removed[i] for i in ids]
        cols = self._base_columns(profile, cands, estimated, only)
        tf = []
        for name in self.tf.readers:
            for i, r in enumerate(cols.get(name, ())):
                if r.level == 0:
                    found = self.tf.shared_frequency(name, profile, cands[i])
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
        self._text_cap = next((ix.max_candidates for ix in self.blocker.indexes
                               if isinstance(ix, TextLSHIndex)), None)
        self._nearest = next((ix.nearest for ix in self.blocker.indexes
                              if isinstance(ix, TimeIndex)), 0)

    def close(self) -> None:
        """Stop the threads that ask the shards at once (if any)."""
        if self._pool is not None:
            self._pool.shutdown()

    def _ask(self, k: int, call: Callable[[ShardPort], T]) -> T | None:
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

    def candidates(self, profile: AccountProfile) -> list[AccountProfile]:
        replies = self._gather([(k, lambda s: s.propose(profile))
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
                      only: frozenset[str] | None = None
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
        asks = [(k, lambda s, ids=[cands[i].account_id for i in idx]:
                 s.compare_part(profile, ids, estimated, asked))
                for k, idx in by_shard.items()]
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
        out = super().first_pass(profile, keep)
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


class LocalShards:
    """Shards in one process, fed every removal, withdrawal and observed account: the owner
    holds a removed account, the others count it. ``linker`` scores over them."""

    def __init__(self, model: LinkageModel, n: int, config: LinkerConfig | None = None
                 ) -> None:
        self.names = [str(k) for k in range(n)]
        self.shards = [ShardLinker(model, config) for _ in range(n)]
        self.linker = ShardedLinker(model, self.shards, config)

    def owner(self, account_id: str) -> ShardLinker:
        return self.shards[self.names.index(shard_of(account_id, self.names))]

    def add_removed_profile(self, profile: AccountProfile,
                            text_signature: np.ndarray | None = None) -> None:
        owner = self.owner(profile.account_id)
        if profile.account_id in owner.removed:  # added again: as one linker does
            self.withdraw(profile.account_id)
        for s in self.shards:
            if s is owner:
                s.hold(profile, text_signature)
            else:
                s.count(profile, +1)

    def add_removed(self, account: Account, posts: Sequence[Post] = ()) -> AccountProfile:
        profile = build_profile(account, posts, self.linker.platform)
        self.add_removed_profile(profile)
        return profile

    def add_all(self, profiles: Iterable[AccountProfile]) -> None:
        for p in profiles:
            self.add_removed_profile(p)

    def withdraw(self, account_id: str) -> None:
        owner = self.owner(account_id)
        profile = owner.withdraw(account_id)
        if profile is not None:
            for s in self.shards:
                if s is not owner:
                    s.count(profile, -1)

    def observe(self, profile: AccountProfile) -> None:
        for s in self.shards:
            s.observe(profile)
