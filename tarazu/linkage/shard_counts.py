"""Counts are sums: a shard of the removed set counts only its own accounts, and a score reads
the totals, over all shards, of just the values it asks about.

What a score reads, keyed by what (each a table of :class:`Counts`):

- **blocking** (``block:names``, ``block:tokens``): how many removed accounts hold each of
  the *new account's* name grams and tokens, and how many names are indexed (a token too
  common is no clue);
- **rarity statistics** (:class:`~tarazu.linkage.corpus.Corpus`): the accounts seen (n);
  hashtags, mentions, contexts and emoji (``df:*``), phrases (``shingles``) and term
  frequencies (``tf:*``) of values the two accounts *share*, so of the new account's values;
  sign-up traces and connections (``traces``) of the new account's (its traces, connections,
  voice and profile text's voice) **and of the candidate's own**: the share of *its* circle
  (``own_circle``), the union of the two bios (``own_bio``), its name (``own_name``); the
  n-gram document frequencies (``chars``) of the new account's columns **and of every column
  of the candidate's** text vectors (a cosine's norm).

So the merger asks every shard for its counts of the new account's values
(:func:`profile_keys`), the shards holding candidates which of their candidates' values are
not among those (:func:`candidate_keys`), every shard again for these; sums the answers and
sends each shard the totals it reads with its request. The shard reads them through views
(:class:`SummedCorpus`, :func:`summed_tf`, :meth:`Counts.mapping`) that raise on a value
not counted: a read forgotten here fails loudly rather than scoring with a part of a count."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tarazu.linkage.blocking import COUNTED_INDEXES
from tarazu.linkage.comparators.voice import profile_text_voice
from tarazu.linkage.corpus import KINDS, Corpus, tokens_of
from tarazu.linkage.profile import AccountProfile, sign_up_traces
from tarazu.linkage.tf import TermFrequencies

if TYPE_CHECKING:
    from tarazu.linkage.linker import MirrorLinker

#: table -> the values asked about: a sorted array of unique hashes or columns for the
#: tables of :data:`ARRAYS`, a list of strings (or, for ``block:*``, of index tokens) else
Keys = dict[str, Any]

#: the tables keyed by numbers, and their dtype
ARRAYS = {"shingles": np.uint32, "traces": np.uint64, "chars": np.int64}


def _union(arrays: Iterable[np.ndarray], dtype: type) -> np.ndarray:
    """The sorted unique values of all ``arrays`` (one sort, not one per array)."""
    return np.unique(np.concatenate([np.zeros(0, dtype=dtype),
                                     *(np.asarray(a, dtype=dtype) for a in arrays)]))


def _char_columns(p: AccountProfile) -> np.ndarray:
    return _union((v.indices for v in (p.char_tf, p.recent_tf) if v is not None), np.int64)


def counted_indexes(linker: MirrorLinker) -> list[Any]:
    return [ix for ix in linker.blocker.indexes if isinstance(ix, COUNTED_INDEXES)]


def profile_keys(linker: MirrorLinker, p: AccountProfile) -> Keys:
    """The values of the new account ``p`` whose counts a score reads."""
    keys: Keys = {}
    for kind in KINDS:
        keys[f"df:{kind}"] = sorted(tokens_of(p, kind))
    keys["shingles"] = np.unique(p.shingles).astype(np.uint32)
    keys["traces"] = _union((sign_up_traces(p), p.connections, p.voice,
                             profile_text_voice(p.bio)), np.uint64)
    keys["chars"] = _char_columns(p)
    for name, read in linker.tf.readers.items():
        keys[f"tf:{name}"] = sorted(set(read(p)))
    for ix in counted_indexes(linker):
        keys[f"block:{ix.NAME}"] = list(ix.tokens(p))
    return keys


def candidate_keys(candidates: Iterable[AccountProfile]) -> Keys:
    """The candidates' own values whose counts their comparison reads: their traces and
    connections, their text's columns."""
    cands = list(candidates)
    return {"traces": _union([*map(sign_up_traces, cands), *(b.connections for b in cands)],
                             np.uint64),
            "chars": _union((v.indices for b in cands for v in (b.char_tf, b.recent_tf)
                             if v is not None), np.int64)}


def unknown(keys: Keys, known: Keys) -> Keys:
    """``keys`` but those in ``known`` (the new account's, counted already)."""
    return {t: np.setdiff1d(v, known[t], assume_unique=True).astype(ARRAYS[t])
            for t, v in keys.items()}


def union_keys(keys: Iterable[Keys]) -> Keys:
    """The values of several :func:`candidate_keys` answers, once each."""
    keys = list(keys)
    return {t: _union((k[t] for k in keys), ARRAYS[t]) for t in ("traces", "chars")}


