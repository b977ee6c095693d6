"""What every vectorised comparator shares: its signature, banding many values at once, and
turning the arrays of levels back into the results a reviewer reads."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tarazu.linkage.columnar.store import RemovedColumns
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.levels import Comparator, ComparisonResult
from tarazu.linkage.profile import AccountProfile
from tarazu.linkage.result_column import ResultColumn, Values

#: (comparator, new account, candidate rows, the removed set's columns, the statistics) ->
#: one result per row, the very results of the comparator's ``compare``
Vectorised = Callable[[Any, AccountProfile, np.ndarray, RemovedColumns, Corpus],
                      Sequence[ComparisonResult]]


def band_many(values: np.ndarray, thresholds: Any) -> np.ndarray:
    """:func:`tarazu.linkage.levels.band` for many values: the index of the first threshold
    each value reaches, ``len(thresholds)`` for none."""
    out = np.full(values.shape, len(thresholds), dtype=np.int64)
    for i in range(len(thresholds) - 1, -1, -1):
        out[values >= thresholds[i]] = i
    return out


def results(comp: Comparator, ok: np.ndarray, levels: np.ndarray, values: Values,
            raw: Sequence[float | None], missing: Values) -> ResultColumn:
    """One result per candidate: its level (with the comparator's label for it), rendered
    values and measure where ``ok``, missing (with ``missing``'s values) elsewhere. Held as a
    :class:`ResultColumn`: a result (and its values, where given as a function of the
    candidate's index) is made only when read, which is for the few candidates a score keeps."""
    return ResultColumn.of(comp.NAME, comp.LEVELS, ok, levels, values, raw, missing)


def hits(mine: np.ndarray, flat: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The values of ``flat`` (candidates' values back to back, ``lens`` each) that are in
    ``mine`` (sorted), and the candidate each belongs to."""
    if not mine.size or not flat.size:
        return flat[:0], np.zeros(0, dtype=np.int64)
    pos = np.minimum(np.searchsorted(mine, flat), mine.size - 1)
    hit = mine[pos] == flat
    return flat[hit], np.repeat(np.arange(len(lens)), lens)[hit]


def shared_hits(mine: np.ndarray, theirs: list[np.ndarray]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The values of ``theirs`` (sorted, unique arrays, as the profile's hash sets are) that
    are in ``mine``, the candidate each belongs to, and each candidate's size."""
    sizes = np.fromiter(map(len, theirs), dtype=np.int64, count=len(theirs))
    if not mine.size or not sizes.sum():
        return mine[:0], np.zeros(0, dtype=np.int64), sizes
    return (*hits(mine, np.concatenate(theirs), sizes), sizes)


_PDQ_HEX = re.compile(r"[0-9a-fA-F]{64}")


def plain_pdq(h: str) -> bool:
    """Whether ``h`` is a PDQ hash as 64 plain hex digits (which ``int(h, 16)`` reads)."""
    return _PDQ_HEX.fullmatch(h) is not None


def pdq_bytes(hashes: list[str]) -> np.ndarray | None:
    """PDQ hashes (64 hex digits each) as a (len, 32) byte array; None if one is not in that
    form (the pair form's ``int(x, 16)`` reads more: white space, fewer digits)."""
    if not all(map(plain_pdq, hashes)):
        return None
    return np.frombuffer(bytes.fromhex("".join(hashes)), dtype=np.uint8).reshape(-1, 32)
