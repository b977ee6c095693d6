"""The inverted index's postings: token -> the removed accounts that hold it, for the name and
token candidate indexes (``linkage.blocking``).

Two parts. **The base**: the postings of many accounts taken in at once (a start from a
snapshot takes the whole removed set), held as arrays — the tokens' 64-bit hashes sorted, each
token's accounts a range of one array of member numbers, a withdrawn member marked in an
array of flags — so that it holds no Python object per token or per posting and is built by
one sort instead of millions of dictionary inserts (BENCHMARKS.md). **The recent part**: the
accounts added one batch at a time since (a build's batches, a stream's removals), in a dict
as before: a token of one account holds its bare id, a token a few share a tuple (a third to an
eighth of a set's size), a posting past ``small`` a set. :meth:`Postings.compact` folds the
recent part into a new base: a build from the store ends with it, so that a built index holds
its postings as a started one does. **Gathered batches**: while ``gathering`` (a bulk build,
``MirrorLinker.bulk``), each batch is kept as its tokens' hashes in arrays, not put into the
dict, and all of them are folded into the base by one sort at the end: a build makes no dict
entry of the postings it will fold, nor frees one (BENCHMARKS.md). Whatever reads the
postings first folds what was gathered, so an answer never misses it; a withdrawal within
the build marks the account dropped from the batches gathered before it, without a fold
(a refresh that replaces many changed accounts would otherwise sort the whole base once
for each of them).

A token's hash stands for it in the base. Two tokens of one hash (a 64-bit collision: for
n distinct tokens a chance of about n²/2⁶⁵, below one in a million for a few million) would
share a posting there: the index would propose a few more candidates, each compared in full,
and count them in a token's number of holders. No answer is ever taken from the postings
alone.

An account is added only while it holds nothing here (the linker withdraws a held account
before it adds it again), and is removed with the tokens it was added with: no map from
account to tokens is kept (it would hold every account's tokens a second time). A base
account's member number is found by the hash of its id, from a sorted array (16 bytes an
account), not from a dict of every id."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from itertools import count

import numpy as np

#: postings of up to this many accounts are tuples in the recent part; larger ones sets
SMALL_POSTING = 512
#: a batch of at least this many accounts taken into empty postings becomes the base
BASE_MIN = 4096

_NO_KEYS = np.zeros(0, dtype=np.int64)


class Postings:
    """token -> account ids: the base's arrays and the recent part's dict (module doc)."""

    def __init__(self, small: int = SMALL_POSTING, base_min: int | None = None) -> None:
        if small < 2:
            raise ValueError("small must be at least 2")
        self.small = small
        self.base_min = BASE_MIN if base_min is None else base_min
        #: the recent part: token -> id, tuple of ids, or set of ids
        self.post: dict[object, str | tuple[str, ...] | set[str]] = {}
        self._keys = _NO_KEYS  # the base's token hashes, sorted, each once
        self._starts = np.zeros(1, dtype=np.int64)  # key k's members: [starts[k], starts[k+1])
        self._members = np.zeros(0, dtype=np.int32)  # ascending within a posting
        self._live = np.zeros(0, dtype=np.int32)  # members of key k not withdrawn
        self._ids: list[str | None] = []  # member number -> account id (None: withdrawn)
        self._gone = np.zeros(0, dtype=bool)  # member number -> withdrawn
        # the members by the hash of their account id, to find an account's member number
        self._id_hashes = _NO_KEYS
        self._by_id_hash = np.zeros(0, dtype=np.int32)
        #: batches taken in while ``gathering``, not yet folded into the base (module doc)
        self._gathered: list[_Batch] = []
        #: account id -> how many gathered batches it was withdrawn from (those before it)
        self._dropped: dict[str, int] = {}
        self.gathering = False

    # -- what is held -----------------------------------------------------------------------
    def __bool__(self) -> bool:
        self._settle()
        return bool(self.post) or bool(self._live.any())

    def tokens_held(self) -> int:
        """How many distinct tokens some account holds (tokens only the base holds counted
        by their hash)."""
        self._settle()
        recent = {hash(t) for t in self.post}
        based = set(self._keys[self._live > 0].tolist())
        return len(recent | based)

    def held(self, tokens: Iterable[object]) -> list[int]:
        """How many accounts hold each of ``tokens`` here (a shard's part of the removed set
        answers its part of a count: ``linkage.shard_counts``)."""
        self._settle()
        tokens = list(tokens)
        return self._held(tokens, self._keys_of(tokens))

    def within(self, tokens: Iterable[object], cap: int, held: Sequence[int] | None = None
               ) -> tuple[list[object], np.ndarray | None]:
        """The tokens held by at most ``cap`` accounts (``held``: how many hold each in all,
        when counted elsewhere; None: as held here), and their keys in the base, which
        :meth:`voted` and :meth:`union` take so as not to look them up again."""
        self._settle()
        tokens = list(tokens)
        keys = self._keys_of(tokens)
        n = self._held(tokens, keys) if held is None else held
        kept = [i for i, c in enumerate(n) if c <= cap]
        return [tokens[i] for i in kept], None if keys is None else keys[kept]

    def _held(self, tokens: Sequence[object], keys: np.ndarray | None) -> list[int]:
        get = self.post.get
        out = [0 if (ids := get(t)) is None else 1 if isinstance(ids, str) else len(ids)
               for t in tokens]
        if keys is not None:
            based = np.where(keys >= 0, self._live[np.maximum(keys, 0)], 0).tolist()
            out = [a + b for a, b in zip(out, based, strict=True)]
        return out

    def voted(self, tokens: Sequence[object], weights: Sequence[int], at_least: int,
              keys: np.ndarray | None) -> set[str]:
        """The accounts whose tokens among ``tokens`` (``keys``: theirs in the base, as
        :meth:`within` gives them) weigh ``at_least`` in all, each token its weight: the
        base's postings gathered and summed in one pass over arrays, the recent part's
        counted as before. An account is in one part only (module doc), so each part's sums
        are its whole sums."""
        out: Counter[str] = Counter()
        get = self.post.get
        for t, w in zip(tokens, weights, strict=True):
            ids = get(t)
            if ids is None:
                continue
            if isinstance(ids, str):
                out[ids] += w
            elif w == 1:
                out.update(ids)  # one vote each, counted in C
            else:
                for i in ids:
                    out[i] += w
        found = {i for i, c in out.items() if c >= at_least}
        if keys is not None and keys.size:
            members, lens = self._gather(keys)
            if members.size:
                per = np.repeat(np.asarray(weights, dtype=np.int64)[keys >= 0], lens)
                live = ~self._gone[members]
                uniq, at = np.unique(members[live], return_inverse=True)
                enough = uniq[np.bincount(at, weights=per[live]) >= at_least].tolist()
                found.update(map(self._ids.__getitem__, enough))
        return found

    def union(self, tokens: Sequence[object], keys: np.ndarray | None) -> set[str]:
        """The accounts holding any of ``tokens`` (``keys``: theirs in the base, as
        :meth:`within` gives them)."""
        out: set[str] = set()
        get = self.post.get
        for t in tokens:
            ids = get(t)
            if ids is not None:
                out.add(ids) if isinstance(ids, str) else out.update(ids)
        if keys is not None and keys.size:
            members, _ = self._gather(keys)
            members = members[~self._gone[members]]
            out.update(map(self._ids.__getitem__, set(members.tolist())))
        return out

    def _keys_of(self, tokens: Sequence[object]) -> np.ndarray | None:
        """The base's key of each token, -1 where it holds none of its hash (None: no
        base)."""
        keys = self._keys
        if not keys.size:
            return None
        h = np.fromiter(map(hash, tokens), dtype=np.int64, count=len(tokens))
        k = np.minimum(keys.searchsorted(h), keys.size - 1)
        return np.where(keys[k] == h, k, -1)

    def _gather(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The members of the base's postings of ``keys`` (-1 where none) back to back,
        withdrawn ones included, and each posting's length."""
        k = keys[keys >= 0]
        starts = self._starts[k]
        lens = self._starts[k + 1] - starts
        total = int(lens.sum())
        if not total:
            return np.zeros(0, dtype=np.int32), lens
        first = np.cumsum(lens) - lens  # where each posting begins in the gathered array
        return self._members[np.repeat(starts - first, lens) + np.arange(total)], lens

    def get(self, token: object) -> tuple[str, ...] | set[str]:
        """The accounts holding ``token``, each once."""
        self._settle()
        ids = self.post.get(token, ())
        recent: tuple[str, ...] | set[str] = (ids,) if isinstance(ids, str) else ids
        keys = self._keys_of([token])
        if keys is None or keys[0] < 0:
            return recent
        members, _ = self._gather(keys)
        names = self._ids
        based = tuple(names[m] for m in members[~self._gone[members]].tolist())
        return based + tuple(recent) if recent else based

    # -- adding -----------------------------------------------------------------------------
    def add(self, account_id: str, tokens: Iterable[object]) -> None:
        self.add_many(((account_id, set(tokens)),))

    def add_many(self, held: Iterable[tuple[str, Collection[object]]],
                 count: int | None = None) -> None:
        """:meth:`add` for each (account id, its tokens, each once); ``count``: how many
        there are, when known — at least ``base_min`` into empty postings, they become the
        base; while ``gathering``, any batch is gathered for the fold (module doc)."""
        if self.gathering:
            self._gathered.append(_Batch.of(held))
        elif count is not None and count >= self.base_min and not self:
            self._gathered.append(_Batch.of(held))
            self.compact()
        else:
            self._add_recent(held)

    def compact(self) -> None:
        """Fold the recent part and the gathered batches into the base: one sort of every
        live posting, the recent part's dict emptied. A build from the store (which takes
        its accounts a batch at a time) ends with this, so that a built index holds what a
        started one holds; adds after it go to the recent part again. Answers do not
        change: each account keeps its tokens, in the base instead of the dict."""
        if not self.post and not self._gathered:
            return
        live = ~self._gone
        number = np.cumsum(live, dtype=np.int64) - 1  # old member -> new, among the live
        keep = live[self._members]
        hashes = [np.repeat(self._keys, np.diff(self._starts))[keep]]
        owners = [number[self._members[keep]].astype(np.int32)]
        ids: list[str | None] = [i for i in self._ids if i is not None]
        # the owners ascend already when only the gathered batches are folded
        ascending = not hashes[0].size and not self.post
        if self.post:
            h, owner = self._recent_postings(ids)
            hashes.append(h)
            owners.append(owner)
        for batch in self._without_dropped():
            hashes.append(batch.hashes)
            owners.append(np.repeat(np.arange(len(ids), len(ids) + len(batch.ids),
                                              dtype=np.int32), batch.lens))
            ids.extend(batch.ids)
        self._gathered, self._dropped = [], {}
        h, owner = np.concatenate(hashes), np.concatenate(owners)
        order = np.argsort(h, kind="stable") if ascending else np.lexsort((owner, h))
        self._set_base(h[order], owner[order], ids)

    def _without_dropped(self) -> list[_Batch]:
        """The gathered batches, each without the accounts withdrawn after it was gathered
        (an account withdrawn after ``n`` batches leaves those ``n``): the dropped set of
        each batch grown from the last batch back, so each withdrawal is read once."""
        after: defaultdict[int, list[str]] = defaultdict(list)
        for account_id, n in self._dropped.items():
            after[n].append(account_id)
        gone: set[str] = set()
        out = []
        for k in range(len(self._gathered) - 1, -1, -1):
            gone.update(after[k + 1])
            batch = self._gathered[k]
            out.append(batch.without(gone) if gone else batch)
        return out[::-1]

    def _settle(self) -> None:
        """Fold the gathered batches before anything reads (module doc)."""
        if self._gathered:
            self.compact()

    def _recent_postings(self, ids: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
        """The recent part as (token hash, member) pairs, its accounts numbered after
        ``ids`` (and appended to it, in the order numbered); the dict emptied."""
        # a recent account's member number, given when first met (numbered in C, by map)
        new_member: defaultdict[str, int] = defaultdict(count(len(ids)).__next__)
        number_of = new_member.__getitem__
        token_hashes: list[int] = []
        lens: list[int] = []
        owners: list[int] = []
        for token, held in self.post.items():
            members = (held,) if isinstance(held, str) else held
            owners.extend(map(number_of, members))
            token_hashes.append(hash(token))
            lens.append(len(members))
        ids.extend(new_member)
        self.post = {}
        return (np.repeat(np.array(token_hashes, dtype=np.int64), lens),
                np.array(owners, dtype=np.int32))

    def _set_base(self, h: np.ndarray, owner: np.ndarray, ids: list[str | None]) -> None:
        """The base of the postings (token hash ``h[i]``, member ``owner[i]``, sorted by
        hash and, within a hash, by member) of the accounts ``ids`` (member number ->
        account id)."""
        self._members = owner
        self._keys, first = np.unique(h, return_index=True)
        self._starts = np.append(first, h.size).astype(np.int64)
        self._live = np.diff(self._starts).astype(np.int32)
        self._ids = ids
        self._gone = np.zeros(len(ids), dtype=bool)
        id_hashes = np.fromiter(map(hash, ids), dtype=np.int64, count=len(ids))
        self._by_id_hash = np.argsort(id_hashes, kind="stable").astype(np.int32)
        self._id_hashes = id_hashes[self._by_id_hash]

    def _add_recent(self, held: Iterable[tuple[str, Collection[object]]]) -> None:
        """A new token takes the bare id and a large posting grows in place; what joins a
        bare id or a tuple is gathered first and each such posting made once (a build's
        common tokens would otherwise copy a tuple once for each of its accounts)."""
        post, small = self.post, self.small
        get = post.get
        joining: dict[object, list[str]] = {}
        for account_id, tokens in held:
            for t in tokens:
                ids = get(t)
                if ids is None:
                    post[t] = account_id
                elif ids.__class__ is set:
                    ids.add(account_id)  # type: ignore[union-attr]
                elif (new := joining.get(t)) is None:
                    joining[t] = [account_id]
                else:
                    new.append(account_id)
        for t, new in joining.items():
            had = post[t]
            members = dict.fromkeys(((had,) if isinstance(had, str) else had) + tuple(new))
            post[t] = (next(iter(members)) if len(members) == 1  # type: ignore[assignment]
                       else tuple(members) if len(members) <= small else set(members))

    # -- removing ---------------------------------------------------------------------------
    def remove(self, account_id: str, tokens: Iterable[object]) -> None:
        """Forget ``account_id`` under each of ``tokens`` (those it was added with; a token
        it does not hold is left alone)."""
        tokens = set(tokens)
        self._remove_recent(account_id, tokens)
        if self._id_hashes.size:  # a base, though perhaps of accounts that hold no token
            self._remove_based(account_id, tokens)
        if self._gathered:  # dropped from the batches gathered so far, when they are folded
            self._dropped[account_id] = len(self._gathered)

    def _remove_recent(self, account_id: str, tokens: Collection[object]) -> None:
        post = self.post
        for t in tokens:
            ids = post.get(t)
            if ids is None:
                continue
            if isinstance(ids, str):
                if ids == account_id:
                    del post[t]
                continue
            if isinstance(ids, tuple):
                rest = tuple(i for i in ids if i != account_id)
            else:
                ids.discard(account_id)
                if len(ids) > self.small // 2:  # a set till well below: no flapping
                    continue
                rest = tuple(ids)
            if rest:
                post[t] = rest[0] if len(rest) == 1 else rest
            else:
                del post[t]

    def _remove_based(self, account_id: str, tokens: Collection[object]) -> None:
        """The account's member number is found by the hash of its id; it is marked
        withdrawn, and each posting of its tokens counts one member fewer."""
        member = self._member_of(account_id)
        if member < 0:
            return  # not in the base (withdrawn already, or added since)
        self._gone[member] = True
        self._ids[member] = None
        keys = self._keys_of(list(tokens))
        if keys is not None:
            np.subtract.at(self._live, keys[keys >= 0], 1)

    def _member_of(self, account_id: str) -> int:
        h = hash(account_id)
        lo = int(np.searchsorted(self._id_hashes, h, side="left"))
        hi = int(np.searchsorted(self._id_hashes, h, side="right"))
        names = self._ids
        return next((m for m in self._by_id_hash[lo:hi].tolist() if names[m] == account_id),
                    -1)


class _Batch:
    """Accounts gathered for a fold: their ids, each one's number of tokens, and the
    tokens' hashes back to back (the order of the ids)."""

    __slots__ = ("hashes", "ids", "lens")

    def __init__(self, ids: list[str], lens: np.ndarray, hashes: np.ndarray) -> None:
        self.ids, self.lens, self.hashes = ids, lens, hashes

    @classmethod
    def of(cls, held: Iterable[tuple[str, Collection[object]]]) -> _Batch:
        ids: list[str] = []
        lens: list[int] = []
        hashes: list[int] = []
        for account_id, tokens in held:
            ids.append(account_id)
            lens.append(len(tokens))
            hashes.extend(map(hash, tokens))
        return cls(ids, np.array(lens, dtype=np.int64), np.array(hashes, dtype=np.int64))

    def without(self, dropped: Collection[str]) -> _Batch:
        """This batch but the accounts ``dropped`` (itself when it holds none of them)."""
        keep = np.fromiter((i not in dropped for i in self.ids), dtype=bool,
                           count=len(self.ids))
        if keep.all():
            return self
        return _Batch([i for i, k in zip(self.ids, keep.tolist(), strict=True) if k],
                      self.lens[keep], self.hashes[np.repeat(keep, self.lens)])
