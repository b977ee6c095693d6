"""Candidate indexes ("blocking"): which removed accounts are worth comparing with a new one.

Each index answers from its own evidence (name grams, text MinHash, PDQ, shared tokens, time)
in time that grows with the size of the answer, not with the number of removed accounts. The
union of their answers is compared in full. Every index supports incremental ``add`` (an
account is removed) and ``remove`` (it is reinstated), and is derived from the profiles alone:
nothing is pickled; rebuild by adding the records again (a start from a snapshot restores the
text and picture indexes from plain arrays instead, checked against the profiles first:
``linkage.snapshot_restore``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Protocol

import numpy as np
from datasketch import MinHash
from sortedcontainers import SortedList

from tarazu.linkage.lsh import FlatLSH, banding
from tarazu.linkage.postings import Postings
from tarazu.linkage.profile import AccountProfile
from tarazu.signals.base import InvalidSignal
from tarazu.signals.index import IndexedHash
from tarazu.signals.pdq import PdqSignal
from tarazu.signals.pdq_index import PdqIndex


class CandidateIndex(Protocol):
    NAME: str

    def add(self, p: AccountProfile) -> None: ...
    def remove(self, account_id: str, profile: AccountProfile | None = None) -> None:
        """``profile``: the one that was added (an index that keeps no copy of what it was
        added with reads it again from the profile; the linker holds it)."""
        ...
    def query(self, p: AccountProfile) -> set[str]: ...


def _added(account_id: str, profile: AccountProfile | None) -> AccountProfile:
    """The profile an account was added with, which an index without a reverse map needs to
    remove it."""
    if profile is None or profile.account_id != account_id:
        raise ValueError(f"removing {account_id!r} from a token index needs the profile it "
                         "was added with")
    return profile


def _grams(key: str, n: int = 3) -> set[str]:
    if len(key) < n:
        return {key} if key else set()
    return {key[i : i + n] for i in range(len(key) - n + 1)}


class NameIndex:
    """Character trigrams of handle keys and name tokens: finds ``umar_med1a`` from
    ``umarmedia2``. Trigrams held by more than ``max_postings`` accounts are skipped."""

    NAME = "names"

    def __init__(self, min_shared: int = 3, max_postings: int = 500) -> None:
        self.min_shared, self.max_postings = min_shared, max_postings
        self.p = Postings()
        self.size = 0  # accounts indexed (an account is removed only if it was added)

    def tokens(self, p: AccountProfile) -> set[object]:
        toks: set[object] = set(_grams(p.handle_key))
        toks |= {("tok", t) for t in p.name_tokens if len(t) >= 4 and not t.isdigit()}
        return toks

    def add(self, p: AccountProfile) -> None:
        self.add_many((p,))

    def add_many(self, profiles: Sequence[AccountProfile]) -> None:
        tokens = self.tokens
        self.p.add_many(((p.account_id, tokens(p)) for p in profiles), len(profiles))
        self.size += len(profiles)

    def remove(self, account_id: str, profile: AccountProfile | None = None) -> None:
        self.p.remove(account_id, self.tokens(_added(account_id, profile)))
        self.size -= 1

    def compact(self) -> None:
        """Fold what was added a batch at a time into the postings' arrays
        (``Postings.compact``)."""
        self.p.compact()

    def gather(self, on: bool) -> None:
        """While on, batches are gathered for one fold (``Postings.gathering``)."""
        self.p.gathering = on

    def query(self, p: AccountProfile, held: Mapping[object, int] | None = None,
              size: int | None = None) -> set[str]:
        """``held`` and ``size``: how many removed accounts hold each of ``p``'s tokens and
        how many are indexed, in all (a shard holding part of the removed set is told the
        totals, ``linkage.shard_counts``); None: as this index holds them."""
        common = max(10, (self.size if size is None else size) // 20)  # in 5 % of names: no clue
        cap = min(self.max_postings, common)
        tokens = list(self.tokens(p))
        kept, keys = self.p.within(tokens, cap, None if held is None else
                                   [held[t] for t in tokens])
        # a whole token suffices; a gram is one vote
        return self.p.voted(kept, [self.min_shared if isinstance(t, tuple) else 1
                                   for t in kept], self.min_shared, keys)


class TextLSHIndex:
    """MinHash LSH over the accounts' content words: accounts whose vocabularies overlap above
    roughly ``threshold`` Jaccard (datasketch's MinHash and banding, bands kept in flat arrays:
    :class:`tarazu.linkage.lsh.FlatLSH`). At most ``max_candidates`` are proposed, those
    sharing the most bands: at a low threshold the buckets grow with the removed set (about 700
    accounts proposed per query at 100k synthetic removed accounts), and every proposal costs
    time in ranking the candidates although at most ``LinkerConfig.max_full`` are compared."""

    NAME = "text_lsh"

    def __init__(self, threshold: float = 0.15, num_perm: int = 64, seed: int = 7,
                 max_candidates: int | None = 200) -> None:
        self.num_perm, self.seed = num_perm, seed
        self.max_candidates = max_candidates
        self.lsh = FlatLSH(*banding(threshold, num_perm))
        # the seed's permutations, drawn once: datasketch otherwise draws them again for
        # every MinHash (a random generator seeded per account, a sizeable part of ``add``)
        template = MinHash(num_perm=num_perm, seed=seed, hashfunc=int)
        self._scheme = template.scheme
        self._permutations = template.permutations

    def _minhash(self, p: AccountProfile) -> np.ndarray | None:
        if not p.content_words.size:
            return None
        if self._scheme == "affine32":  # datasketch's default: one compiled pass
            from tarazu.linkage.columnar.kernels import affine32_minhash

            return affine32_minhash(p.content_words, *self._permutations)
        # the words are already hashed (32-bit, stable across processes): no second hash
        m = MinHash(num_perm=self.num_perm, seed=self.seed, hashfunc=int,
                    permutations=self._permutations, scheme=self._scheme)
        m.update_batch(p.content_words.tolist())
        return m.hashvalues

    def add(self, p: AccountProfile) -> None:
        if p.account_id in self.lsh:
            return
        hv = self._minhash(p)
        if hv is not None:
            self.lsh.insert(p.account_id, hv)

    def signature(self, p: AccountProfile) -> np.ndarray | None:
        """The account's MinHash signature (``num_perm`` uint64; None without content words):
        what a snapshot keeps so that loading it need not hash every vocabulary again."""
        return self._minhash(p)

    def add_signature(self, account_id: str, signature: np.ndarray) -> None:
        """Index an account by a signature computed before (by :meth:`signature`)."""
        if account_id not in self.lsh:
            self.lsh.insert(account_id, signature)

    def add_many(self, profiles: Sequence[AccountProfile],
                 signatures: Sequence[np.ndarray | None] | None = None) -> None:
        """:meth:`add` (or, where a signature is given, :meth:`add_signature`) for many
        accounts, the LSH taking them in together; an account held, or given again, is
        skipped as one by one."""
        items, hvs, seen = [], [], set()
        given = signatures if signatures is not None else [None] * len(profiles)
        for p, sig in zip(profiles, given, strict=True):
            if p.account_id in self.lsh or p.account_id in seen:
                continue
            hv = sig if sig is not None else self._minhash(p)
            if hv is not None:
                seen.add(p.account_id)
                items.append(p.account_id)
                hvs.append(hv)
        self.lsh.insert_many(items, hvs)

    def remove(self, account_id: str, profile: AccountProfile | None = None) -> None:
        self.lsh.remove(account_id)

    def query(self, p: AccountProfile) -> set[str]:
        hv = self._minhash(p)
        return self.lsh.query(hv, self.max_candidates) if hv is not None else set()

    def ranked(self, p: AccountProfile) -> list[tuple[str, int]]:
        """Every account :meth:`query` may propose with the number of bands it shares, in
        the order the cap keeps them (most bands first, then insertion order), uncapped."""
        hv = self._minhash(p)
        return self.lsh.ranked(hv) if hv is not None else []


class AvatarPdqBlocker:
    """Avatars and post media by PDQ Hamming distance, on the hash banks' own index
    (:class:`tarazu.signals.pdq_index.PdqIndex`): every removed account with a hash within
    ``max_distance`` bits of one of the query's, none missed. An invalid hash is no candidate
    and no error. A withdrawn account's hashes are removed from the index at once."""

    NAME = "pdq"

    def __init__(self, max_distance: int = 31) -> None:
        self.max_distance = max_distance
        self._index = PdqIndex(PdqSignal)
        self._entries: dict[str, tuple[int, ...]] = {}  # account id -> entry ids
        self._owner: dict[int, str] = {}  # entry id -> account id
        self._next = 1

    @staticmethod
    def _hashes(p: AccountProfile) -> list[str]:
        hs = ([p.avatar_pdq] if p.avatar_pdq else []) + list(p.media_pdq)
        return list(dict.fromkeys(h.lower() for h in hs))

    @staticmethod
    def indexed_hashes(p: AccountProfile) -> list[str]:
        """The hashes of ``p`` the index holds (an invalid one is skipped), spelt as it
        holds them (the hex of their words)."""
        out: list[str] = []
        for h in AvatarPdqBlocker._hashes(p):
            try:
                out.append(bytes.fromhex(PdqSignal.validate_signal_str(h)).hex())
            except (InvalidSignal, ValueError, TypeError, AttributeError):
                continue
        return out

    def add(self, p: AccountProfile) -> None:
        self.add_many([p])

    def add_many(self, profiles: Iterable[AccountProfile]) -> None:
        """Add many accounts in one call of the picture index (a restart loads thousands: a
        call per account cost more than the hashes did). The same entries as one by one."""
        entries: list[IndexedHash] = []
        owners: list[tuple[str, tuple[int, ...]]] = []
        seen: set[str] = set()
        for p in profiles:
            if p.account_id in self._entries or p.account_id in seen:
                continue
            seen.add(p.account_id)
            hs = self._hashes(p)
            if not hs:
                continue
            ids = tuple(range(self._next, self._next + len(hs)))
            self._next += len(hs)
            entries.extend(IndexedHash(i, h, 0, "removed accounts")
                           for i, h in zip(ids, hs, strict=True))
            owners.append((p.account_id, ids))
        if not entries:
            return
        skipped = {s.entry_id for s in self._index.add(entries)}
        for account_id, ids in owners:
            kept = tuple(i for i in ids if i not in skipped)
            if kept:
                self._entries[account_id] = kept
                self._owner.update((i, account_id) for i in kept)

    def packed(self, ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The indexed hashes of accounts ``ids``, four words each, back to back in that
        order, and each account's count of them: what a snapshot stores so that a start
        takes them in (:meth:`restore`) instead of reading and checking every hash again."""
        entries = [self._entries.get(i, ()) for i in ids]
        counts = np.fromiter(map(len, entries), dtype=np.int64, count=len(entries))
        flat = np.fromiter(chain.from_iterable(entries), dtype=np.int64, count=int(counts.sum()))
        return self._index.words_of(flat), counts

    def restore(self, ids: Sequence[str], words: np.ndarray, counts: np.ndarray) -> None:
        """Index accounts ``ids`` (none held yet) by the hashes :meth:`packed` gave for them:
        the same candidates as :meth:`add_many` of their profiles finds (the entries are
        numbered without the gaps an invalid hash leaves there; a query answers accounts,
        not entries)."""
        if self._entries:
            raise ValueError("hashes are restored into an empty picture index")
        if counts.shape != (len(ids),) or (counts < 0).any() or counts.sum() != len(words):
            raise ValueError("hash counts that do not fit the accounts or the hashes")
        first = self._next
        entry_ids = np.arange(first, first + len(words), dtype=np.int64)
        self._index.add_words(words, entry_ids, 0, "removed accounts")
        self._next = first + len(words)
        owners = [i for i, c in zip(ids, counts.tolist(), strict=True) for _ in range(c)]
        self._owner = dict(zip(range(first, self._next), owners, strict=True))
        at = first
        for account_id, c in zip(ids, counts.tolist(), strict=True):
            if c:
                self._entries[account_id] = tuple(range(at, at + c))
                at += c

    def remove(self, account_id: str, profile: AccountProfile | None = None) -> None:
        ids = self._entries.pop(account_id, ())
        for i in ids:
            self._owner.pop(i, None)
        self._index.remove(ids)

    def query(self, p: AccountProfile) -> set[str]:
        out: set[str] = set()
        for h in self._hashes(p):
            try:
                matches = self._index.query(h, self.max_distance)
            except InvalidSignal:
                continue
            out.update(self._owner[m.entry.entry_id] for m in matches)
        return out


class TokenIndex:
    """Inverted index over exact tokens: profile links, strong identifiers, contexts, hashtags,
    mentions, media MD5s. Tokens held by more than ``max_postings`` removed accounts are too
    common to block on and are skipped (they stay in the comparison)."""

    NAME = "tokens"

    def __init__(
        self, max_postings: int = 50, weak_identifiers: Sequence[str] = ("ip_prefix", "ip")
    ) -> None:
        self.max_postings = max_postings
        self.weak = frozenset(weak_identifiers)
        self.p = Postings()

    def tokens(self, p: AccountProfile) -> set[object]:
        toks: set[object] = {("link", k) for k in p.link_keys}
        toks |= {("id", k, v) for k, v in p.identifiers.items() if v and k not in self.weak}
        toks |= {("ctx", c) for c in p.contexts}
        toks |= {("tag", h) for h in p.hashtags}
        toks |= {("at", m) for m in p.mentions}
        toks |= {("md5", m) for m in p.media_md5}
        return toks

    def add(self, p: AccountProfile) -> None:
        self.add_many((p,))

    def add_many(self, profiles: Sequence[AccountProfile]) -> None:
        tokens = self.tokens
        self.p.add_many(((p.account_id, tokens(p)) for p in profiles), len(profiles))

    def remove(self, account_id: str, profile: AccountProfile | None = None) -> None:
        self.p.remove(account_id, self.tokens(_added(account_id, profile)))

    def compact(self) -> None:
        """As :meth:`NameIndex.compact`."""
        self.p.compact()

    def gather(self, on: bool) -> None:
        """As :meth:`NameIndex.gather`."""
        self.p.gathering = on

    def query(self, p: AccountProfile, held: Mapping[object, int] | None = None,
              size: int | None = None) -> set[str]:
        """``held``: how many removed accounts hold each of ``p``'s tokens in all (see
        :meth:`NameIndex.query`); ``size`` is not read."""
        tokens = list(self.tokens(p))
        kept, keys = self.p.within(tokens, self.max_postings, None if held is None else
                                   [held[t] for t in tokens])
        return self.p.union(kept, keys)


class TimeIndex:
    """Removals sorted by time: the ``nearest`` removals closest to the new account's creation
    (before or after), found by bisection."""

    NAME = "time"

    def __init__(self, nearest: int = 40) -> None:
        self.nearest = nearest
        # a sorted list in chunks: inserting into one flat list moves the whole tail of the
        # list, which at scale is most of the incremental-add budget
        self.times: SortedList = SortedList()
        self.at: dict[str, float] = {}

    def add(self, p: AccountProfile) -> None:
        if p.removed_at is not None:
            self.add_time(p.account_id, p.removed_at.timestamp())

    def add_many(self, profiles: Iterable[AccountProfile]) -> None:
        """:meth:`add` for many accounts (a restart takes the removed set at once): the
        sorted list takes them in one update, sorting them once instead of placing each.
        The same removals in the same order as one by one; an account held, or given
        again, keeps its first time."""
        new: dict[str, float] = {}
        for p in profiles:
            if p.removed_at is not None and p.account_id not in self.at \
                    and p.account_id not in new:
                new[p.account_id] = p.removed_at.timestamp()
        self.at.update(new)
        self.times.update([(t, i) for i, t in new.items()])

    def add_time(self, account_id: str, t: float) -> None:
        """Index a removal at timestamp ``t`` (a merger of shards' nearest removals does)."""
        if account_id in self.at:
            return
        self.at[account_id] = t
        self.times.add((t, account_id))

    def remove(self, account_id: str, profile: AccountProfile | None = None) -> None:
        t = self.at.pop(account_id, None)
        if t is not None:
            self.times.remove((t, account_id))

    def query(self, p: AccountProfile) -> set[str]:
        """The ``nearest`` removals closest in time, walking out from the creation time and
        taking the earlier removal when two are as close. No more than ``nearest`` can come
        from either side, so each side is read as one slice of the sorted list (an index
        into a sorted list of chunks is a search of its own, two for each removal taken)."""
        t, k = p.created_at.timestamp(), self.nearest
        i = self.times.bisect_left((t, ""))
        before = list(self.times.islice(max(0, i - k), i, reverse=True))
        after = list(self.times.islice(i, i + k))
        out: list[str] = []
        lo = hi = 0
        while len(out) < k and (lo < len(before) or hi < len(after)):
            dl = t - before[lo][0] if lo < len(before) else np.inf
            dh = after[hi][0] - t if hi < len(after) else np.inf
            if dl <= dh:
                out.append(before[lo][1])
                lo += 1
            else:
                out.append(after[hi][1])
                hi += 1
        return set(out)


#: The indexes whose answer depends on how many removed accounts hold a token (a token too
#: common is no clue): a shard holding part of the removed set answers with the totals of
#: all shards (``linkage.shard_counts``), read through their ``tokens`` and ``p.held``.
COUNTED_INDEXES = (NameIndex, TokenIndex)


def default_indexes() -> list[CandidateIndex]:
    return [NameIndex(), TextLSHIndex(), AvatarPdqBlocker(), TokenIndex(), TimeIndex()]


class Blocker:
    """The union of several candidate indexes."""

    def __init__(self, indexes: Sequence[CandidateIndex] | None = None) -> None:
        self.indexes = list(indexes) if indexes is not None else default_indexes()

    def add_many(self, profiles: Sequence[AccountProfile],
                 text_signatures: Sequence[np.ndarray | None] | None = None,
                 skip: Collection[str] = ()) -> None:
        """:meth:`add` for many accounts not held yet; an index that can take them in one
        call (its ``add_many``) does. ``skip``: names of indexes that hold them already
        (restored from a snapshot)."""
        for ix in self.indexes:
            if ix.NAME in skip:
                continue
            if isinstance(ix, TextLSHIndex):  # with the signatures known
                ix.add_many(profiles, text_signatures)
                continue
            together = getattr(ix, "add_many", None)
            if together is not None:
                together(profiles)
                continue
            for p in profiles:
                ix.add(p)

    def add(self, p: AccountProfile, text_signature: np.ndarray | None = None) -> None:
        """``text_signature``: the account's MinHash signature, already computed (a
        snapshot's), for the text index to use instead of computing it."""
        self.add_many([p], [text_signature])

    def remove(self, p: AccountProfile) -> None:
        """Forget ``p`` (the profile it was added with) in every index."""
        for ix in self.indexes:
            ix.remove(p.account_id, p)

    def compact(self) -> None:
        """After a bulk build: each index that has a compact form for what it took in a
        batch at a time (its ``compact``) folds it in. Candidates do not change."""
        for ix in self.indexes:
            compact = getattr(ix, "compact", None)
            if compact is not None:
                compact()

    def gather(self, on: bool) -> None:
        """A bulk build's start (on) and end (off): each index that can gather its batches
        for one fold at the end (its ``gather``) does. Candidates do not change."""
        for ix in self.indexes:
            gather = getattr(ix, "gather", None)
            if gather is not None:
                gather(on)

    def candidates(self, p: AccountProfile) -> set[str]:
        out: set[str] = set()
        for ix in self.indexes:
            out |= ix.query(p)
        return out

    def votes(self, p: AccountProfile) -> Counter[str]:
        """How many indexes propose each candidate: the cheap first-stage evidence used to
        keep only the most-supported candidates for the full comparison."""
        out: Counter[str] = Counter()
        for ix in self.indexes:
            out.update(ix.query(p))
        return out


@dataclass(frozen=True)
class BlockingRecall:
    index: str
    recall: float
    mean_candidates: float


def blocking_recall(
    blocker: Blocker, pairs: Sequence[tuple[AccountProfile, str]]
) -> list[BlockingRecall]:
    """Share of true (active profile, removed id) pairs each index (and the union) proposes,
    and the mean number of candidates it proposes per active account."""
    out = []
    n = max(1, len(pairs))
    union_hits, union_size = 0, 0
    hits = {ix.NAME: [0, 0] for ix in blocker.indexes}
    for p, truth in pairs:
        union: set[str] = set()
        for ix in blocker.indexes:
            got = ix.query(p)
            hits[ix.NAME][0] += truth in got
            hits[ix.NAME][1] += len(got)
            union |= got
        union_hits += truth in union
        union_size += len(union)
    for name, (h, s) in hits.items():
        out.append(BlockingRecall(name, h / n, s / n))
    out.append(BlockingRecall("union", union_hits / n, union_size / n))
    return out
