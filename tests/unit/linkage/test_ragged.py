"""The columnar store's ragged rows and interned strings hold what was put in them through any
sequence of sets, clears and compactions, and free what no row holds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tarazu.linkage.columnar.ragged import Interner, Ragged

_OPS = st.lists(st.tuples(st.integers(0, 7), st.none() | st.lists(st.integers(-5, 5),
                                                                   max_size=9)), max_size=60)


@settings(max_examples=200, deadline=None)
@given(ops=_OPS)
def test_ragged_rows_hold_their_last_values_through_compactions(ops):
    rag = Ragged(rows=2, dtype=np.int64, initial=1, compact_at=3)
    model: dict[int, list[int] | None] = {}
    for r, values in ops:
        if r >= len(rag.start):
            rag.grow_rows(8)
        rag.set(r, None if values is None else np.array(values, dtype=np.int64))
        model[r] = values
    rows = np.array(sorted(model), dtype=np.int64)
    got, lens = rag.gather(rows)
    want = [v for r in rows.tolist() for v in (model[r] or [])]
    assert got.tolist() == want
    assert lens.tolist() == [len(model[r] or []) for r in rows.tolist()]
    assert [int(rag.length[r]) for r in rows.tolist()] == \
        [-1 if model[r] is None else len(model[r]) for r in rows.tolist()]


def test_an_interned_string_is_freed_with_its_last_holder_and_its_id_reused():
    names = Interner()
    a = names.hold("umar media")
    assert names.hold("umar media") == a and names.get("umar media") == a
    b = names.hold("nur khan")
    names.release(a)
    assert names.get("umar media") == a  # one holder left
    names.release(a)
    assert names.get("umar media") == -1 and len(names) == 1
    assert names.hold("sanjay mehta") == a and names.strings[b] == "nur khan"


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.lists(st.none() | st.lists(st.integers(-5, 5), max_size=6),
                                max_size=8), max_size=8),
       cleared=st.lists(st.integers(0, 63), max_size=20))
def test_rows_set_together_hold_what_rows_set_one_by_one_hold(pieces, cleared):
    """``set_many`` (a build's pieces) into new and cleared rows, through compactions."""
    one = Ragged(rows=64, dtype=np.int64, initial=1, compact_at=3)
    many = Ragged(rows=64, dtype=np.int64, initial=1, compact_at=3)
    row = 0
    for piece in pieces:
        rows = np.arange(row, row + len(piece)) % 64
        values = [None if v is None else np.array(v, dtype=np.int64) for v in piece]
        for r in rows.tolist():  # set_many takes rows holding nothing: clear them first
            one.clear(r)
            many.clear(r)
        for r, v in zip(rows.tolist(), values, strict=True):
            one.set(r, v)
        many.set_many(rows, values)
        row += len(piece)
        for r in cleared[: len(piece)]:
            one.clear(r)
            many.clear(r)
    every = np.arange(64)
    assert many.gather(every)[0].tolist() == one.gather(every)[0].tolist()
    assert many.length.tolist() == one.length.tolist()
