"""Scoring a linking answer by the shared evaluator's conventions, on a tiny hand-made answer
whose every figure is worked out by hand."""

from __future__ import annotations

import json

import pytest

from tarazu.demo.evaluation import (
    flagged_accounts,
    parse_answers,
    read_answers,
    read_truth,
    recall_at,
    score_links,
)

TRUTH = {"m1": "r1", "m2": "r2", "m3": "r3", "m4": "r4",
         "n1": None, "n2": None, "j1": None}
LINES = [
    # m1: right at rank 1, flagged -> a right flag
    {"account_id": "m1", "candidates": [{"removed_account_id": "r1", "score": 0.9},
                                        {"removed_account_id": "r2", "score": 0.1}],
     "flagged": True},
    # m2: its own removed account second; flagged with the wrong one -> a wrong flag
    {"account_id": "m2", "candidates": [{"removed_account_id": "r1", "score": 0.8},
                                        {"removed_account_id": "r2", "score": 0.7}],
     "flagged": True},
    # m3: third, not flagged
    {"account_id": "m3", "candidates": [{"removed_account_id": "r7", "score": 0.3},
                                        {"removed_account_id": "r8", "score": 0.2},
                                        {"removed_account_id": "r3", "score": 0.1}],
     "flagged": False},
    # m4: not listed at all
    {"account_id": "m4", "candidates": [{"removed_account_id": "r9", "score": 0.2}],
     "flagged": False},
    # n1: a non-mirror flagged
    {"account_id": "n1", "candidates": [{"removed_account_id": "r1", "score": 0.6}],
     "flagged": True},
    # n2: flagged but nothing listed: not a flag (as the shared evaluator counts it)
    {"account_id": "n2", "candidates": [], "flagged": True},
    # j1: a journalist whose best candidate is at the auto-action level, not flagged
    {"account_id": "j1", "candidates": [{"removed_account_id": "r2", "score": 0.999}],
     "flagged": False},
]


def _answers(lines=LINES, drop_flags=False):
    rows = [{k: v for k, v in r.items() if not (drop_flags and k == "flagged")} for r in lines]
    return parse_answers(json.dumps(r) for r in rows)


def test_ranking_figures():
    ans = _answers()
    s = score_links(TRUTH, ans, review_threshold=0.75, auto_threshold=0.995)
    assert (s.mirrors, s.negatives, s.missing_answers) == (4, 3, 0)
    assert s.recall_at_1 == pytest.approx(1 / 4)
    assert s.recall_at_10 == pytest.approx(3 / 4)
    assert s.mrr == pytest.approx((1 + 1 / 2 + 1 / 3) / 4)
    assert recall_at(TRUTH, ans, 2) == pytest.approx(2 / 4)
    assert recall_at(TRUTH, ans, 1, ids={"m1", "m2"}) == pytest.approx(1 / 2)
    assert recall_at(TRUTH, ans, 1, ids={"n1"}) == 0.0  # no mirrors among the ids


def test_precision_at_the_systems_own_flag():
    s = score_links(TRUTH, _answers(), review_threshold=0.75, auto_threshold=0.995,
                    protected={"j1"})
    assert s.flag_source == "flagged"
    assert s.flagged == 3  # m1, m2, n1 (n2 lists nothing)
    assert flagged_accounts(_answers(), 0.0) == {"m1", "m2", "n1"}  # the threshold is unused
    assert s.precision_at_flag == pytest.approx(1 / 3)
    assert s.recall_at_flag == pytest.approx(1 / 4)
    assert s.negatives_flagged == pytest.approx(1 / 3)  # n1 of n1, n2, j1
    assert s.protected_at_auto == 1  # j1, flagged or not


def test_without_flags_the_review_threshold_decides():
    s = score_links(TRUTH, _answers(drop_flags=True), review_threshold=0.75,
                    auto_threshold=0.995, protected={"j1", "n1"})
    assert s.flag_source == "threshold"
    assert s.flagged == 3  # m1 (0.9), m2 (0.8), j1 (0.999); n1 (0.6) is below
    assert flagged_accounts(_answers(drop_flags=True), 0.75) == {"m1", "m2", "j1"}
    assert s.precision_at_flag == pytest.approx(1 / 3)
    assert s.negatives_flagged == pytest.approx(1 / 3)  # j1
    assert s.protected_at_auto == 1


def test_an_answer_with_some_flags_missing_uses_the_threshold_everywhere():
    lines = [dict(r) for r in LINES]
    del lines[0]["flagged"]
    s = score_links(TRUTH, _answers(lines), review_threshold=0.75, auto_threshold=0.995)
    assert s.flag_source == "threshold" and s.flagged == 3


def test_missing_answers_count_as_misses():
    ans = _answers(LINES[1:])
    s = score_links(TRUTH, ans, review_threshold=0.75, auto_threshold=0.995)
    assert s.missing_answers == 1 and s.recall_at_1 == 0.0


def test_files_and_a_bad_line_named(tmp_path):
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in LINES) + "\n\n")
    (tmp_path / "t.jsonl").write_text("\n".join(
        json.dumps({"account_id": k, "mirror_of": v}) for k, v in TRUTH.items()) + "\n")
    assert read_truth(tmp_path / "t.jsonl") == TRUTH
    assert read_answers(tmp_path / "a.jsonl")["m3"].candidates[2] == ("r3", 0.1)
    with pytest.raises(ValueError, match="answer line 2"):
        parse_answers([json.dumps(LINES[0]), '{"candidates": []}'])
