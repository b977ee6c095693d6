"""A column of results made only where read: the very results a list of them would hold, the
same object when read twice, values rendered only for the candidates read, and a subset or
a replaced result that stays consistent with the levels the totals are summed from."""

from __future__ import annotations

import numpy as np

from tarazu.linkage.levels import MISSING, ComparisonResult
from tarazu.linkage.result_column import ResultColumn, column, levels_of

LABELS = ("same", "near", "different")


def _column(rendered: list[int]) -> ResultColumn:
    ok = np.array([True, False, True, True, False])
    levels = np.array([0, 2, 1, 2, 0])

    def values(i: int) -> tuple[str, str]:
        rendered.append(i)
        return "mine", f"theirs {i}"

    return ResultColumn.of("c", LABELS, ok, levels, values, [0.9, None, 0.5, 0.1, None],
                           ("", ""))


def _expected() -> list[ComparisonResult]:
    gone = ComparisonResult("c", MISSING, "missing", ("", ""), None)
    return [ComparisonResult("c", 0, "same", ("mine", "theirs 0"), 0.9), gone,
            ComparisonResult("c", 1, "near", ("mine", "theirs 2"), 0.5),
            ComparisonResult("c", 2, "different", ("mine", "theirs 3"), 0.1), gone]


def test_a_column_holds_the_results_a_list_would_and_renders_only_what_is_read():
    rendered: list[int] = []
    col = _column(rendered)
    assert levels_of(col).tolist() == [0, MISSING, 1, 2, MISSING]
    assert rendered == []  # the levels are read without making any result
    assert col[2] == _expected()[2] and rendered == [2]
    assert col[2] is col[2] and rendered == [2]  # made once, the same object after
    assert list(col) == _expected() and col == _expected()
    assert col[1] is col[4]  # one missing result for all, as the eager form shared it
    assert col[-1] == _expected()[-1] and col[1:3] == _expected()[1:3]


def test_a_subset_and_a_replaced_result_keep_levels_and_results_together():
    rendered: list[int] = []
    col = _column(rendered)
    first = col[3]
    part = col.take([3, 1, 0])
    assert part[0] is first  # results made before are the same objects in the subset
    assert part == [_expected()[3], _expected()[1], _expected()[0]]
    assert part.raw_at(0) == 0.1 and part.raw_at(1) is None
    full = ComparisonResult("c", 0, "same", ("mine", "by the pair form"), 1.0)
    part[1] = full
    assert levels_of(part).tolist() == [2, 0, 0] and part[1] is full and part.raw_at(1) == 1.0
    assert levels_of(col).tolist() == [0, MISSING, 1, 2, MISSING]  # the original unchanged


def test_any_other_results_are_held_as_a_tuple():
    made = (r for r in _expected())
    held = column(made)
    assert isinstance(held, tuple) and list(held) == _expected()
    assert levels_of(held).tolist() == [0, MISSING, 1, 2, MISSING]
    col = _column([])
    assert column(col) is col


def test_a_result_read_after_the_removed_set_changed_shows_the_account_compared():
    """Values are rendered when read; by then the candidate's row may hold another account
    (a withdrawal frees it, the next removal takes it). What is shown is still the account
    that was compared."""
    from datetime import timedelta

    from tarazu.linkage import LinkerConfig, MirrorLinker, load_model
    from tarazu.linkage.profile import build_profile

    from .conftest import T0, acct, posts

    def removed(i: int, hours: int):
        return build_profile(acct(f"r{i}", f"umar_media_{i}", status="removed",
                                  created=T0 - timedelta(days=90),
                                  removed=T0 - timedelta(hours=hours)),
                             posts(f"r{i}", ["news from the valley"] * 3,
                                   T0 - timedelta(days=3)))

    linker = MirrorLinker(load_model("default"), LinkerConfig())
    for i in range(5):
        linker.add_removed_profile(removed(i, i + 1))
    new = build_profile(acct("a", "umar_media_new", created=T0 + timedelta(minutes=5)))
    comps = linker.compare(new, linker.candidates(new))
    j = comps.names.index("creation_gap")
    gone = next(k for k, c in enumerate(comps.candidates) if c.account_id == "r2")
    linker.withdraw("r2")
    linker.add_removed_profile(removed(9, 200))  # takes the row r2 held
    assert comps.results[j][gone].values[1] == (T0 - timedelta(hours=3)).isoformat()
