"""A snapshot of the mirror index: the removed accounts' built profiles and their text
signatures, in columns, so that a restarted worker loads them instead of rebuilding every
profile from the store (building a profile costs several times what indexing it does).

The file is one ``.npz`` archive of plain ``.npy`` arrays — never a pickle: an object array
in it is refused, not executed. Its members are aligned so that a start maps the file and
takes each array as a read-only view of it after checking its CRC-32, instead of copying it
out (:mod:`tarazu.linkage.snapshot_file`). Every feature is
one column over all accounts: numbers as one array, strings as UTF-8 bytes with offsets, sets
and sequences (of strings, hashes or floats) in CSR form (values and offsets), an optional
value with a presence mask. A JSON header (itself a byte array in the archive) names the
format, the model and linker configuration the profiles were read and indexed with, the
position in the moderation event log the snapshot reflects and any caller's columns.

Besides the profiles, what is dear to derive from them is stored and restored: the text
MinHash signatures (hashing every vocabulary again is a large part of indexing), the rarity
statistics (:class:`~tarazu.linkage.corpus.CorpusCounts`: counting every account again —
hashing its sign-up traces, merging its phrases — is another), and since format 5 the
linker's columns, the text index's band tables and the picture index's hashes
(:mod:`tarazu.linkage.snapshot_restore`). Each is checked against a sample of the profiles
when loading and derived again if it does not hold what those profiles would derive (as a
version that derived otherwise would write). The rest is derived when loading, by adding
the profiles to the linker: the name, token and time indexes and the term frequencies. A
file of format 4 (without the columns and tables) or 5 (bio words hashed otherwise) is read,
and what it lacks or holds in another form derived."""

from __future__ import annotations

import bisect
import hashlib
import io
import json
import os
import sys
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from tarazu.linkage.corpus import KINDS, CorpusCounts, counted_hashes, tokens_of
from tarazu.linkage.linker import MirrorLinker
from tarazu.linkage.profile import (
    COUNT_TYPES,
    AccountProfile,
    CharVector,
    bio_terms,
    count_types,
    profiles_of_columns,
)
from tarazu.linkage.snapshot_codec import (
    get_arrays,
    get_lists,
    get_strings,
    put_arrays,
    put_lists,
    put_strings,
)
from tarazu.linkage.snapshot_file import read_columns, write_columns
from tarazu.linkage.snapshot_restore import (
    put_restorable,
    restored,
    sampled,
    signatures_hold,
    text_index,
)

FORMAT = "tarazu-mirror-index/6"  # 6: bio words as their sign-up trace hashes
#: the formats this version reads (what an older one lacks is derived); 5: the linker's
#: columns, text bands, picture hashes; 4: n-gram vectors as counts
READS = (FORMAT, "tarazu-mirror-index/5", "tarazu-mirror-index/4")
#: formats whose bio words are another hash of the words: derived again from the bio
_OLD_BIO_WORDS = frozenset(("tarazu-mirror-index/5", "tarazu-mirror-index/4"))
HEADER = "header"

_STR = ("account_id", "status", "handle", "display_name", "handle_key", "bio", "platform")
_OPT_STR = ("avatar_pdq",)
_DATE = ("created_at",)
_OPT_DATE = ("removed_at", "first_post", "last_post")
_INT = ("n_posts", "n_text_posts", "n_acting_posts", "n_own_page_posts", "n_empty_posts")
_OPT_FLOAT = ("median_pause",)
_STR_SET = ("name_tokens", "link_keys", "hashtags", "mentions", "post_links", "media_md5",
            "references", "emoji")
