"""The removed accounts' numeric features as columns: one array per feature, one row per
removed account, so that a comparator scores all candidates of a new account in one numpy
call instead of one Python call per pair.

Rows are appended on add and recycled after a withdrawal (a free list): add and withdraw stay
O(1) amortised, and the arrays double when full. Variable-length features (the pauses between
posts, the language shares, token hashes) are kept in CSR form (:class:`.ragged.Ragged`);
languages are interned (:class:`.ragged.Interner`), so that they compare as integers. Strings
that are tested for equality among many (normalised display names, hashtags, contexts) are
kept as hashes only: equal strings have equal hashes, and the few rows whose hash matches are
confirmed on the strings themselves, so a collision costs a look, never a wrong answer.

What the profile already holds as an array or a string (bio words, phrases, handles, the
style vector, the activity hours) is not copied into a column: each row keeps a reference to
its profile, and a comparator gathers those arrays of its candidates in one pass (a copy of
the style vectors was a kilobyte a row: BENCHMARKS.md). Columns hold only what a comparator would
otherwise derive per pair (a normalised name, a norm) or what is numeric and fixed-width."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from itertools import chain
from typing import Any

import numpy as np

from tarazu.linkage.columnar.ragged import Interner, Ragged
from tarazu.linkage.corpus import tokens_of
from tarazu.linkage.profile import AccountProfile
from tarazu.names.normalise import normalise

_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)


def micros(t: datetime) -> int:
    """Microseconds since the epoch, exactly: the pair comparators subtract datetimes, exact to
    the microsecond, where a float timestamp would round."""
    d = t - (_UTC_EPOCH if t.tzinfo is not None else _NAIVE_EPOCH)
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


def name_key(display_name: str) -> str | None:
    """The normalised display name a row's name hash is of; None for a blank one (the
    comparator's "missing")."""
    return normalise(display_name) if display_name.strip() else None


#: the kinds of token whose overlap a comparator weighs by rarity (``comparators.network``,
#: and the emoji of ``comparators.own``)
TOKEN_KINDS = ("hashtags", "mentions", "contexts", "emoji")


def token_hashes(tokens: Iterable[str]) -> np.ndarray:
    """The tokens' hashes (the low 32 bits of the interpreter's own, for this process's
    columns), sorted. Equal tokens have equal hashes; the rare unequal tokens that share one
    are told apart by whoever reads them (a hash only proposes a shared token)."""
    hashes = [hash(t) & 0xFFFFFFFF for t in tokens]
    return np.sort(np.array(hashes, dtype=np.uint32)) if hashes else _NO_TOKENS


#: the fixed-width columns (one value a row) a snapshot stores and a start restores
PACKED_FIXED = ("removed_us", "has_removed", "last_post_us", "has_last_post", "n_posts",
                "n_text_posts", "median_pause", "has_hours", "has_style", "has_name",
                "lang_norm", "lang_top", "scripts_norm", "scripts_top")
#: the ragged columns a snapshot stores (the token hashes are not: they are hashes of this
#: process's own, as the name hashes are, and are derived again)
PACKED_RAGGED = ("pauses_of", "lang_ids", "lang_shares")

#: fewer accounts than this are added one by one (a stream's single add keeps its lean path)
_FEW = 8

_NO_TOKENS = np.zeros(0, dtype=np.uint32)  # shared by every row without tokens of a kind
_NO_TOKENS.flags.writeable = False


