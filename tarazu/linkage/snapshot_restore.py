"""What a start from a snapshot would otherwise derive from the removed accounts' profiles,
stored beside them and restored: the linker's columns (:class:`RemovedColumns`: the
fixed-width and ragged columns, the languages, the normalised display names), the text
index's band tables (:class:`~tarazu.linkage.lsh.FlatLSH`) and the picture index's hashes
(:class:`~tarazu.linkage.blocking.AvatarPdqBlocker`). Deriving them costs Python work for
every account (normalising its name, interning its languages, reading and checking each of
its picture hashes, hashing and sorting its bands); taking them costs array copies.

Nothing restored is trusted before it is checked, as the rarity counts are: its arrays must
fit together (lengths, types, ranges, order), and a sample of the accounts must find in it
what deriving them gives (their rows of the columns, their bands, their hashes). What fails
is derived again from the profiles, as what a snapshot lacks (an older writer's) is: a
restored structure gives the answers of a derived one, or is not used. The stored text
signatures are checked on the same sample before the text index is built from them.

Not restored: the name and token indexes (dicts of strings, which cost their Python objects
whichever way they are filled), the time index, the term frequencies and the token hashes of
the columns (hashes of strings are a process's own)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tarazu.linkage.blocking import AvatarPdqBlocker, TextLSHIndex
from tarazu.linkage.columnar.store import RemovedColumns
from tarazu.linkage.linker import MirrorLinker
from tarazu.linkage.lsh import FlatLSH
from tarazu.linkage.profile import AccountProfile
from tarazu.linkage.snapshot_codec import get_strings, put_strings

#: accounts a restored structure (or the stored counts) is checked on, spread over all
SAMPLE = 32

#: what a restored structure may raise when its arrays are missing or do not fit together
_UNFIT = (KeyError, ValueError, IndexError, TypeError, UnicodeDecodeError)

_COLUMNS, _STRINGS = "columns.", "columns.strings."


def sampled(profiles: Sequence[AccountProfile]) -> list[int]:
    """The positions of the accounts a check reads: spread evenly, the last one included."""
    n = len(profiles)
    return sorted({*range(0, n, max(1, n // SAMPLE)), n - 1}) if n else []


def text_index(linker: MirrorLinker) -> TextLSHIndex | None:
    return next((ix for ix in linker.blocker.indexes if isinstance(ix, TextLSHIndex)), None)


def picture_index(linker: MirrorLinker) -> AvatarPdqBlocker | None:
    return next((ix for ix in linker.blocker.indexes if isinstance(ix, AvatarPdqBlocker)), None)


# -- the columns ----------------------------------------------------------------------------
def put_columns(cols: dict[str, np.ndarray], columns: RemovedColumns,
                profiles: Sequence[AccountProfile]) -> None:
    packed, strings = columns.packed([p.account_id for p in profiles])
    cols.update({f"{_COLUMNS}{name}": a for name, a in packed.items()})
    for name, values in strings.items():
        put_strings(cols, f"{_STRINGS}{name}", values)


def restored_columns(cols: Mapping[str, np.ndarray], profiles: Sequence[AccountProfile]
                     ) -> RemovedColumns | None:
    """The stored columns over ``profiles``, or None (none stored, or they do not hold what
    the sampled profiles derive: the columns are derived)."""
    if f"{_COLUMNS}style_dim" not in cols:
        return None
    packed = {k[len(_COLUMNS):]: a for k, a in cols.items()
              if k.startswith(_COLUMNS) and not k.startswith(_STRINGS)}
    try:
        strings = {name: get_strings(cols, f"{_STRINGS}{name}")
                   for name in ("languages", "name_keys")}
        columns = RemovedColumns.unpacked(profiles, packed, strings)
    except _UNFIT:
        return None
    return columns if _columns_hold(columns, profiles) else None


def _columns_hold(columns: RemovedColumns, profiles: Sequence[AccountProfile]) -> bool:
    """Whether the sampled accounts' rows are those deriving them gives."""
    sample = [profiles[i] for i in sampled(profiles)]
    derived = RemovedColumns()
    derived.add_many(sample)
    return columns_agree(derived, columns, [p.account_id for p in sample])


def columns_agree(a: RemovedColumns, b: RemovedColumns, ids: Sequence[str]) -> bool:
    """Whether ``a`` and ``b`` hold the same rows for accounts ``ids``, value for value
    (languages compared by name: two interners number them otherwise)."""
    want, got = _named(*a.packed(ids)), _named(*b.packed(ids))
    if want.keys() != got.keys() or not all(_same(want[k], got[k]) for k in want):
        return False
    return bool(np.array_equal(a.name_hash[a.rows(ids)], b.name_hash[b.rows(ids)]))