_STR_TUPLE = ("verified_categories", "media_pdq")
_ARRAY = ("bio_words", "connections", "shingles", "content_words", "voice")
_OPT_ARRAY = ("style", "hours", "log_pauses", "scripts")
_STR_MAP = ("identifiers",)
_FLOAT_MAP = ("langs",)
_SERIES_MAP = ("contexts",)
_CHAR = ("char_tf", "recent_tf")
COVERED = frozenset((*_STR, *_OPT_STR, *_DATE, *_OPT_DATE, *_INT, *_OPT_FLOAT, *_STR_SET,
                     *_STR_TUPLE, *_ARRAY, *_OPT_ARRAY, *_STR_MAP, *_FLOAT_MAP, *_SERIES_MAP,
                     *_CHAR))
_EMPTY: frozenset[str] = frozenset()
#: strings many profiles share, interned when read (as ``profile.build_profiles`` does)
_SHARED_STR = ("status", "platform")
#: strings of one account each (not interned)
_UNSHARED = frozenset(("media_md5", "media_pdq"))


class SnapshotUnusable(Exception):
    """The snapshot cannot stand for the index (missing, corrupt, another format, model or
    configuration); the message says which, for the log line of the fallback."""


def uncovered_fields() -> list[str]:
    """Profile fields the snapshot format does not store (a new feature must be added here
    before a snapshot can carry it; until then no snapshot is written or loaded)."""
    return sorted({f.name for f in fields(AccountProfile)} - COVERED)


