"""Every signal a piece of content gives: one call per content, whatever types are registered."""

from __future__ import annotations

from tarazu.signals import SIGNAL_TYPES
from tarazu.signals.base import BytesHasher, HashResult, TextHasher, Unhashable


def hash_file_bytes(data: bytes) -> tuple[list[HashResult], list[str]]:
    """(hashes, notes): each bytes-hashing type's result; a type that cannot hash the bytes
    (PDQ on a video) adds a note instead."""
    out, notes = [], []
    for st in SIGNAL_TYPES.values():
        if issubclass(st, BytesHasher):
            try:
                out.append(st.hash_bytes(data))
            except Unhashable as e:
                notes.append(str(e))
    return out, notes


def hash_text_all(text: str) -> tuple[list[HashResult], list[str]]:
    out, notes = [], []
    for st in SIGNAL_TYPES.values():
        if issubclass(st, TextHasher):
            try:
                out.append(st.hash_text(text))
            except Unhashable as e:
                notes.append(str(e))
    return out, notes