def _named(packed: dict[str, np.ndarray], strings: Mapping[str, Sequence[str]]
           ) -> dict[str, np.ndarray]:
    """``packed`` with its language ids as the languages' names (-1, none: "")."""
    names = np.array([*strings["languages"], ""], dtype=object)
    return {**packed, "lang_ids.values": names[packed["lang_ids.values"]],
            "lang_top": names[packed["lang_top"]]}


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and bool(
        np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


# -- the text index -------------------------------------------------------------------------
def signatures_hold(text: TextLSHIndex | None, profiles: Sequence[AccountProfile],
                    signatures: Sequence[np.ndarray | None]) -> bool:
    """Whether the stored text signatures of the sampled accounts are theirs (a version that
    hashed otherwise wrote others: then every signature is computed again)."""
    if text is None:
        return True
    for i in sampled(profiles):
        want, got = text.signature(profiles[i]), signatures[i]
        if want is None or got is None:
            if want is not got:
                return False
        elif not np.array_equal(want, got):
            return False
    return True


def put_text_bands(cols: dict[str, np.ndarray], text: TextLSHIndex,
                   profiles: Sequence[AccountProfile],
                   signatures: Sequence[np.ndarray | None]) -> None:
    """The band tables a start would build from ``signatures`` (those of ``profiles``, in
    their order): built here, from the same signatures, as the start would build them."""
    held = [(p.account_id, s) for p, s in zip(profiles, signatures, strict=True)
            if s is not None]
    lsh = _empty_like(text.lsh)
    lsh.insert_many([i for i, _ in held], [s for _, s in held])
    _, cols["text.keys"], cols["text.slots"] = lsh.packed()


def restored_text_bands(cols: Mapping[str, np.ndarray], text: TextLSHIndex,
                        profiles: Sequence[AccountProfile],
                        signatures: Sequence[np.ndarray | None]) -> FlatLSH | None:
    """The stored band tables of the accounts with a signature, or None (none stored, or
    the sampled accounts are not held under their bands: the tables are built again)."""
    if "text.keys" not in cols:
        return None
    items = [p.account_id for p, s in zip(profiles, signatures, strict=True) if s is not None]
    lsh = _empty_like(text.lsh)
    try:
        lsh.restore(items, cols["text.keys"], cols["text.slots"])
    except _UNFIT:
        return None
    for i in sampled(profiles):
        sig = text.signature(profiles[i])
        if sig is not None and not lsh.holds(profiles[i].account_id, sig):
            return None
    return lsh


def _empty_like(lsh: FlatLSH) -> FlatLSH:
    return FlatLSH(lsh.bands, lsh.rows, lsh.merge_every)


# -- the picture index ----------------------------------------------------------------------
def put_pictures(cols: dict[str, np.ndarray], pictures: AvatarPdqBlocker,
                 profiles: Sequence[AccountProfile]) -> None:
    cols["pictures.words"], cols["pictures.counts"] = pictures.packed(
        [p.account_id for p in profiles])


def restored_pictures(cols: Mapping[str, np.ndarray], like: AvatarPdqBlocker,
                      profiles: Sequence[AccountProfile]) -> AvatarPdqBlocker | None:
    """A picture index configured as ``like`` holding the stored hashes, or None (none
    stored, or the sampled accounts' hashes are not those they would be indexed by)."""
    if "pictures.words" not in cols:
        return None
    words, counts = cols["pictures.words"], cols["pictures.counts"]
    try:
        if words.dtype != np.uint64 or counts.dtype != np.int64:
            raise TypeError(f"picture hashes of {words.dtype}, counts of {counts.dtype}")
        ends = np.cumsum(counts)
        for i in sampled(profiles):
            held = words[ends[i] - counts[i] : ends[i]]
            if [w.tobytes().hex() for w in held] != AvatarPdqBlocker.indexed_hashes(profiles[i]):
                return None
        out = AvatarPdqBlocker(max_distance=like.max_distance)
        out.restore([p.account_id for p in profiles], words, counts)
    except _UNFIT:
        return None
    return out


# -- all of it ------------------------------------------------------------------------------
def put_restorable(cols: dict[str, np.ndarray], linker: MirrorLinker,
                   profiles: Sequence[AccountProfile],
                   signatures: Sequence[np.ndarray | None]) -> None:
    """Store what a start restores of ``linker`` (holding ``profiles``, in their order)."""
    put_columns(cols, linker.columns, profiles)
    if (text := text_index(linker)) is not None:
        put_text_bands(cols, text, profiles, signatures)
    if (pictures := picture_index(linker)) is not None:
        put_pictures(cols, pictures, profiles)


@dataclass(frozen=True)
class Restored:
    """What a start takes from the snapshot (None: derived from the profiles)."""

    columns: RemovedColumns | None = None
    text_bands: FlatLSH | None = None
    pictures: AvatarPdqBlocker | None = None

    def install(self, linker: MirrorLinker) -> frozenset[str]:
        """Put the restored indexes in the place of ``linker``'s (which hold nothing yet);
        the names of the indexes that now hold the accounts."""
        names = set()
        text = text_index(linker)
        if self.text_bands is not None and text is not None:
            text.lsh = self.text_bands
            names.add(text.NAME)
        indexes = linker.blocker.indexes
        for at, ix in enumerate(indexes):
            if self.pictures is not None and isinstance(ix, AvatarPdqBlocker):
                indexes[at] = self.pictures
                names.add(ix.NAME)
        return frozenset(names)


def restored(cols: Mapping[str, np.ndarray], linker: MirrorLinker,
             profiles: Sequence[AccountProfile],
             signatures: Sequence[np.ndarray | None]) -> Restored:
    """What of ``linker``'s columns and indexes over ``profiles`` the snapshot's columns
    ``cols`` hold and hold right (the signatures checked before: :func:`signatures_hold`);
    nothing for accounts given twice (they are added one by one)."""
    if len({p.account_id for p in profiles}) != len(profiles):
        return Restored()
    text, pictures = text_index(linker), picture_index(linker)
    return Restored(
        restored_columns(cols, profiles),
        restored_text_bands(cols, text, profiles, signatures) if text is not None else None,
        restored_pictures(cols, pictures, profiles) if pictures is not None else None)