def linker_fingerprint(linker: MirrorLinker, format: str = FORMAT) -> str:
    """What the stored profiles and signatures depend on: the model (its comparators read the
    profiles), the linker's configuration (index parameters), the platform profile and the
    file's format."""
    text = json.dumps({"model": linker.model.to_dict(), "config": asdict(linker.config),
                       "platform": linker.platform.name, "format": format},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SnapshotHeader:
    format: str
    fingerprint: str
    position: int  # the moderation event log's sequence number the snapshot reflects
    count: int
    written_at: str
    meta: Mapping[str, Any]


# -- profiles as columns --------------------------------------------------------------------
def _dtype_of(profiles: Sequence[AccountProfile], name: str, default: str) -> np.dtype:
    for p in profiles:
        v = getattr(p, name)
        if v is not None:
            return np.asarray(v).dtype
    return np.dtype(default)


def _encode(profiles: Sequence[AccountProfile]) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    cols: dict[str, np.ndarray] = {}
    dtypes: dict[str, str] = {}
    for name in _STR:
        put_strings(cols, name, [getattr(p, name) for p in profiles])
    for name in _OPT_STR:
        vals = [getattr(p, name) for p in profiles]
        put_strings(cols, name, [v or "" for v in vals])
        cols[f"{name}.present"] = np.array([v is not None for v in vals], dtype=bool)
    for name in (*_DATE, *_OPT_DATE):
        vals = [getattr(p, name) for p in profiles]
        put_strings(cols, name, [v.isoformat() if v is not None else "" for v in vals])
    for name in _INT:
        cols[name] = np.array([getattr(p, name) for p in profiles], dtype=np.int64)
    for name in _OPT_FLOAT:
        vals = [getattr(p, name) for p in profiles]
        cols[f"{name}.values"] = np.array([v if v is not None else 0.0 for v in vals])
        cols[f"{name}.present"] = np.array([v is not None for v in vals], dtype=bool)
    for name in _STR_SET:  # sorted: the same set always gives the same bytes
        put_lists(cols, name, [sorted(getattr(p, name)) for p in profiles])
    for name in _STR_TUPLE:
        put_lists(cols, name, [list(getattr(p, name)) for p in profiles])
    for name in (*_ARRAY, *_OPT_ARRAY):
        dtype = _dtype_of(profiles, name, "float64")
        dtypes[name] = dtype.str
        put_arrays(cols, name, [getattr(p, name) for p in profiles], dtype)
    for name in _STR_MAP:
        maps = [getattr(p, name) for p in profiles]
        put_lists(cols, f"{name}.keys", [list(m) for m in maps])
        put_lists(cols, f"{name}.values", [list(m.values()) for m in maps])
    for name in _FLOAT_MAP:
        maps = [getattr(p, name) for p in profiles]
        put_lists(cols, f"{name}.keys", [list(m) for m in maps])
        put_arrays(cols, name, [np.array(list(m.values()), dtype=np.float64) for m in maps],
                    np.dtype(np.float64))
    for name in _SERIES_MAP:  # key -> tuple of floats: one more level of offsets
        maps = [getattr(p, name) for p in profiles]
        put_lists(cols, f"{name}.keys", [list(m) for m in maps])
        put_arrays(cols, name, [np.array(s, dtype=np.float64) for m in maps
                                 for s in m.values()], np.dtype(np.float64))
    # the recent posts' vector is often the very object of all posts' (one vector, not two)
    own = [p.recent_tf if p.recent_tf is not p.char_tf else None for p in profiles]
    cols["recent_tf.same"] = np.array([p.recent_tf is p.char_tf for p in profiles], dtype=bool)
    for name, vectors in (("char_tf", [p.char_tf for p in profiles]), ("recent_tf", own)):
        _put_char_vectors(cols, name, vectors)
    return cols, dtypes


def _dates(cols: Mapping[str, np.ndarray], name: str) -> list[datetime | None]:
    return [datetime.fromisoformat(s) if s else None for s in get_strings(cols, name)]


def _put_char_vectors(cols: dict[str, np.ndarray], name: str,
                      vectors: Sequence[CharVector | None]) -> None:
    """N-gram vectors: their columns, and their counts where they hold counts (as built
    profiles do), else their weights."""
    put_arrays(cols, f"{name}.indices", [v.indices if v else None for v in vectors],
                np.dtype(np.int32))
    put_arrays(cols, f"{name}.counts", [v.counts if v else None for v in vectors],
                np.dtype(np.uint32))
    put_arrays(cols, f"{name}.data", [v.data if v and v.counts is None else None
                                       for v in vectors], np.dtype(np.float32))


def _narrowed_counts(cols: Mapping[str, np.ndarray], name: str) -> list[np.ndarray | None]:
    """:func:`get_arrays` of n-gram counts, each in the type :func:`narrow_counts` gives it,
    as views of one narrowed copy of the column a type: one pass over the column for the
    largest count of each vector, not a pass and a copy per vector."""
    values = cols[f"{name}.values"]
    o = cols[f"{name}.offsets"]
    starts, lens = o[:-1], np.diff(o)
    top = np.zeros(len(lens), dtype=np.int64)
    full = lens > 0
    if full.any():
        top[full] = np.maximum.reduceat(values, starts[full])
    kinds = count_types(top).tolist()
    typed = {k: values.astype(COUNT_TYPES[k]) for k in set(kinds)}
    ol = o.tolist()
    return [typed[k][ol[i] : ol[i + 1]] if ok else None
            for i, (k, ok) in enumerate(zip(kinds, cols[f"{name}.present"].tolist(),
                                            strict=True))]


def _char_vectors(cols: Mapping[str, np.ndarray], name: str) -> list[CharVector | None]:
    out: list[CharVector | None] = []
    for i, n, d in zip(get_arrays(cols, f"{name}.indices"),
                       _narrowed_counts(cols, f"{name}.counts"),
                       get_arrays(cols, f"{name}.data"), strict=True):
        if i is None:
            out.append(None)
        elif n is not None:
            out.append(CharVector.of_counts(i, n, narrowed=True))
        elif d is not None:
            out.append(CharVector(i, d))
        else:
            raise ValueError(f"an n-gram vector of {name} without counts or weights")
    return out


def _decode(cols: Mapping[str, np.ndarray], count: int, format: str = FORMAT,
            ) -> list[AccountProfile]:
    kw: dict[str, list[Any]] = {}
    for name in _STR:
        kw[name] = get_strings(cols, name)
    for name in _SHARED_STR:  # as build_profiles interns them: one object per value
        kw[name] = list(map(sys.intern, kw[name]))
    for name in _OPT_STR:
        kw[name] = [v if ok else None for v, ok in zip(
            get_strings(cols, name), cols[f"{name}.present"].tolist(), strict=True)]
    for name in (*_DATE, *_OPT_DATE):
        kw[name] = _dates(cols, name)
    for name in _INT:
        kw[name] = cols[name].tolist()
    for name in _OPT_FLOAT:
        kw[name] = [v if ok else None for v, ok in zip(
            cols[f"{name}.values"].tolist(), cols[f"{name}.present"].tolist(), strict=True)]
    for name in _STR_SET:
        kw[name] = [frozenset(v) if v else _EMPTY
                    for v in get_lists(cols, name, intern=name not in _UNSHARED)]
    for name in _STR_TUPLE:
        kw[name] = list(map(tuple, get_lists(cols, name, intern=name not in _UNSHARED)))
    for name in (*_ARRAY, *_OPT_ARRAY):
        kw[name] = get_arrays(cols, name)
    if format in _OLD_BIO_WORDS:
        kw["bio_words"] = list(map(bio_terms, kw["bio"]))
    for name in _STR_MAP:
        kw[name] = [dict(zip(k, v, strict=True)) for k, v in zip(
            get_lists(cols, f"{name}.keys", intern=True), get_lists(cols, f"{name}.values"),
            strict=True)]
    for name in _FLOAT_MAP:
        kw[name] = [dict(zip(k, v.tolist(), strict=True)) for k, v in zip(
            get_lists(cols, f"{name}.keys", intern=True), get_arrays(cols, name), strict=True)]
    for name in _SERIES_MAP:
        series = iter(get_arrays(cols, name))
        kw[name] = [{k: tuple(next(series).tolist()) for k in keys}  # type: ignore[union-attr]
                    for keys in get_lists(cols, f"{name}.keys", intern=True)]
    kw["char_tf"] = _char_vectors(cols, "char_tf")
    own = _char_vectors(cols, "recent_tf")
    kw["recent_tf"] = [c if same else r for c, r, same in zip(
        kw["char_tf"], own, cols["recent_tf.same"].tolist(), strict=True)]
    return profiles_of_columns(kw, count)


def _put_counts(cols: dict[str, np.ndarray], c: CorpusCounts) -> None:
    cols["counts.scalars"] = np.array([c.n, c.char_n, c.char_df is not None], dtype=np.int64)
    put_strings(cols, "counts.members", c.members)
    for kind in KINDS:
        put_strings(cols, f"counts.df.{kind}", list(c.df[kind]))
        cols[f"counts.df.{kind}.n"] = np.fromiter(c.df[kind].values(), dtype=np.int64,
                                                  count=len(c.df[kind]))
    for name, (keys, counts) in (("shingles", c.shingles), ("traces", c.traces)):
        cols[f"counts.{name}.keys"], cols[f"counts.{name}.n"] = keys, counts
    if c.char_df is not None:
        cols["counts.chars"] = c.char_df


def _get_counts(cols: Mapping[str, np.ndarray]) -> CorpusCounts | None:
    """The stored counts (None: the snapshot has none)."""
    if "counts.scalars" not in cols:
        return None
    n, char_n, has_chars = cols["counts.scalars"].tolist()
    df = {}
    for kind in KINDS:
        tokens = map(sys.intern, get_strings(cols, f"counts.df.{kind}"))
        df[kind] = dict(zip(tokens, cols[f"counts.df.{kind}.n"].tolist(), strict=True))
    return CorpusCounts(
        n=n, members=get_strings(cols, "counts.members"), df=df,
        shingles=(cols["counts.shingles.keys"], cols["counts.shingles.n"]),
        traces=(cols["counts.traces.keys"], cols["counts.traces.n"]),
        char_df=cols["counts.chars"] if has_chars else None, char_n=char_n)


def _counts_hold(counts: CorpusCounts, profiles: Sequence[AccountProfile]) -> bool:
    """Whether ``counts`` hold what a sample of ``profiles`` would count (each account
    among the members, each of its phrases and traces counted): counts from a version that
    derived them otherwise fail it, and are counted again."""
    members = counts.members  # sorted
    if len(members) < len(profiles):
        return False
    for p in (profiles[i] for i in sampled(profiles)):
        at = bisect.bisect_left(members, p.account_id)
        if at == len(members) or members[at] != p.account_id:
            return False
        for (keys, _), hashes in zip((counts.shingles, counts.traces), counted_hashes(p),
                                     strict=True):
            pos = np.searchsorted(keys, hashes.astype(keys.dtype))
            if hashes.size and (pos.max() >= keys.size or np.any(keys[pos] != hashes)):
                return False
        for kind in KINDS:
            if any(t not in counts.df[kind] for t in tokens_of(p, kind)):
                return False
    return True


# -- the file -------------------------------------------------------------------------------
def save_snapshot(path: Path, linker: MirrorLinker, position: int,
                  extra: Mapping[str, Sequence[str]] | None = None,
                  meta: Mapping[str, Any] | None = None,
                  now: Callable[[], datetime] | None = None) -> SnapshotHeader:
    """Write the linker's removed accounts to ``path`` (atomically: a reader sees the old file
    or the new one). ``extra``: string columns of the caller, one value per removed account in
    the linker's order (e.g. record fingerprints), returned by :func:`load_snapshot`."""
    if missing := uncovered_fields():
        raise ValueError(f"the snapshot format does not store profile fields {missing}")
    profiles = list(linker.removed.values())
    cols, dtypes = _encode(profiles)
    text = text_index(linker)
    sigs = [text.signature(p) if text is not None else None for p in profiles]
    put_arrays(cols, "text_signature", sigs, np.dtype(np.uint64))
    _put_counts(cols, linker.corpus.counted())
    put_restorable(cols, linker, profiles, sigs)
    for name, values in (extra or {}).items():
        if len(values) != len(profiles):
            raise ValueError(f"extra column {name!r}: {len(values)} values, "
                             f"{len(profiles)} accounts")
        put_strings(cols, f"extra.{name}", list(values))
    header = SnapshotHeader(FORMAT, linker_fingerprint(linker), int(position), len(profiles),
                            (now or datetime.now)().isoformat(), dict(meta or {}))
    doc = {**asdict(header), "dtypes": dtypes, "extra": sorted(extra or {})}
    cols[HEADER] = np.frombuffer(json.dumps(doc).encode("utf-8"), dtype=np.uint8)
    if any(a.dtype == object for a in cols.values()):
        raise ValueError("a snapshot column holds Python objects")  # would need pickle
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    # owner-only: the profiles hold the removed accounts' identifiers, bios and names
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        write_columns(f, cols)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return header


def read_header(path: Path) -> dict[str, Any]:
    """The JSON header alone (without reading the columns)."""
    with np.load(path, allow_pickle=False) as z:
        return json.loads(z[HEADER].tobytes().decode("utf-8"))


def load_snapshot(path: Path, linker: MirrorLinker
                  ) -> tuple[SnapshotHeader, dict[str, list[str]]]:
    """Add the snapshot's removed accounts to ``linker`` (expected empty) and return its header
    and the caller's extra columns (keyed by account id order: the linker's new order).

    Raises :class:`SnapshotUnusable` — before changing the linker — when the file is missing,
    unreadable, of another format, or written for another model or configuration."""
    if linker.removed:
        raise ValueError("a snapshot is loaded into a linker without removed accounts")
    if not path.is_file():
        raise SnapshotUnusable(f"no snapshot at {path.name}")
    if missing := uncovered_fields():
        raise SnapshotUnusable(f"this version's profiles have fields the snapshot format does "
                               f"not store: {missing}")
    try:
        cols = read_columns(path)
        doc = json.loads(cols.pop(HEADER).tobytes().decode("utf-8"))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError,
            io.UnsupportedOperation, UnicodeDecodeError) as e:
        raise SnapshotUnusable(f"{path.name} is unreadable: {type(e).__name__}: {e}") from e
    if doc.get("format") not in READS:
        raise SnapshotUnusable(f"{path.name} has format {doc.get('format')!r}, this version "
                               f"reads {' and '.join(map(repr, READS))}")
    if doc.get("fingerprint") != linker_fingerprint(linker, doc["format"]):
        raise SnapshotUnusable(f"{path.name} was written for another model or linker "
                               f"configuration (written with {doc.get('meta', {})})")
    header = SnapshotHeader(doc["format"], doc["fingerprint"], int(doc["position"]),
                            int(doc["count"]), doc["written_at"], doc.get("meta", {}))
    try:
        profiles = _decode(cols, header.count, header.format)
        sigs = get_arrays(cols, "text_signature")
        extra = {name: get_strings(cols, f"extra.{name}") for name in doc.get("extra", [])}
        counts = _get_counts(cols)
        if counts is not None:
            counts.check()  # refused here, before the linker changes
            if not _counts_hold(counts, profiles):
                counts = None  # counted otherwise: counted again, from the profiles
    except (KeyError, ValueError, IndexError, TypeError, UnicodeDecodeError) as e:
        raise SnapshotUnusable(f"{path.name} is corrupt: {type(e).__name__}: {e}") from e
    if len(sigs) != len(profiles) or any(len(v) != len(profiles) for v in extra.values()):
        raise SnapshotUnusable(f"{path.name} is corrupt: columns of unequal length")
    if not signatures_hold(text_index(linker), profiles, sigs):
        sigs = [None] * len(profiles)  # hashed otherwise: computed again
    taken = restored(cols, linker, profiles, sigs)
    linker.add_removed_profiles(profiles, sigs, counts, taken.columns, taken.install(linker))
    return header, extra


