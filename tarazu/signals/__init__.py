"""Known-content signal types and the explicit registry of them.

A type is registered here by name; names are unique (checked at import) and HMA's names for
the same signals are accepted as aliases so its hash lists import unchanged."""

from __future__ import annotations

from tarazu.signals.base import (
    BytesHasher,
    ContentType,
    HashResult,
    InvalidSignal,
    SignalComparisonResult,
    SignalType,
    TextHasher,
    Unhashable,
)
from tarazu.signals.md5 import Md5Signal
from tarazu.signals.pdq import PdqSignal
from tarazu.signals.text import TextMinHashSignal, TextSha256Signal

__all__ = [
    "ALIASES", "SIGNAL_TYPES", "BytesHasher", "ContentType", "HashResult", "InvalidSignal",
    "SignalComparisonResult", "SignalType", "TextHasher", "Unhashable", "get_signal_type",
]


def _registry(*types: type[SignalType]) -> dict[str, type[SignalType]]:
    out: dict[str, type[SignalType]] = {}
    for t in types:
        if t.get_name() in out:
            raise ValueError(f"two signal types are named {t.get_name()!r}")
        out[t.get_name()] = t
    return out


SIGNAL_TYPES: dict[str, type[SignalType]] = _registry(
    PdqSignal, Md5Signal, TextSha256Signal, TextMinHashSignal)

#: Names other tools use for the same signal (HMA / ThreatExchange exports).
ALIASES: dict[str, str] = {"video_md5": "md5"}


def get_signal_type(name: str) -> type[SignalType]:
    """The registered type for a name or alias; a ValueError lists the known names."""
    key = name.strip().lower()
    found = SIGNAL_TYPES.get(ALIASES.get(key, key))
    if found is None:
        raise ValueError(f"unknown signal type {name!r} (known: {', '.join(SIGNAL_TYPES)})")
    return found
