"""Comparators and their results: the unit a reviewer reads and the model weighs.

A comparator (Splink's "comparison", nomenklatura's "feature") measures one kind of evidence
between an active account and a removed one and puts the pair into one of a few ordered
*levels* (most similar first). The model attaches a match weight to each level. A missing field
is the *missing* level (weight 0: no evidence either way), never an error."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from tarazu.linkage.corpus import Corpus
    from tarazu.linkage.profile import AccountProfile

MISSING = -1

#: Families group comparators whose evidence is not independent; the policy counts strong
#: signals per family ("two independent strong signals").
FAMILIES = ("identity", "content", "network", "timing", "platform", "relative", "activity")
#: Families that describe what an account talks about; a journalist shares these with the
#: accounts they cover, so they never suffice to act on a protected account.
TOPICAL_FAMILIES = frozenset({"content", "network"})
#: Families that restate other evidence (ranks and leads among candidates) or describe the new
#: account alone (what it does, whoever the candidate); never "independent" evidence.
DERIVED_FAMILIES = frozenset({"relative", "activity"})


@dataclass(frozen=True)
class ConfigVar:
    name: str
    default: Any
    description: str


class ComparisonResult(NamedTuple):
    """One comparator's verdict on one pair.

    A named tuple: some two thousand are made per new account (every comparator, every
    candidate), and a named tuple is cheaper to build than a slotted frozen dataclass.
    Immutable, equal by value, picklable."""

    comparator: str
    level: int  # index into the comparator's LEVELS, or MISSING
    label: str
    values: tuple[str, str]  # short renderings of what was compared (active, removed)
    raw: float | None = None  # the measured quantity (similarity, hours...), for ranking

    @property
    def missing(self) -> bool:
        return self.level == MISSING


class Comparator(ABC):
    """Base of all comparators. Subclasses set NAME, FAMILY, LEVELS, CONFIG and a docstring
    saying what the comparator measures; that docstring is its documentation."""

    NAME: ClassVar[str]
    FAMILY: ClassVar[str]
    LEVELS: ClassVar[tuple[str, ...]]
    CONFIG: ClassVar[tuple[ConfigVar, ...]] = ()
    #: True when the verdict reads the active account alone (whoever the candidate):
    #: ``compare_many`` then compares once and gives that result for every candidate.
    ACTIVE_ONLY: ClassVar[bool] = False
    #: the result of a pair also reads the other candidates (how many of them hold what
    #: the two share): a sharded scorer computes it after merging the shards' candidates,
    #: from what it reads of them (``linkage.shards.Candidate``)
    READS_PEERS: ClassVar[bool] = False

    def __init__(self, **overrides: Any) -> None:
        known = {c.name: c.default for c in self.CONFIG}
        unknown = set(overrides) - set(known)
        if unknown:
            raise ValueError(f"{self.NAME}: unknown config {sorted(unknown)}")
        self.config: dict[str, Any] = {**known, **overrides}

    @abstractmethod
    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult: ...

    def compare_many(
        self, a: AccountProfile, bs: Sequence[AccountProfile], corpus: Corpus
    ) -> Sequence[ComparisonResult]:
        """Compare one active account with many candidates (override to vectorise)."""
        if self.ACTIVE_ONLY and bs:
            return [self.compare(a, bs[0], corpus)] * len(bs)  # results are immutable
        return [self.compare(a, b, corpus) for b in bs]

    def estimate(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        """A cheap verdict for a candidate that may not be compared in full (the linker's
        first stage); a comparator may defer its real work only if it overrides this. By
        default, the comparison itself."""
        return self.compare(a, b, corpus)

    @classmethod
    def estimates_cheaply(cls) -> bool:
        return cls.estimate is not Comparator.estimate

    def level(
        self, label: str, values: tuple[str, str], raw: float | None = None
    ) -> ComparisonResult:
        """The result at the level labelled ``label``. Hundreds are made per new account:
        the label's index is looked up in a table of the class (the first level so
        labelled, as ``LEVELS.index`` finds it) and the tuple built without the named
        tuple's Python constructor; the same result by value."""
        table = _LEVEL_AT.get(type(self))
        at = (table if table is not None else _level_at(type(self))).get(label)
        if at is None:
            at = self.LEVELS.index(label)  # not a label: the ValueError it always raised
        return _new(ComparisonResult, (self.NAME, at, label, values, raw))

    def missing(self, values: tuple[str, str] = ("", "")) -> ComparisonResult:
        return _new(ComparisonResult, (self.NAME, MISSING, "missing", values, None))

    @classmethod
    def get_docs(cls) -> dict[str, Any]:
        return describe_comparator(cls)


_new = tuple.__new__
_LEVEL_AT: dict[type, dict[str, int]] = {}


def _level_at(cls: type) -> dict[str, int]:
    """Label -> index of the first level with that label, per comparator class (``LEVELS``
    is a class constant)."""
    at = _LEVEL_AT.get(cls)
    if at is None:
        at = {}
        for i, label in enumerate(cls.LEVELS):  # type: ignore[attr-defined]
            at.setdefault(label, i)
        _LEVEL_AT[cls] = at
    return at


def describe_comparator(cls: type, **extra: Any) -> dict[str, Any]:
    """A comparator's self-documentation (name, family, docstring, levels, config); shared by
    the plain comparators and the relative ones, which are not ``Comparator`` subclasses."""
    return {
        "name": cls.NAME,  # type: ignore[attr-defined]
        "family": cls.FAMILY,  # type: ignore[attr-defined]
        "description": (cls.__doc__ or "").strip(),
        "levels": list(cls.LEVELS),  # type: ignore[attr-defined]
        "config": {c.name: {"default": c.default, "description": c.description}
                   for c in getattr(cls, "CONFIG", ())},
        **extra,
    }


def band(value: float, thresholds: Sequence[float], labels: Sequence[str]) -> str:
    """The label of the first threshold that ``value`` reaches (descending thresholds); the last
    label (one more than thresholds) otherwise."""
    for t, lab in zip(thresholds, labels, strict=False):
        if value >= t:
            return lab
    return labels[-1]


def sorted_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard overlap of two sorted arrays of unique hashes (the compact form of a profile's
    sets: bio words, connections)."""
    shared = np.intersect1d(a, b, assume_unique=True).size
    return shared / (a.size + b.size - shared) if a.size or b.size else 0.0


def short(values: Sequence[str] | set[str] | frozenset[str], n: int = 3) -> str:
    items = sorted(values)[:n]
    more = len(values) - len(items)
    return ", ".join(items) + (f" (+{more})" if more > 0 else "")
