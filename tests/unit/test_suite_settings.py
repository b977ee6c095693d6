"""How the test suite itself is set up."""

from __future__ import annotations


def test_property_tests_have_no_deadline() -> None:
    """Timing belongs to the benchmarks: a deadline makes a property test fail on a busy
    machine (or on the example that compiles a kernel) for no fault of the code."""
    from hypothesis import settings

    assert settings.default.deadline is None
