"""ComparisonResult is a named tuple for speed; it must stay immutable, comparable and
picklable (batch scans ship results between processes)."""

import dataclasses
import pickle

import pytest

from tarazu.linkage.levels import ComparisonResult


def test_result_is_immutable_equal_by_value_and_picklable():
    r = ComparisonResult("handle", 0, "same handle key", ("a", "b"), 1.0)
    assert not hasattr(r, "__dict__")
    with pytest.raises(AttributeError):
        r.level = 1  # type: ignore[misc]
    assert r == ComparisonResult("handle", 0, "same handle key", ("a", "b"), 1.0)
    assert hash(r) == hash(ComparisonResult("handle", 0, "same handle key", ("a", "b"), 1.0))
    assert pickle.loads(pickle.dumps(r)) == r
    assert ComparisonResult("x", -1, "missing", ("", "")).missing


def test_slotted_signal_weight_is_frozen_and_picklable():
    from tarazu.linkage.result import SignalWeight

    s = SignalWeight("handle", "identity", 0, "same handle key", ("a", "b"), 3.5, 0.9, 0.01)
    assert not hasattr(s, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.weight = 0.0  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(s)) == s and s.bayes_factor == 2.0**3.5
    assert dataclasses.asdict(s)["values"] == ("a", "b")
