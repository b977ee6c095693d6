"""The phrase counts of the corpus: exact, through adds, removals and merges."""

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tarazu.linkage.counts import HashCounts

_SETS = st.lists(st.sets(st.integers(0, 40), max_size=8), min_size=1, max_size=30)


@given(_SETS, st.lists(st.booleans(), min_size=30, max_size=30), st.integers(1, 6))
@settings(max_examples=150, deadline=None)
def test_counts_equal_a_counter_through_adds_removals_and_merges(sets, drop, merge_at):
    counts, ref = HashCounts(merge_at=merge_at), Counter()
    held = []
    for s in sets:
        arr = np.array(sorted(s), dtype=np.uint32)
        counts.update(arr, +1)
        ref.update(s)
        held.append(arr)
    for arr, gone in zip(held, drop, strict=False):
        if gone:
            counts.update(arr, -1)
            ref.subtract(arr.tolist())
    probe = np.arange(0, 45, dtype=np.uint32)
    assert counts.counts(probe).tolist() == [ref[int(h)] for h in probe]
    assert len(counts) == sum(1 for v in ref.values() if v > 0)  # zeros are dropped


def test_large_hashes_and_empty_lookups():
    c = HashCounts(merge_at=1)
    top = np.array([2**32 - 1, 7], dtype=np.uint32)
    c.update(np.sort(top), +1)
    assert c.get(2**32 - 1) == 1 and c.get(7) == 1 and c.get(8) == 0
    assert c.counts(np.zeros(0, dtype=np.uint32)).shape == (0,)
    assert c.nbytes() == 2 * (4 + 4)