# -- profiles as bytes ----------------------------------------------------------------------
def encode_profiles(profiles: Sequence[AccountProfile]) -> bytes:
    """Profiles as bytes in the snapshot's columns: how a new account's profile, built once,
    reaches the shards of the removed set. Not an ``.npz`` (a zip member and a header per
    column cost more than the comparison of a new account does): a JSON header naming each
    column's dtype, shape and place, then the columns' raw bytes. Numbers only, no pickle."""
    cols, _ = _encode(profiles)
    head, blobs, at = [], [], 0
    for name, a in cols.items():
        if a.dtype == object:
            raise ValueError(f"column {name!r} holds Python objects")
        a = np.ascontiguousarray(a)
        head.append([name, a.dtype.str, list(a.shape), at, a.nbytes])
        blobs.append(a.tobytes())
        at += a.nbytes
    doc = json.dumps({"count": len(profiles), "columns": head}).encode("utf-8")
    return len(doc).to_bytes(4, "big") + doc + b"".join(blobs)


def decode_profiles(data: bytes) -> list[AccountProfile]:
    """The profiles :func:`encode_profiles` wrote."""
    n = int.from_bytes(data[:4], "big")
    doc = json.loads(data[4 : 4 + n].decode("utf-8"))
    body = memoryview(data)[4 + n :]
    cols = {}
    for name, dtype, shape, at, size in doc["columns"]:
        dt = np.dtype(dtype)
        if dt.hasobject:
            raise ValueError(f"column {name!r} holds Python objects")
        # a column of its own, not a view of ``data``: the profiles' arrays are views of
        # their columns, and would otherwise hold all of ``data`` (its strings too)
        cols[name] = np.frombuffer(body[at : at + size], dtype=dt).reshape(shape).copy()
    return _decode(cols, int(doc["count"]))
