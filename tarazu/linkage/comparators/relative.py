"""Relative signals: how a candidate's evidence ranks among the other candidates of the same
active account. Computed from the input alone, after the base comparators ran.

"Removed 3 minutes before" means more when no other removal happened that hour; "the most
similar text among 40 candidates" means more than an absolute cosine of 0.3."""

from __future__ import annotations

from collections.abc import Sequence

from tarazu.linkage.levels import MISSING, ComparisonResult, ConfigVar

RANK_LEVELS = ("closest of all candidates", "second", "third to fifth", "further down")


class RankComparator:
    """Rank of a base comparator's raw value among the candidates (1 = best)."""

    NAME = ""
    FAMILY = ""
    BASE = ""
    LEVELS = RANK_LEVELS
    CONFIG: tuple[ConfigVar, ...] = ()

    def __init__(self, **overrides: object) -> None:
        if overrides:
            raise ValueError(f"{self.NAME}: unknown config {sorted(overrides)}")
        self.config: dict[str, object] = {}

    def key(self, raw: float) -> float:
        """Smaller is better."""
        return -raw

    def rank_all(self, base: Sequence[ComparisonResult]) -> list[ComparisonResult]:
        keys = [self.key(r.raw) if not r.missing and r.raw is not None else None for r in base]
        present = sorted(k for k in keys if k is not None)
        out = []
        for r, k in zip(base, keys, strict=True):
            if k is None:
                out.append(ComparisonResult(self.NAME, MISSING, "missing", r.values, None))
                continue
            rank = _rank(present, k)
            label = RANK_LEVELS[0 if rank == 1 else 1 if rank == 2 else 2 if rank <= 5 else 3]
            out.append(
                ComparisonResult(
                    self.NAME,
                    RANK_LEVELS.index(label),
                    label,
                    (f"rank {rank} of {len(present)}", r.label),
                    float(rank),
                )
            )
        return out

    @classmethod
    def get_docs(cls) -> dict[str, object]:
        return {
            "name": cls.NAME,
            "family": cls.FAMILY,
            "description": (cls.__doc__ or "").strip(),
            "levels": list(cls.LEVELS),
            "config": {},
            "relative_to": cls.BASE,
        }


def _rank(sorted_keys: list[float], k: float) -> int:
    from bisect import bisect_left

    return bisect_left(sorted_keys, k) + 1


class GapRankComparator(RankComparator):
    """Rank of this removal among the candidates by how close it is in time to the creation of
    the active account (absolute gap)."""

    NAME = "gap_rank"
    FAMILY = "timing"
    BASE = "creation_gap"

    def key(self, raw: float) -> float:
        return abs(raw)


class TextRankComparator(RankComparator):
    """Rank of this candidate's text similarity among all candidates."""

    NAME = "text_rank"
    FAMILY = "content"
    BASE = "post_text"


class RecentTextRankComparator(RankComparator):
    """Rank of this candidate's recent-text similarity among all candidates."""

    NAME = "recent_text_rank"
    FAMILY = "content"
    BASE = "recent_text"


class PauseRankComparator(RankComparator):
    """Rank of this candidate among all candidates by the gap measured in its usual pauses."""

    NAME = "pause_rank"
    FAMILY = "timing"
    BASE = "pause"

    def key(self, raw: float) -> float:
        return abs(raw)


class ReciprocalRankComparator:
    """Rank of this new account among *all new accounts seen* that have this removed account
    as a candidate, by their match weight without this signal. An operator usually comes back
    as one account: if another new account continues this removed one far better, this one
    is less likely to. In a batch every new account of the input counts; when scoring one
    account at a time, those scored before it. Computed from the input alone."""

    NAME = "reciprocal_rank"
    FAMILY = "relative"
    LEVELS = ("best successor of all new accounts", "second", "third to fifth", "further down")
    CONFIG: tuple[ConfigVar, ...] = ()

    def __init__(self, **overrides: object) -> None:
        if overrides:
            raise ValueError(f"{self.NAME}: unknown config {sorted(overrides)}")
        self.config: dict[str, object] = {}

    def rank(self, total: float, others: Sequence[float]) -> ComparisonResult:
        rank = 1 + sum(1 for t in others if t > total)
        label = self.LEVELS[0 if rank == 1 else 1 if rank == 2 else 2 if rank <= 5 else 3]
        return ComparisonResult(
            self.NAME,
            self.LEVELS.index(label),
            label,
            (f"rank {rank} of {len(others) + 1} new accounts", ""),
            float(rank),
        )

    @classmethod
    def get_docs(cls) -> dict[str, object]:
        return {
            "name": cls.NAME,
            "family": cls.FAMILY,
            "description": (cls.__doc__ or "").strip(),
            "levels": list(cls.LEVELS),
            "config": {},
        }
