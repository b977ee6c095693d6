"""The review threshold: placed where the dev split's flags meet the goals, and, with a
confidence, where they meet them beyond what a small split could show by luck."""

import pytest

from tarazu.linkage.training import choose_review_threshold, proportion_bounds


def test_wilson_bounds_bracket_the_rate_and_narrow_with_more_trials():
    lo_small, hi_small = proportion_bounds(23, 25, 0.9)
    lo_large, hi_large = proportion_bounds(920, 1000, 0.9)
    assert lo_small < 23 / 25 < hi_small
    assert lo_large < 0.92 < hi_large
    assert lo_small < lo_large  # 23 of 25 proves less than 920 of 1000
    assert lo_small < 0.85  # 23 of 25 does not show a precision of 0.85 at 90 %


def test_point_estimate_below_or_at_half_confidence():
    assert proportion_bounds(3, 4, 0.5) == (0.75, 0.75)
    assert proportion_bounds(0, 0, 0.9) == (0.0, 1.0)


def _split(n_true: int, n_false: int, n_neg: int):
    """Top candidates: true mirrors at high scores, wrong links and non-mirrors lower."""
    top, truth = {}, {}
    for i in range(n_true):
        top[f"m{i}"] = ("r", 0.99 - i * 0.001)
        truth[f"m{i}"] = "r"
    for i in range(n_false):
        top[f"w{i}"] = ("other", 0.90 - i * 0.01)
        truth[f"w{i}"] = "r"
    for i in range(n_neg):
        top[f"n{i}"] = ("r", 0.50 - i * 0.001)
        truth[f"n{i}"] = None
    return top, truth


def test_confidence_moves_the_threshold_up_on_a_small_split():
    # 20 right at the top, then 3 wrong: the point estimate accepts 20/23 = 0.87 >= 0.85
    top, truth = _split(20, 3, 200)
    point = choose_review_threshold(top, truth, 0.85, 0.05)
    bound = choose_review_threshold(top, truth, 0.85, 0.05, confidence=0.9)
    assert point == pytest.approx(0.88)  # the lowest score that keeps 0.87
    assert bound > point  # 20/23 is not enough evidence of 0.85 at 90 %
    assert bound <= 0.99  # yet the 20 right ones at the top still qualify


def test_threshold_never_flags_beyond_the_share_of_non_mirrors():
    top, truth = _split(10, 0, 100)
    # flagging down to 0.49 would take in 11 of 100 non-mirrors; at most 5 % allowed
    thr = choose_review_threshold(top, truth, 0.0, 0.05)
    flagged_neg = sum(1 for a, (_, s) in top.items() if truth[a] is None and s >= thr)
    assert flagged_neg <= 5


def test_no_non_mirror_in_the_split_leaves_only_the_precision_constraint():
    top, truth = _split(50, 0, 0)
    assert choose_review_threshold(top, truth, 0.9, 0.01, confidence=0.9) == pytest.approx(0.941)
    # five right of five is not evidence of 0.9 at 90 %: no threshold is supported
    top, truth = _split(5, 0, 0)
    assert choose_review_threshold(top, truth, 0.9, 0.01, confidence=0.9) is None

