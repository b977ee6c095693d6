"""Every signal a piece of content gives: one call per content, whatever types are registered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tarazu.signals import SIGNAL_TYPES
from tarazu.signals.base import BytesHasher, HashResult, TextHasher, Unhashable


def _each(capability: type, hash_one: Callable[[Any], HashResult]
          ) -> tuple[list[HashResult], list[str]]:
    """(hashes, notes): the result of every registered type with ``capability``; a type that
    cannot hash the content adds a note instead."""
    out, notes = [], []
    for st in SIGNAL_TYPES.values():
        if issubclass(st, capability):
            try:
                out.append(hash_one(st))
            except Unhashable as e:
                notes.append(str(e))
    return out, notes


def hash_file_bytes(data: bytes) -> tuple[list[HashResult], list[str]]:
    """Each bytes-hashing type's result (PDQ on a video gives a note instead)."""
    return _each(BytesHasher, lambda st: st.hash_bytes(data))


def hash_text_all(text: str) -> tuple[list[HashResult], list[str]]:
    """Each text-hashing type's result."""
    return _each(TextHasher, lambda st: st.hash_text(text))
