"""Banks of known hashes and the rules that turn index hits into matches.

A bank is a list of hashes from one source (staff, a hash-sharing feed) with its own match
threshold per signal type. A *negative* bank (allow-list) holds hashes known to give false
positives — a logo, a meme template, a news photo: content that matches a negative entry is not
reported as a match to any positive bank for that signal, and the suppression is reported, so
shared lists can be used without their false positives landing in the review queue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from tarazu.signals.base import SignalType
from tarazu.signals.index import IndexedHash, IndexMatch, SignalIndex

VERDICTS = ("true_positive", "false_positive")


@dataclass(frozen=True)
class Bank:
    bank_id: int
    name: str
    enabled: bool = True
    negative: bool = False
    thresholds: Mapping[str, int] = field(default_factory=dict)
    source: str = "manual"
    designation_id: str | None = None
    description: str = ""
    created_by: str = ""
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "thresholds", MappingProxyType(dict(self.thresholds)))

    def threshold(self, signal_type: type[SignalType]) -> int:
        """This bank's largest matching distance for a signal type (the type's default
        unless the bank sets one)."""
        return self.thresholds.get(signal_type.get_name(), signal_type.default_threshold)


@dataclass(frozen=True)
class BankEntry:
    entry_id: int
    bank_id: int
    bank: str
    signal_type: str
    signal: str
    quality: int | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    added_by: str = ""
    added_at: datetime | None = None
    removed_at: datetime | None = None

    def indexed(self) -> IndexedHash:
        return IndexedHash(self.entry_id, self.signal, self.bank_id, self.bank, self.metadata)


@dataclass(frozen=True)
class Match:
    """A piece of content matched a banked hash: what, where, how closely."""

    signal_type: str
    query: str
    entry: IndexedHash
    distance: int
    bank: Bank
    threshold: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "signal_type": self.signal_type,
            "query": self.query,
            "distance": self.distance,
            "entry_id": self.entry.entry_id,
            "matched_signal": self.entry.signal,
            "bank": self.bank.name,
            "bank_id": self.bank.bank_id,
            "negative": self.bank.negative,
            "threshold": self.threshold,
            "designation_id": self.bank.designation_id,
            "metadata": dict(self.entry.metadata),
        }


@dataclass(frozen=True)
class MatchOutcome:
    """Matches to report, and positive matches suppressed by a negative bank (with the
    negative matches that suppressed them)."""

    matches: tuple[Match, ...] = ()
    suppressed: tuple[Match, ...] = ()
    allowed_by: tuple[Match, ...] = ()

    def __add__(self, other: MatchOutcome) -> MatchOutcome:
        return MatchOutcome(self.matches + other.matches, self.suppressed + other.suppressed,
                            self.allowed_by + other.allowed_by)

    def as_dict(self) -> dict[str, Any]:
        return {"matches": [m.as_dict() for m in self.matches],
                "suppressed": [m.as_dict() for m in self.suppressed],
                "allowed_by": [m.as_dict() for m in self.allowed_by]}


def match_signal(index: SignalIndex, signal: str, banks: Mapping[int, Bank]) -> MatchOutcome:
    """Query ``index`` for ``signal`` and apply each enabled bank's threshold and the negative
    banks. Hashes of disabled or unknown banks never match."""
    st = index.signal_type
    enabled = [b for b in banks.values() if b.enabled]
    if not enabled:
        return MatchOutcome()
    hits: list[IndexMatch] = index.query(signal, max(b.threshold(st) for b in enabled))
    query = st.validate_signal_str(signal)
    kept = []
    for h in hits:
        bank = banks.get(h.entry.bank_id)
        if bank is not None and bank.enabled and h.distance <= bank.threshold(st):
            kept.append(Match(st.get_name(), query, h.entry, h.distance, bank,
                              bank.threshold(st)))
    negatives = tuple(m for m in kept if m.bank.negative)
    positives = tuple(m for m in kept if not m.bank.negative)
    if negatives:
        return MatchOutcome((), positives, negatives)
    return MatchOutcome(positives)
