"""Faster forms of what a stream worker computes for every score, each giving exactly
what the plain form gave: the rivals of a candidate as the exclusive calibration reads them,
and the bio words two accounts share."""

import numpy as np

from tarazu.linkage.linker import _other_totals


def test_other_totals_leave_out_the_scored_account_and_keep_the_order():
    recorded = {"x:a": 3.5, "x:b": -2.0, "x:c": 11.25, "x:d": 0.5}
    assert _other_totals(recorded, "x:c").tolist() == [3.5, -2.0, 0.5]
    assert _other_totals(recorded, "x:z").tolist() == [3.5, -2.0, 11.25, 0.5]
    assert _other_totals({"x:c": 1.0}, "x:c").size == 0
    assert _other_totals(None, "x:c").size == 0


def test_other_totals_sum_as_the_loop_over_the_successors_did():
    rng = np.random.default_rng(3)
    recorded = {f"x:{i}": float(t) for i, t in enumerate(rng.normal(0, 40, 500))}
    for active in ("x:0", "x:250", "x:499", "x:none"):
        loop = [v for a, v in recorded.items() if a != active]
        want = float(np.power(2.0, np.clip(loop, -300.0, 300.0)).sum())
        got = float(np.power(2.0, np.clip(_other_totals(recorded, active), -300.0, 300.0)).sum())
        assert got == want


def test_a_score_explains_only_the_results_from_the_probability_asked_for(scenario):
    """The stream worker acts only on results at the review threshold or above: the others
    come without their explanation, and everything else about the score stays the same."""
    from dataclasses import replace

    from tarazu.linkage import MirrorLinker, load_model

    by_id = {}
    for p in scenario["posts"]:
        by_id.setdefault(p.account_id, []).append(p)

    def scores(explain_from):
        linker = MirrorLinker(load_model("default"))
        for a in scenario["accounts"]:
            if a.status == "removed":
                linker.add_removed(a, by_id.get(a.account_id, ()))
        return [linker.score(a, by_id.get(a.account_id, ()), explain_from=explain_from)
                for a in scenario["accounts"] if a.status == "active"]

    full, lean = scores(0.0), scores(0.5)
    probabilities = [r.probability for rs in full for r in rs]
    assert min(probabilities) < 0.5 <= max(probabilities)  # both kinds are there
    for f, g in zip(full, lean, strict=True):
        for x, y in zip(f, g, strict=True):
            assert x.explained
            if x.probability >= 0.5:
                assert y == x
            else:
                assert (y.explained, y.signals) == (False, ())
                assert replace(y, signals=x.signals, explained=True) == x
        assert len(f) == len(g)
