"""The snapshot's column codecs: strings as UTF-8 bytes with offsets, lists of strings and
numeric arrays in CSR form (values and offsets, a presence mask for an absent array). Plain
arrays only, so that the archive is read with ``allow_pickle=False``; shared by the profiles'
columns (:mod:`tarazu.linkage.snapshot`) and the derived structures a start restores
(:mod:`tarazu.linkage.snapshot_restore`)."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

import numpy as np


def csr_offsets(lengths: Sequence[int]) -> np.ndarray:
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.asarray(lengths, dtype=np.int64), out=out[1:])
    return out


def put_strings(cols: dict[str, np.ndarray], name: str, values: Sequence[str]) -> None:
    encoded = [v.encode("utf-8") for v in values]
    cols[f"{name}.bytes"] = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    cols[f"{name}.offsets"] = csr_offsets([len(e) for e in encoded])


def get_strings(cols: Mapping[str, np.ndarray], name: str) -> list[str]:
    """The strings, decoded as one text and sliced: a decode per string was most of what
    reading a column of short strings cost. Each string is whole UTF-8, so each offset falls
    on a character's first byte; a byte offset less the continuation bytes before it is the
    character offset."""
    raw = cols[f"{name}.bytes"]
    offsets = cols[f"{name}.offsets"]
    text = raw.tobytes().decode("utf-8")
    if len(text) != raw.size:  # some characters take more than one byte
        before = np.zeros(raw.size + 1, dtype=np.int64)
        np.cumsum((raw & 0xC0) == 0x80, out=before[1:])
        offsets = offsets - before[offsets]
    o = offsets.tolist()
    return [text[a:b] for a, b in zip(o, o[1:])]  # noqa: B905 (o is one longer)


def put_lists(cols: dict[str, np.ndarray], name: str, lists: Sequence[Sequence[str]]) -> None:
    """Lists of strings: the strings in one column, and per account its range of them."""
    put_strings(cols, f"{name}.items", [s for lst in lists for s in lst])
    cols[f"{name}.offsets"] = csr_offsets([len(lst) for lst in lists])


def get_lists(cols: Mapping[str, np.ndarray], name: str, intern: bool = False
              ) -> list[list[str]]:
    """``intern``: each string interned (one object per value, for values many accounts
    share), all of them in one pass before they are cut into lists."""
    items = get_strings(cols, f"{name}.items")
    if intern:
        items = list(map(sys.intern, items))
    o = cols[f"{name}.offsets"].tolist()
    return [items[a:b] for a, b in zip(o, o[1:])]  # noqa: B905 (o is one longer)


def put_arrays(cols: dict[str, np.ndarray], name: str, arrays: Sequence[np.ndarray | None],
               dtype: np.dtype) -> None:
    """Numeric arrays (CSR: values and offsets) with a presence mask (None: absent)."""
    present = np.array([a is not None for a in arrays], dtype=bool)
    kept = [np.asarray(a, dtype=dtype) for a in arrays if a is not None]
    cols[f"{name}.values"] = np.concatenate(kept) if kept else np.zeros(0, dtype=dtype)
    cols[f"{name}.offsets"] = csr_offsets([0 if a is None else len(a) for a in arrays])
    cols[f"{name}.present"] = present


def get_arrays(cols: Mapping[str, np.ndarray], name: str) -> list[np.ndarray | None]:
    """Each account's array, a view of the column's values: one buffer a feature, held
    while any profile read from it is (a copy of its own for each account was a small
    allocation per array beside the column, freed after: a start's peak, and its heap's)."""
    values = cols[f"{name}.values"]
    o = cols[f"{name}.offsets"].tolist()
    present = cols[f"{name}.present"].tolist()
    return [values[o[i] : o[i + 1]] if present[i] else None for i in range(len(present))]
