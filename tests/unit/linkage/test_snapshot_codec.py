"""The snapshot's column codecs give back exactly what they were given, whatever the script:
strings are decoded as one text and sliced at offsets that must fall between characters."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tarazu.linkage.snapshot_codec import get_lists, get_strings, put_lists, put_strings

# every plane but surrogates (not encodable): Latin, Arabic script, emoji, combining marks
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12)


@given(st.lists(TEXT, max_size=30))
@example(["عمر", "Umar", "", "🦅x", "é", "plain"])  # offsets after multibyte characters
def test_strings_come_back_as_they_went_in(values):
    cols: dict = {}
    put_strings(cols, "s", values)
    assert get_strings(cols, "s") == values


@pytest.mark.parametrize("intern", [False, True])
@given(lists=st.lists(st.lists(TEXT, max_size=5), max_size=20))
def test_lists_of_strings_come_back_as_they_went_in(intern, lists):
    """Interned, they also hold one object a value."""
    cols: dict = {}
    put_lists(cols, "l", lists)
    got = get_lists(cols, "l", intern=intern)
    assert got == lists
    if intern:
        first: dict[str, str] = {}
        for s in (s for lst in got for s in lst):
            assert first.setdefault(s, s) is s