def _token_hashes_many(profiles: Sequence[AccountProfile], kind: str
                       ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`token_hashes` of many profiles back to back, and each one's count: hashed in
    one pass and sorted within each profile by one stable sort over (profile, hash)."""
    tokens = [tokens_of(p, kind) for p in profiles]
    lens = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    # the interpreter's hashes, masked as :func:`token_hashes` masks them (int64 and a
    # Python int share their low bits, negative ones too)
    flat = (np.fromiter(map(hash, chain.from_iterable(tokens)), dtype=np.int64,
                        count=int(lens.sum())) & 0xFFFFFFFF).astype(np.uint32)
    owner = np.repeat(np.arange(len(profiles)), lens)
    return flat[np.lexsort((flat, owner))], lens


class RemovedColumns:
    """Per-feature arrays over the removed accounts (rows), kept beside the profiles."""

    def __init__(self, capacity: int = 1024) -> None:
        self.row: dict[str, int] = {}
        self._free: list[int] = []
        self._size = 0  # rows ever used (live or free)
        #: the width of the style vectors (that of the first one seen; None before)
        self.style_dim: int | None = None
        self._alloc(capacity)
        #: each row's profile (None once withdrawn): its arrays and strings, not copies
        self.profile: list[AccountProfile | None] = []
        #: languages posted in, by id, and each row's shares of them in the profile's order
        self.languages = Interner()

    def _alloc(self, n: int) -> None:
        self.removed_us = np.zeros(n, dtype=np.int64)
        self.has_removed = np.zeros(n, dtype=bool)
        self.last_post_us = np.zeros(n, dtype=np.int64)
        self.has_last_post = np.zeros(n, dtype=bool)
        self.n_posts = np.zeros(n, dtype=np.int64)
        self.n_text_posts = np.zeros(n, dtype=np.int64)
        self.median_pause = np.full(n, np.nan)  # NaN: none
        self.has_hours = np.zeros(n, dtype=bool)
        self.has_style = np.zeros(n, dtype=bool)  # and of the width of the first one seen
        self.pauses_of = Ragged(n, np.float64)  # log10 pauses, None: no pauses
        self.has_name = np.zeros(n, dtype=bool)  # display name not blank
        self.name_hash = np.zeros(n, dtype=np.int64)  # of the normalised display name
        self.lang_ids = Ragged(n, np.int32)
        self.lang_shares = Ragged(n, np.float64)
        self.lang_norm = np.zeros(n, dtype=np.float64)  # as the language comparator sums it
        self.lang_top = np.full(n, -1, dtype=np.int32)  # the most used language's id
        #: the script mix's norm (float32, as the script comparator's ``np.linalg.norm``
        #: gives it) and its most used script, -1: no script mix
        self.scripts_norm = np.zeros(n, dtype=np.float32)
        self.scripts_top = np.full(n, -1, dtype=np.int8)
        #: per kind of token (hashtags, mentions, contexts, emoji) each row's tokens' hashes
        self.token_hashes = {kind: Ragged(n, np.uint32) for kind in TOKEN_KINDS}

    def _grow(self) -> None:
        old = {k: v for k, v in vars(self).items() if isinstance(v, np.ndarray)
               and v.shape[:1] == self.removed_us.shape}
        n = 2 * len(self.removed_us)
        for k, v in old.items():
            bigger = np.zeros((n, *v.shape[1:]), dtype=v.dtype)
            if k == "median_pause":
                bigger[:] = np.nan
            if k in ("lang_top", "scripts_top"):
                bigger[:] = -1
            bigger[: len(v)] = v
            setattr(self, k, bigger)
        for ragged in (self.pauses_of, self.lang_ids, self.lang_shares,
                       *self.token_hashes.values()):
            ragged.grow_rows(n)

    @property
    def pause_len(self) -> np.ndarray:
        """Per row its number of pauses, -1 for none."""
        return self.pauses_of.length

    def __len__(self) -> int:
        return len(self.row)

    def add(self, p: AccountProfile) -> None:
        if p.account_id in self.row:
            self.remove(p.account_id)
        if self._free:
            r = self._free.pop()
        else:
            if self._size == len(self.removed_us):
                self._grow()
            r = self._size
            self._size += 1
            self.profile.append(None)
        self.row[p.account_id] = r
        self.profile[r] = p
        self.has_removed[r] = p.removed_at is not None
        self.removed_us[r] = micros(p.removed_at) if p.removed_at is not None else 0
        self.has_last_post[r] = p.last_post is not None
        self.last_post_us[r] = micros(p.last_post) if p.last_post is not None else 0
        self.n_posts[r], self.n_text_posts[r] = p.n_posts, p.n_text_posts
        self.median_pause[r] = p.median_pause if p.median_pause is not None else np.nan
        self.has_hours[r] = p.hours is not None
        self._set_style(r, p.style)
        self.pauses_of.set(r, p.log_pauses)
        self._set_name(r, p.display_name)
        self._set_langs(r, p.langs)
        self._set_scripts(r, p.scripts)
        for kind, ragged in self.token_hashes.items():
            ragged.set(r, token_hashes(tokens_of(p, kind)))

    def add_many(self, profiles: Sequence[AccountProfile]) -> None:
        """:meth:`add` for many accounts (a build or a restart takes the removed set in at
        once): each column written once for all of them, the token hashes of each kind
        hashed and sorted in one pass. The same rows and values as one by one; accounts held
        already, or twice in ``profiles``, are added one by one."""
        ids = [p.account_id for p in profiles]
        if len(ids) < _FEW or len(set(ids)) < len(ids) or any(i in self.row for i in ids):
            for p in profiles:
                self.add(p)
            return
        rows = self._take_rows(len(profiles))
        for p, r in zip(profiles, rows.tolist(), strict=True):
            self.row[p.account_id] = r
            self.profile[r] = p
            self._set_style(r, p.style)
            self._set_name(r, p.display_name)
            self._set_scripts(r, p.scripts)
        removed = [p.removed_at for p in profiles]
        last = [p.last_post for p in profiles]
        self.has_removed[rows] = [t is not None for t in removed]
        self.removed_us[rows] = [micros(t) if t is not None else 0 for t in removed]
        self.has_last_post[rows] = [t is not None for t in last]
        self.last_post_us[rows] = [micros(t) if t is not None else 0 for t in last]
        self.n_posts[rows] = [p.n_posts for p in profiles]
        self.n_text_posts[rows] = [p.n_text_posts for p in profiles]
        self.median_pause[rows] = [np.nan if p.median_pause is None else p.median_pause
                                   for p in profiles]
        self.has_hours[rows] = [p.hours is not None for p in profiles]
        self.pauses_of.set_many(rows, [p.log_pauses for p in profiles])
        self._set_langs_many(rows, profiles)
        for kind, ragged in self.token_hashes.items():
            ragged.set_flat(rows, *_token_hashes_many(profiles, kind))

    def packed(self, ids: Sequence[str]
               ) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
        """The columns of the held accounts ``ids``, a row each in that order, as plain arrays
        (ragged columns as their values back to back and each row's length, -1: none), and
        as strings the languages by id and each row's normalised display name ("" for
        none): what a snapshot stores so that a start takes the columns as they are
        (:meth:`unpacked`) instead of deriving every row from its profile. Not the hashes of
        strings (the name and token hashes): a string's hash is this process's own."""
        rows = self.rows(ids)
        out = {name: getattr(self, name)[rows] for name in PACKED_FIXED}
        for name in PACKED_RAGGED:
            ragged: Ragged = getattr(self, name)
            out[f"{name}.values"], _ = ragged.gather(rows)
            out[f"{name}.length"] = ragged.length[rows]
        out["style_dim"] = np.array([-1 if self.style_dim is None else self.style_dim])
        keys = [name_key(p.display_name) or "" for p in self.profiles(rows)]
        return out, {"languages": list(self.languages.strings), "name_keys": keys}

    @classmethod
    def unpacked(cls, profiles: Sequence[AccountProfile], packed: Mapping[str, np.ndarray],
                 strings: Mapping[str, Sequence[str]]) -> RemovedColumns:
        """Columns over ``profiles`` (rows in their order) from what :meth:`packed` gave for
        them (the name hashes taken here, of the normalised names), the token hashes derived
        from the profiles. Raises ValueError when the arrays do not fit together (a length,
        a type, a language id out of range)."""
        n = len(profiles)
        languages, name_keys = strings["languages"], strings["name_keys"]
        if len(name_keys) != n or len({p.account_id for p in profiles}) != n:
            raise ValueError("packed columns for another set of accounts")
        out = cls(capacity=max(n, 1024))
        for name in PACKED_FIXED:
            have, want = packed[name], getattr(out, name)
            if have.shape != (n,) or have.dtype != want.dtype:
                raise ValueError(f"packed column {name}: {have.dtype}{have.shape}")
            want[:n] = have
        rows = np.arange(n, dtype=np.int64)
        for name in PACKED_RAGGED:
            ragged: Ragged = getattr(out, name)
            values, lens = packed[f"{name}.values"], packed[f"{name}.length"]
            if values.dtype != ragged.values.dtype or lens.shape != (n,) or (lens < -1).any():
                raise ValueError(f"packed column {name}: {values.dtype}, lengths {lens.shape}")
            ragged.set_flat(rows, values, lens)
        ids = np.concatenate([out.lang_ids.values[: out.lang_ids._used], out.lang_top[:n]])
        if ids.size and (ids.min() < -1 or ids.max() >= len(languages)):
            raise ValueError("a language id out of range")
        out._restore_languages(languages)
        dim = int(packed["style_dim"][0])
        out.style_dim = None if dim < 0 else dim
        out.name_hash[:n] = [hash(k) if has else 0
                             for k, has in zip(name_keys, out.has_name[:n].tolist(), strict=True)]
        out.row = {p.account_id: r for r, p in enumerate(profiles)}
        out.profile = list(profiles)
        out._size = n
        for kind, ragged in out.token_hashes.items():
            ragged.set_flat(rows, *_token_hashes_many(profiles, kind))
        return out

    def _restore_languages(self, strings: Sequence[str]) -> None:
        """The interner as the rows' language ids hold it: each id's string, counted by the
        rows holding it; an id no row holds is free."""
        held = self.lang_ids.values[: self.lang_ids._used]
        refs = np.bincount(held, minlength=len(strings)).tolist() if len(strings) else []
        lang = self.languages
        lang.strings, lang._refs = list(strings), refs
        lang.ids = {s: i for i, (s, k) in enumerate(zip(strings, refs, strict=True)) if k}
        lang._free = [i for i, k in enumerate(refs) if not k]
        if len(lang.ids) != len(strings) - len(lang._free):
            raise ValueError("a language named twice")

    def _take_rows(self, n: int) -> np.ndarray:
        """Rows for ``n`` new accounts, the free ones first, in the order one by one would
        take them."""
        free = [self._free.pop() for _ in range(min(n, len(self._free)))]
        fresh = n - len(free)
        while self._size + fresh > len(self.removed_us):
            self._grow()
        self.profile.extend([None] * fresh)
        rows = free + list(range(self._size, self._size + fresh))
        self._size += fresh
        return np.array(rows, dtype=np.int64)

    def _set_langs_many(self, rows: np.ndarray, profiles: Sequence[AccountProfile]) -> None:
        langs = [self._lang_row(r, p.langs) for r, p in zip(rows.tolist(), profiles,
                                                             strict=True)]
        self.lang_ids.set_many(rows, [ids for ids, _ in langs])
        self.lang_shares.set_many(rows, [shares for _, shares in langs])

    def _set_name(self, r: int, display_name: str) -> None:
        key = name_key(display_name)
        self.has_name[r] = key is not None
        self.name_hash[r] = hash(key) if key is not None else 0

    def _set_langs(self, r: int, langs: dict[str, float] | Any) -> None:
        ids, shares = self._lang_row(r, langs)
        self.lang_ids.set(r, ids)
        self.lang_shares.set(r, shares)

    def _lang_row(self, r: int, langs: dict[str, float] | Any
                  ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Row ``r``'s most used language and norm set; its language ids (interned) and
        shares returned for the ragged columns (None: no languages)."""
        if not langs:
            self.lang_top[r] = -1
            return None, None
        ids = np.array([self.languages.hold(k) for k in langs], dtype=np.int32)
        self.lang_top[r] = self.languages.get(max(langs, key=langs.get))
        # the very expression of the pair form, once per row
        self.lang_norm[r] = sum(v * v for v in langs.values()) ** 0.5
        return ids, np.fromiter(langs.values(), dtype=np.float64, count=len(langs))

    def _set_scripts(self, r: int, scripts: np.ndarray | None) -> None:
        self.scripts_top[r] = -1 if scripts is None else int(np.argmax(scripts))
        # np.linalg.norm's own steps for a vector, without its checks
        self.scripts_norm[r] = 0 if scripts is None else np.sqrt(scripts.dot(scripts))

    def _set_style(self, r: int, style: np.ndarray | None) -> None:
        if style is not None and self.style_dim is None:
            self.style_dim = int(style.shape[0])
        self.has_style[r] = style is not None and style.shape[0] == self.style_dim

    def style(self, rows: np.ndarray) -> np.ndarray:
        """The style vectors of ``rows`` as a (rows, width) float32 matrix, zeros where a
        row has none (or one of another width)."""
        return self._stack(rows, "style", self.has_style, self.style_dim or 0)

    def hours(self, rows: np.ndarray) -> np.ndarray:
        """The activity hours of ``rows`` as a (rows, 24) float32 matrix, zeros where a row
        has none."""
        return self._stack(rows, "hours", self.has_hours, 24)

    def _stack(self, rows: np.ndarray, field: str, has: np.ndarray, width: int) -> np.ndarray:
        """One float32 vector field of the profiles of ``rows``, a row each."""
        held = self.profile
        zero = np.zeros(width, dtype=np.float32)
        out = [getattr(held[r], field) if ok else zero
               for r, ok in zip(rows.tolist(), has[rows].tolist(), strict=True)]
        if not out:
            return np.zeros((0, width), dtype=np.float32)
        return np.stack(out).astype(np.float32, copy=False)  # as a float32 column held them

    def remove(self, account_id: str) -> None:
        r = self.row.pop(account_id, None)
        if r is None:
            return
        self.has_removed[r] = self.has_last_post[r] = self.has_hours[r] = False
        self.has_style[r] = False
        self.pauses_of.clear(r)
        self.profile[r] = None
        self.has_name[r] = False
        ids, _ = self.lang_ids.gather(np.array([r]))
        for i in ids.tolist():
            self.languages.release(i)
        self.lang_ids.clear(r)
        self.lang_shares.clear(r)
        self.lang_top[r] = -1
        self.scripts_top[r] = -1
        for ragged in self.token_hashes.values():
            ragged.clear(r)
        self._free.append(r)

    def rows(self, ids: Sequence[str]) -> np.ndarray:
        return np.fromiter((self.row[i] for i in ids), dtype=np.int64, count=len(ids))

    def pauses(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pauses of ``rows`` concatenated, and each row's count (0 for none)."""
        return self.pauses_of.gather(rows)

    def profiles(self, rows: np.ndarray) -> list[AccountProfile]:
        """The profiles of live ``rows``, in their order."""
        held = self.profile
        return [held[r] for r in rows.tolist()]  # type: ignore[misc]
