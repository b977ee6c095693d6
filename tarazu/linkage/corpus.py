"""Collection statistics (how rare is a hashtag, a page, an n-gram) over the accounts seen.

Rarity is what separates "both follow #Pakistan" from "both post in the same obscure Telegram
channel". Counts are derived from the profiles added, so they update when an account is added
or withdrawn; nothing is read from outside the input."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from tarazu.linkage.counts import HashCounts, sorted_distinct
from tarazu.linkage.profile import (
    N_CHAR_FEATURES,
    AccountProfile,
    CharVector,
    sign_up_traces,
    weights_of,
)

#: Token kinds whose rarity a comparator reads (hashtags, mentions, contexts: rare overlap).
KINDS = ("hashtags", "mentions", "contexts", "emoji")
#: Cosines remembered for one active vector at most (a few hundred candidates in practice).
_MEMO_MAX = 4096
#: Accounts below which :meth:`Corpus.add_many` counts one by one (a single add, the stream's
#: case, pays no array set-up)
_FEW = 64


def _traces(p: AccountProfile) -> np.ndarray | None:
    """What ``trace_df`` counts of an account, once each: its sign-up traces, connections and
    voice (None: nothing)."""
    own = sign_up_traces(p)
    if not (own.size or p.connections.size or p.voice.size):
        return None
    return sorted_distinct(np.concatenate((own, p.connections, p.voice)))


@dataclass
class CorpusCounts:
    """Everything a :class:`Corpus` has counted, as plain values: what a snapshot stores so
    that a start from it takes the counts as they were, not counting every account again
    (hashing each one's sign-up traces and merging its phrases: a quarter of a start)."""

    n: int
    members: list[str]  # sorted
    df: dict[str, dict[str, int]]  # kind (of KINDS) -> token -> accounts holding it
    shingles: tuple[np.ndarray, np.ndarray]  # HashCounts.items()
    traces: tuple[np.ndarray, np.ndarray]
    char_df: np.ndarray | None  # int32, one per n-gram column; None: no text counted
    char_n: int

    def check(self) -> None:
        """Raise ValueError unless these are counts a corpus could hold."""
        if set(self.df) != set(KINDS):
            raise ValueError(f"counts of kinds {sorted(self.df)}, not {sorted(KINDS)}")
        if self.char_df is not None and self.char_df.shape != (N_CHAR_FEATURES,):
            raise ValueError(f"n-gram counts of shape {self.char_df.shape}")
        for keys, counts in (self.shingles, self.traces):
            if keys.shape != counts.shape or keys.ndim != 1:
                raise ValueError("hashes and counts of unequal shape")
            if keys.size and (np.any(keys[1:] <= keys[:-1]) or counts.min() <= 0):
                raise ValueError("hashes not sorted and distinct, or a count not positive")


def tokens_of(p: AccountProfile, kind: str) -> Iterable[str]:
    """The tokens of ``kind`` (of :data:`KINDS`) of an account: what the corpus counts, and
    what the rare-overlap comparators read."""
    v = getattr(p, kind)
    return v.keys() if kind == "contexts" else v  # type: ignore[no-any-return]


def counted_hashes(p: AccountProfile) -> tuple[np.ndarray, np.ndarray]:
    """The hashes the corpus counts of an account: its phrases, and its sign-up traces,
    connections and voice together."""
    traces = _traces(p)
    return p.shingles, np.zeros(0, dtype=np.uint64) if traces is None else traces


class Corpus:
    def __init__(self) -> None:
        self.n = 0
        self.df: dict[str, Counter] = {k: Counter() for k in KINDS}
        #: how many accounts wrote each four-word phrase (a phrase used by few is evidence)
        self.shingle_df = HashCounts()
        #: how many accounts hold each connection (a followee or follower) and each sign-up
        #: trace (device, profile link, display name, handle trigram): a group's shared
        #: channel or leader is held by many, one operator's own trace by few
        self.trace_df = HashCounts(dtype=np.uint64)
        self._char_df: np.ndarray | None = None
        #: log(1 + df) per n-gram column, updated where an account changes it: the IDF of a
        #: column is then log(1 + n) - this + 1, with nothing recomputed over all 2^18 columns
        #: after each removal (which slowed the next query)
        self._char_log_df: np.ndarray | None = None
        self._char_n = 0
        self._members: set[str] = set()
        #: bumped whenever the counts change: cosines computed before are then stale
        self._version = 0
        #: the cosines already computed for one active vector at the current counts:
        #: id(candidate vector) -> (that vector, cosine). The text and recent-text comparators
        #: ask about the same vectors (for most accounts the recent posts are all the posts),
        #: so the second asks for nothing new. Emptied when the counts change or another active
        #: vector is asked about, and bounded: it holds one account's candidates.
        self._cosine_memo: tuple[CharVector | None, int, dict[int, tuple[CharVector, float]]] = (
            None, -1, {})

    def add(self, p: AccountProfile) -> None:
        if p.account_id in self._members:
            return
        self._members.add(p.account_id)
        self._update(p, +1)

    def add_many(self, profiles: Sequence[AccountProfile], piece: int = 1024) -> None:
        """:meth:`add` for many accounts (a restart counts the whole removed set): each kind
        of count updated once for a piece of them, not once per account. The same counts."""
        if len(profiles) < _FEW:
            for p in profiles:
                self.add(p)
            return
        fresh, seen, held = [], set(), self._members
        for p in profiles:
            if p.account_id not in held and p.account_id not in seen:
                seen.add(p.account_id)
                fresh.append(p)
        for at in range(0, len(fresh), piece):
            self._add_piece(fresh[at : at + piece])

    def _add_piece(self, ps: list[AccountProfile]) -> None:
        self._members.update(p.account_id for p in ps)
        self.n += len(ps)
        self._version += 1
        for kind in KINDS:
            self.df[kind].update(t for p in ps for t in tokens_of(p, kind))
        self.shingle_df.update_many([p.shingles for p in ps if p.shingles.size])
        self.trace_df.update_many([t for p in ps if (t := _traces(p)) is not None])
        texts = [p.char_tf.indices for p in ps if p.char_tf is not None]
        if texts:
            if self._char_df is None:
                self._char_df = np.zeros(N_CHAR_FEATURES, dtype=np.int32)
                self._char_log_df = np.zeros(N_CHAR_FEATURES, dtype=np.float32)
            cols, times = np.unique(np.concatenate(texts), return_counts=True)
            df = self._char_df[cols] + times.astype(np.int32)
            self._char_df[cols] = df
            self._char_log_df[cols] = np.log1p(df)  # type: ignore[index]
            self._char_n += len(texts)

    def counted(self) -> CorpusCounts:
        """What is counted, unchanged by what the corpus counts after: the token counts and
        n-gram frequencies copied (they are changed in place), the hash counts not (a merge
        replaces their arrays, never writes into them: no copy of the largest counts)."""
        return CorpusCounts(
            n=self.n, members=sorted(self._members),
            df={k: dict(self.df[k]) for k in KINDS},
            shingles=self.shingle_df.items(), traces=self.trace_df.items(),
            char_df=None if self._char_df is None else self._char_df.copy(),
            char_n=self._char_n)

    def restore(self, counts: CorpusCounts) -> None:
        """Take ``counts`` (of :meth:`counted`) as this corpus's, which has counted nothing."""
        if self._members or self.n:
            raise ValueError("counts are restored into a corpus that has counted nothing")
        counts.check()
        self.shingle_df.restore(*counts.shingles)
        self.trace_df.restore(*counts.traces)
        self.n, self._members = counts.n, set(counts.members)
        self.df = {k: Counter(counts.df[k]) for k in KINDS}
        if counts.char_df is not None:
            self._char_df = counts.char_df.astype(np.int32)
            self._char_log_df = np.log1p(self._char_df).astype(np.float32)
        self._char_n = counts.char_n
        self._version += 1

    def remove(self, p: AccountProfile) -> None:
        if p.account_id not in self._members:
            return
        self._members.discard(p.account_id)
        self._update(p, -1)

    def __contains__(self, account_id: str) -> bool:
        return account_id in self._members

    def _update(self, p: AccountProfile, sign: int) -> None:
        self.n += sign
        self._version += 1
        for kind in KINDS:
            c = self.df[kind]
            for t in tokens_of(p, kind):
                c[t] += sign
                if c[t] <= 0:
                    del c[t]
        if p.shingles.size:
            self.shingle_df.update(p.shingles, sign)
        if (traces := _traces(p)) is not None:
            self.trace_df.update(traces, sign)
        if p.char_tf is not None:
            if self._char_df is None:
                self._char_df = np.zeros(N_CHAR_FEATURES, dtype=np.int32)
                self._char_log_df = np.zeros(N_CHAR_FEATURES, dtype=np.float32)
            cols = p.char_tf.indices  # distinct: one gather and one scatter suffice
            df = self._char_df[cols] + sign
            self._char_df[cols] = df
            self._char_log_df[cols] = np.log1p(df)  # type: ignore[index]
            self._char_n += sign

    def idf(self, kind: str, token: object) -> float:
        """Smoothed inverse document frequency (bits): rare tokens weigh more."""
        return math.log2((self.n + 1) / (self.df[kind].get(token, 0) + 1))

    def trace_counts(self, hashes: np.ndarray) -> np.ndarray:
        """How many accounts seen hold each trace or connection hash (at least 1: the
        account asking holds it even when it was not counted)."""
        return np.maximum(self.trace_df.counts(hashes), 1)

    @property
    def texts(self) -> int:
        """Accounts counted with text (the n of the n-gram IDF)."""
        return self._char_n

    @property
    def counts_text(self) -> bool:
        """Whether an account with text was ever counted (before, :meth:`char_idf` is None)."""
        return self._char_log_df is not None

    def char_df(self, columns: np.ndarray) -> np.ndarray:
        """How many accounts seen use each of the n-gram ``columns`` (int64)."""
        if self._char_df is None:
            return np.zeros(len(columns), dtype=np.int64)
        return self._char_df[columns].astype(np.int64)

    def char_idf(self, columns: np.ndarray | None = None) -> np.ndarray | None:
        """Smoothed IDF (natural log, + 1, as scikit-learn's) of the given n-gram columns (all
        columns if None); None before any account with text was added."""
        if self._char_log_df is None:
            return None
        log_df = self._char_log_df if columns is None else self._char_log_df[columns]
        return np.float32(np.log1p(self._char_n)) - log_df + np.float32(1.0)

    def cosines(self, a: CharVector, bs: Sequence[CharVector]) -> np.ndarray:
        """TF-IDF cosine of ``a`` with each of ``bs``, with the rarity of this moment.

        Computed in one pass over the concatenated arrays rather than from cached unit
        vectors: a cache keyed by the statistics' epoch was emptied by every removal (so it
        was rebuilt on the next query anyway) and doubled the memory of the text features.
        Only the last active vector's cosines are remembered, until the counts change."""
        memo_a, version, memo = self._cosine_memo
        if memo_a is not a or version != self._version or len(memo) > _MEMO_MAX:
            memo = {}
            self._cosine_memo = (a, self._version, memo)
        out = np.zeros(len(bs))
        todo = []
        for i, b in enumerate(bs):
            hit = memo.get(id(b))
            if hit is not None and hit[0] is b:
                out[i] = hit[1]
            else:
                todo.append(i)
        if todo:
            fresh = self._cosines(a, [bs[i] for i in todo])
            out[todo] = fresh
            for i, c in zip(todo, fresh.tolist(), strict=True):
                memo[id(bs[i])] = (bs[i], c)
        return out

    def _cosines(self, a: CharVector, bs: Sequence[CharVector]) -> np.ndarray:
        """The cosines, computed (each candidate's from its own arrays alone)."""
        out = np.zeros(len(bs))
        keep = [i for i, b in enumerate(bs) if b.nnz]
        if not keep or not a.nnz:
            return out
        idf_a = self.char_idf(a.indices)
        wa = a.data * idf_a if idf_a is not None else a.data
        na = float(np.sqrt(wa @ wa))
        lens = np.fromiter((bs[i].nnz for i in keep), dtype=np.int64, count=len(keep))
        idx = np.concatenate([bs[i].indices for i in keep])
        w = weights_of([bs[i] for i in keep])
        if idf_a is not None:
            w = w * self.char_idf(idx)
        starts = np.zeros(len(keep), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        nb = np.sqrt(np.add.reduceat(w * w, starts))
        # dot products: scatter a into a dense row once, gather it at the candidates' columns
        dense = np.zeros(N_CHAR_FEATURES, dtype=np.float32)
        dense[a.indices] = wa
        dots = np.add.reduceat(w * dense[idx], starts)
        denom = na * nb
        out[keep] = np.divide(dots, denom, out=np.zeros_like(dots), where=denom > 0)
        return out
