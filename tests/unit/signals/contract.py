"""The contract every signal type honours (after python-threatexchange's SignalTypeAutoTest).

A signal type's test module subclasses :class:`SignalTypeContract`, sets ``signal_type`` and
lists ``invalid`` strings; it inherits the validation, example and self-match tests."""

from __future__ import annotations

from typing import ClassVar

import pytest

from tarazu.signals import SIGNAL_TYPES
from tarazu.signals.base import InvalidSignal, SignalType, TextHasher
from tarazu.signals.index import IndexedHash, build_index


class SignalTypeContract:
    signal_type: ClassVar[type[SignalType]]
    #: Strings that are not valid signals of this type.
    invalid: ClassVar[tuple[str, ...]] = ("", "not a hash", "zz" * 16)

    def test_is_registered_under_its_name(self) -> None:
        assert SIGNAL_TYPES[self.signal_type.get_name()] is self.signal_type

    def test_has_content_types(self) -> None:
        assert self.signal_type.get_content_types()

    def test_examples_are_valid_and_canonical(self) -> None:
        examples = self.signal_type.get_examples()
        assert len(examples) >= 2
        for e in examples:
            assert self.signal_type.validate_signal_str(e) == e

    def test_validation_canonicalises_case_and_space(self) -> None:
        e = self.signal_type.get_examples()[0]
        assert self.signal_type.validate_signal_str(f"  {e.upper()} ") == e

    @pytest.mark.parametrize("bad_index", range(3))
    def test_invalid_signals_are_refused(self, bad_index: int) -> None:
        bad = (self.invalid + ("",) * 3)[bad_index]
        with pytest.raises(InvalidSignal):
            self.signal_type.validate_signal_str(bad)

    def test_every_example_matches_itself_at_distance_zero(self) -> None:
        for e in self.signal_type.get_examples():
            r = self.signal_type.compare_hash(e, e)
            assert r.match and r.distance == 0

    def test_distinct_examples_do_not_match(self) -> None:
        a, b = self.signal_type.get_examples()[:2]
        r = self.signal_type.compare_hash(a, b)
        assert not r.match and r.distance > self.signal_type.default_threshold

    def test_default_threshold_is_within_bounds(self) -> None:
        st = self.signal_type
        assert st.check_threshold(st.default_threshold) == st.default_threshold
        with pytest.raises(ValueError):
            st.check_threshold(st.max_distance + 1)

    def test_index_finds_each_example_with_its_metadata(self) -> None:
        examples = self.signal_type.get_examples()
        entries = [IndexedHash(i + 1, e, 7, "bank-a", {"n": i}) for i, e in enumerate(examples)]
        index, skipped = build_index(self.signal_type, entries)
        assert skipped == [] and len(index) == len(examples)
        for i, e in enumerate(examples):
            found = index.query(e, self.signal_type.default_threshold)
            assert found[0].entry.entry_id == i + 1 and found[0].distance == 0
            assert found[0].entry.bank == "bank-a" and found[0].entry.metadata["n"] == i

    def test_text_hashers_are_deterministic(self) -> None:
        if not issubclass(self.signal_type, TextHasher):
            return
        text = "a neutral placeholder sentence for the determinism check"
        assert self.signal_type.hash_text(text) == self.signal_type.hash_text(text)
