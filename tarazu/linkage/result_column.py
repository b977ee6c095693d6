"""One comparator's results over the candidates of one score, held as arrays and made into
:class:`~tarazu.linkage.levels.ComparisonResult` objects only where they are read.

A score compares a new account with some fifty candidates, and most of what it computes is
read only as levels: the totals that rank the candidates are sums of level weights. The
result objects, with the values a reviewer reads ("3 of 55 candidates hold it", the shared
hashtags), are read for the few candidates kept for the second pass and shown in an
explanation. Building them for every candidate was a large share of the vectorised
comparators' time, so a column keeps the levels as an array, renders a candidate's values
only when its result is read, and keeps each result it made (so that a result read twice is
the same object: the explanation shares the signal of one result object among candidates).
The results are those the comparator's pair form gives, value for value."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

import numpy as np

from tarazu.linkage.levels import MISSING, ComparisonResult

#: a candidate's rendered values, given as a list (one per candidate), one pair for all, or a
#: function of the candidate's index (rendered when its result is read)
Values = Sequence[tuple[str, str]] | tuple[str, str] | Callable[[int], tuple[str, str]]

_new = tuple.__new__


def _one_pair(values: Values) -> bool:
    """Whether ``values`` is one pair for every candidate (not a list or a function)."""
    return isinstance(values, tuple) and len(values) == 2 and isinstance(values[0], str)


def _at(values: Values, i: int) -> tuple[str, str]:
    if callable(values):
        return values(i)
    if _one_pair(values):
        return values  # type: ignore[return-value]
    return values[i]  # type: ignore[index,return-value]


def _take(values: Values, idx: list[int]) -> Values:
    if callable(values):
        return lambda j, f=values: f(idx[j])
    if _one_pair(values):
        return values
    n = len(values)  # a list may be empty where no candidate reads it (all missing)
    return [values[i] if i < n else ("", "") for i in idx]  # type: ignore[index]


class ResultColumn(Sequence[ComparisonResult]):
    """The results of comparator ``name`` (levels ``labels``) for each candidate: its level
    (``MISSING`` for none), measure (``raw``; None where missing) and values; those where the
    result is missing carry ``missing``'s values instead."""

    __slots__ = ("name", "labels", "level", "_raw", "_values", "_missing", "_made", "_gone")

    def __init__(self, name: str, labels: Sequence[str], level: np.ndarray,
                 raw: Sequence[float | None], values: Values, missing: Values) -> None:
        self.name = name
        self.labels = labels
        #: each candidate's level, ``MISSING`` where the result is missing
        self.level = level
        self._raw = raw
        self._values = values
        self._missing = missing
        self._made: dict[int, ComparisonResult] = {}
        self._gone: ComparisonResult | None = None  # the one missing result, if one for all

    @classmethod
    def of(cls, name: str, labels: Sequence[str], ok: np.ndarray, levels: np.ndarray,
           values: Values, raw: Sequence[float | None], missing: Values) -> ResultColumn:
        """The column of the results ``levels`` where ``ok``, missing elsewhere."""
        level = np.where(ok, levels, MISSING).astype(np.int64, copy=False)
        return cls(name, labels, level, raw, values, missing)

    def __len__(self) -> int:
        return len(self.level)

    @overload
    def __getitem__(self, i: int) -> ComparisonResult: ...

    @overload
    def __getitem__(self, i: slice) -> list[ComparisonResult]: ...

    def __getitem__(self, i: int | slice) -> ComparisonResult | list[ComparisonResult]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        made = self._made.get(i)
        if made is not None:
            return made
        lv = int(self.level[i])  # IndexError past the end, as a tuple's
        if lv == MISSING:
            if _one_pair(self._missing):
                if self._gone is None:
                    self._gone = _new(ComparisonResult,
                                      (self.name, MISSING, "missing", self._missing, None))
                return self._gone
            made = _new(ComparisonResult,
                        (self.name, MISSING, "missing", _at(self._missing, i), None))
        else:
            made = _new(ComparisonResult, (self.name, lv, self.labels[lv],
                                           _at(self._values, i), self._raw[i]))
        self._made[i] = made
        return made

    def __setitem__(self, i: int, result: ComparisonResult) -> None:
        """Put a result computed otherwise (by the pair form) in candidate ``i``'s place."""
        self.level[i] = result.level
        self._made[i] = result

    def __iter__(self) -> Iterator[ComparisonResult]:
        for i in range(len(self)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ResultColumn({self.name!r}, {list(self)!r})"

    def raw_at(self, i: int) -> float | None:
        """Candidate ``i``'s measure, without making its result."""
        made = self._made.get(i)
        if made is not None:
            return made.raw
        return None if self.level[i] == MISSING else self._raw[i]

    def take(self, idx: Sequence[int]) -> ResultColumn:
        """The column of the candidates at ``idx``, in that order (results made so far kept:
        the same objects)."""
        idx = list(idx)
        level = self.level[idx]
        raw, n_raw = self._raw, len(self._raw)
        # which candidates have a result, read once as Python bools: a numpy comparison per
        # candidate was most of what taking a column cost
        present = (level != MISSING).tolist()
        out = ResultColumn(self.name, self.labels, level,
                           [raw[i] if has and i < n_raw else None
                            for i, has in zip(idx, present, strict=True)],
                           _take(self._values, idx), _take(self._missing, idx))
        out._gone = self._gone
        if made := self._made:
            for j, i in enumerate(idx):
                if (r := made.get(i)) is not None:
                    out._made[j] = r
        return out


def levels_of(col: Sequence[ComparisonResult]) -> np.ndarray:
    """The levels of a column of results (``MISSING`` = -1), without making the results of a
    :class:`ResultColumn`."""
    if isinstance(col, ResultColumn):
        return col.level
    return np.fromiter((r[1] for r in col), dtype=np.int64, count=len(col))


def column(results: Sequence[ComparisonResult] | Any) -> Sequence[ComparisonResult]:
    """A comparator's results as a score holds them: a :class:`ResultColumn` as it is, any
    other sequence or iterable as a tuple."""
    return results if isinstance(results, ResultColumn) else tuple(results)
