"""Relative signals: how a candidate's evidence ranks among the other candidates of the same
active account. Computed from the input alone, after the base comparators ran.

"Removed 3 minutes before" means more when no other removal happened that hour; "the most
similar text among 40 candidates" means more than an absolute cosine of 0.3."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tarazu.linkage.levels import MISSING, ComparisonResult, ConfigVar, describe_comparator
from tarazu.linkage.result_column import ResultColumn

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

    def rank_all(self, base: Sequence[ComparisonResult]) -> Sequence[ComparisonResult]:
        if isinstance(base, ResultColumn):
            return self._rank_column(base)
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

    def _rank_column(self, base: ResultColumn) -> ResultColumn:
        """:meth:`rank_all` over a column, reading its levels and measures without making
        its results (a rank result shows its base's label, and where missing its values)."""
        n = len(base)
        raws = [base.raw_at(i) for i in range(n)]
        keys = [self.key(r) if lv != MISSING and r is not None else None
                for lv, r in zip(base.level.tolist(), raws, strict=True)]
        present = sorted(k for k in keys if k is not None)
        ok = np.fromiter((k is not None for k in keys), dtype=bool, count=n)
        ranks = [_rank(present, k) if k is not None else 0 for k in keys]
        levels = np.array([0 if r == 1 else 1 if r == 2 else 2 if r <= 5 else 3 for r in ranks],
                          dtype=np.int64)
        of = len(present)
        base_labels = [base.labels[lv] if lv != MISSING else "missing"
                       for lv in base.level.tolist()]
        return ResultColumn.of(self.NAME, RANK_LEVELS, ok, levels,
                               lambda i: (f"rank {ranks[i]} of {of}", base_labels[i]),
                               [float(r) for r in ranks], lambda i: base[i].values)

    @classmethod
    def get_docs(cls) -> dict[str, object]:
        return describe_comparator(cls, relative_to=cls.BASE)


def _rank(sorted_keys: list[float], k: float) -> int:
    """The rank of ``k`` counting every candidate as good or better: candidates tied with
    it share the lowest rank of the tie, so that "closest of all candidates" is said of one
    candidate only (removals of one takedown wave are all equally close in time to a new
    account, and being among them is no evidence for any one)."""
    from bisect import bisect_right

    return bisect_right(sorted_keys, k)


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
        return describe_comparator(cls)


class _LeadComparator:
    """Base of the second-pass margins: a pair's first-pass match weight minus its best
    rival's, in bits, put into bands. Ranking by the total already says *who* is best; the
    lead says *by how much*, which is what makes a flag trustworthy: "best of 40 by 12 bits"
    is a mirror far more often than "best of 40 by a hair"."""

    NAME = ""
    FAMILY = "relative"
    LEVELS: tuple[str, ...] = ()
    CONFIG: tuple[ConfigVar, ...] = (
        ConfigVar("bands", (8.0, 3.0, 0.0, -3.0), "lead (bits) of the first four levels"),
    )

    def __init__(self, **overrides: object) -> None:
        unknown = set(overrides) - {"bands"}
        if unknown:
            raise ValueError(f"{self.NAME}: unknown config {sorted(unknown)}")
        self.config: dict[str, object] = {"bands": (8.0, 3.0, 0.0, -3.0), **overrides}

    def lead(self, total: float, rival: float | None, n_rivals: int) -> ComparisonResult:
        """``rival``: the best rival's first-pass total (None when there is no rival)."""
        if rival is None:
            return ComparisonResult(self.NAME, 0, self.LEVELS[0], ("no rival", ""), None)
        lead = total - rival
        bands = tuple(self.config["bands"])  # type: ignore[arg-type]
        i = next((k for k, b in enumerate(bands) if lead >= b), len(bands))
        return ComparisonResult(
            self.NAME, i + 1, self.LEVELS[i + 1], (f"{lead:+.1f} bits", f"{n_rivals} rivals"), lead
        )

    @classmethod
    def get_docs(cls) -> dict[str, object]:
        return describe_comparator(cls)


class LeadComparator(_LeadComparator):
    """How far this candidate's match weight (first pass) is ahead of the new account's next
    best candidate — or, for any other candidate, behind the best one."""

    NAME = "lead"
    LEVELS = (
        "the only candidate",
        "ahead of the next candidate by 8+ bits",
        "ahead by 3 to 8 bits",
        "ahead by under 3 bits",
        "behind the best candidate by under 3 bits",
        "behind by 3+ bits",
    )


class SuccessorLeadComparator(_LeadComparator):
    """How far this new account's match weight (first pass) for the removed account is ahead
    of the best other new account that may continue it (in a batch every new account of the
    input; one at a time, those seen before). An operator usually comes back as one account."""

    NAME = "successor_lead"
    LEVELS = (
        "no other new account may continue it",
        "ahead of every other new account by 8+ bits",
        "ahead by 3 to 8 bits",
        "ahead by under 3 bits",
        "behind another new account by under 3 bits",
        "behind another new account by 3+ bits",
    )