@dataclass(frozen=True)
class Counts:
    """How many accounts hold each value of ``keys`` (``counts``, aligned with them, int64),
    and the counts of the whole part (``scalars``: ``n`` accounts seen, ``texts`` of them
    with text, ``counts_text`` whether any ever had, ``tf_accounts`` removed accounts,
    ``size:<index>`` accounts in a counted index)."""

    keys: Keys
    counts: dict[str, np.ndarray]
    scalars: dict[str, int]

    @classmethod
    def total(cls, keys: Keys, parts: Sequence[Counts]) -> Counts:
        """The sum of the shards' counts of ``keys`` (zero with no answer)."""
        counts = {t: np.zeros(len(k), dtype=np.int64) for t, k in keys.items()}
        scalars: dict[str, int] = {}
        for c in parts:
            for t in counts:
                counts[t] += c.counts[t]
            for s, v in c.scalars.items():
                scalars[s] = scalars.get(s, 0) + v
        return cls(keys, counts, scalars)

    def only(self, *prefixes: str) -> Counts:
        """The tables and scalars whose names begin with one of ``prefixes``."""
        return Counts({t: k for t, k in self.keys.items() if t.startswith(prefixes)},
                      {t: c for t, c in self.counts.items() if t.startswith(prefixes)},
                      {s: v for s, v in self.scalars.items() if s.startswith(prefixes)})

    def pick(self, keys: Keys) -> Counts:
        """The counts of ``keys``, a part of these keys (of the numeric tables)."""
        counts = {}
        for t, k in keys.items():
            pos = np.searchsorted(self.keys[t], k)
            counts[t] = self.counts[t][pos]
        return Counts(keys, counts, self.scalars)

    def union(self, other: Counts) -> Counts:
        """These counts and ``other``'s of other values (of the numeric tables), together."""
        keys, counts = dict(self.keys), dict(self.counts)
        for t, k in other.keys.items():
            keys[t] = np.concatenate((keys[t], k))
            counts[t] = np.concatenate((counts[t], other.counts[t]))
        return Counts(keys, counts, self.scalars)

    def mapping(self, table: str) -> _Strict:
        """A table as value -> count."""
        return _Strict(zip(self.keys[table], self.counts[table].tolist(), strict=True))

    def array(self, table: str) -> _Supplied:
        return _Supplied(self.keys[table], self.counts[table], ARRAYS[table])


class NotCounted(KeyError):
    """A score read the count of a value that was not asked about (a gap in the keys)."""


class _Strict(dict):  # type: ignore[type-arg]
    """Counts of the values asked about; reading another is an error, not a zero."""

    def get(self, key: object, default: object = None) -> Any:
        return self[key]

    def __missing__(self, key: object) -> Any:
        raise NotCounted(key)


class _Supplied:
    """Counts of hashes asked about, read as :class:`~tarazu.linkage.counts.HashCounts`."""

    def __init__(self, keys: np.ndarray, counts: np.ndarray, dtype: type) -> None:
        order = np.argsort(keys, kind="stable")
        self.dtype = np.dtype(dtype)
        self.keys, self.values = keys[order].astype(self.dtype), counts[order]

    def counts(self, hashes: np.ndarray) -> np.ndarray:
        hashes = np.asarray(hashes, dtype=self.dtype)
        pos = np.searchsorted(self.keys, hashes)
        found = pos < self.keys.size
        found[found] = self.keys[pos[found]] == hashes[found]
        if not found.all():
            raise NotCounted(hashes[~found][:5].tolist())
        return self.values[pos].astype(np.int64)


def local_counts(linker: MirrorLinker, keys: Keys) -> Counts:
    """A shard's counts of ``keys``: of the accounts it holds (and those it observed)."""
    c, tf = linker.corpus, linker.tf
    indexes = {ix.NAME: ix for ix in counted_indexes(linker)}
    scalars = {"n": c.n, "texts": c.texts, "counts_text": int(c.counts_text),
               "tf_accounts": tf.accounts}
    scalars |= {f"size:{n}": getattr(ix, "size", 0) for n, ix in indexes.items()}
    counts: dict[str, np.ndarray] = {}
    for table, k in keys.items():
        kind, _, name = table.partition(":")
        if table == "shingles":
            got = c.shingle_df.counts(k)
        elif table == "traces":
            got = c.trace_df.counts(k)
        elif table == "chars":
            got = c.char_df(k)
        elif kind == "df":
            got = [c.df[name].get(v, 0) for v in k]
        elif kind == "tf":
            got = [tf.counts[name].get(v, 0) for v in k]
        elif kind == "block":
            got = indexes[name].p.held(k)
        else:
            raise ValueError(f"unknown count table {table!r}")
        counts[table] = np.asarray(got, dtype=np.int64).reshape(-1)
    return Counts(keys, counts, scalars)


class SummedCorpus(Corpus):
    """The rarity statistics of all shards, for the values counted in ``totals`` only."""

    def __init__(self, totals: Counts) -> None:
        super().__init__()
        s = totals.scalars
        self.n = s["n"]
        self.df = {k: totals.mapping(f"df:{k}") for k in KINDS}  # type: ignore[misc]
        self.shingle_df = totals.array("shingles")  # type: ignore[assignment]
        self.trace_df = totals.array("traces")  # type: ignore[assignment]
        self._chars = totals.array("chars")
        self._texts, self._seen = s["texts"], s["counts_text"] > 0

    def add(self, p: AccountProfile) -> None:
        raise TypeError("a view of summed counts is read, not added to")

    remove = add

    def char_idf(self, columns: np.ndarray | None = None) -> np.ndarray | None:
        """As :meth:`Corpus.char_idf`, from the summed counts of ``columns`` (all columns:
        not asked about)."""
        if not self._seen:
            return None
        if columns is None:
            raise NotCounted("every n-gram column")
        # the same float64 log, stored as float32, as the corpus keeps it
        log_df = np.log1p(self._chars.counts(columns).astype(np.int32)).astype(np.float32)
        return np.float32(np.log1p(self._texts)) - log_df + np.float32(1.0)


def summed_tf(tf: TermFrequencies, totals: Counts) -> TermFrequencies:
    """``tf`` (its readers) with the summed counts of the values counted in ``totals``."""
    out = copy.copy(tf)
    out.counts = {n: totals.mapping(f"tf:{n}") for n in tf.readers}  # type: ignore[misc]
    out.accounts = totals.scalars["tf_accounts"]
    return out


def blocking_totals(totals: Counts, index_name: str) -> tuple[Mapping[object, int], int]:
    """(token -> accounts holding it, accounts indexed) of a counted index, over all shards."""
    return totals.mapping(f"block:{index_name}"), totals.scalars.get(f"size:{index_name}", 0)
