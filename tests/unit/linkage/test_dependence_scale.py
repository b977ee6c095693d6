"""The self-fit discounts the evidence of comparators that read one fact: their weights move
together among the pairs taken for mirrors, the summed evidence is over-dispersed, and the
posterior is tempered by 1/√r; independent comparators are counted in full."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tarazu.linkage.model import Calibration, ComparatorSpec, Level, LinkageModel
from tarazu.linkage.selffit import PairSample, dependence_scale, exclusive_posteriors, totals

M, U = (0.7, 0.2, 0.1), (0.05, 0.15, 0.8)


def _model(names: tuple[str, ...]) -> LinkageModel:
    return LinkageModel(
        comparators=tuple(ComparatorSpec(n, tuple(Level(f"l{i}", M[i], U[i]) for i in range(3)))
                          for n in names),
        prior=0.01)


def _sample(copies: int, independent: int, n: int = 20000) -> tuple[LinkageModel, PairSample,
                                                                     np.ndarray]:
    """``copies`` comparators that all read one level (one fact, counted ``copies`` times)
    and ``independent`` ones drawn apart; half the pairs are matches."""
    rng = np.random.default_rng(3)
    match = rng.random(n) < 0.5

    def draw() -> np.ndarray:
        return np.where(match, rng.choice(3, n, p=M), rng.choice(3, n, p=U)).astype(np.int16)

    fact = draw()
    cols = [fact] * copies + [draw() for _ in range(independent)]
    names = tuple(f"c{i}" for i in range(len(cols)))
    sample = PairSample(names, np.column_stack(cols), np.arange(n), np.arange(n))
    return _model(names), sample, match.astype(float)


def test_independent_comparators_are_counted_in_full():
    model, sample, match = _sample(copies=1, independent=4)
    assert dependence_scale(model, sample, match) == pytest.approx(1.0, abs=0.05)


def test_one_fact_read_by_four_comparators_is_discounted():
    """Four copies of one fact and nothing else: r = 4 among the matches, so the scale is 1/2
    and the four copies weigh what one fact of twice the weight would."""
    model, sample, match = _sample(copies=4, independent=0)
    assert dependence_scale(model, sample, match) == pytest.approx(0.5, abs=0.02)
    model, sample, match = _sample(copies=4, independent=4)
    assert 0.5 < dependence_scale(model, sample, match) < 0.9


def test_the_scale_tempers_probabilities_but_keeps_the_order():
    model, sample, match = _sample(copies=4, independent=1, n=200)
    t = totals(model, sample)
    full = exclusive_posteriors(t, sample)
    tempered = exclusive_posteriors(t, sample, Calibration("exclusive", scale=0.5),
                                    model.prior_weight)
    strong = t > model.prior_weight + 1
    assert (tempered[strong] < full[strong]).all()
    order = np.argsort(-t, kind="stable")
    assert (np.diff(tempered[order]) <= 1e-12).all()


def test_the_scale_survives_the_model_file_and_older_files_stay_byte_identical():
    model = _model(("a", "b"))
    plain = model.to_json()
    assert "scale" not in json.loads(plain)["calibration"]
    assert LinkageModel.from_dict(json.loads(plain)).to_json() == plain
    tempered = LinkageModel.from_dict({**json.loads(plain),
                                       "calibration": {"method": "exclusive", "scale": 0.7}})
    assert tempered.calibration.scale == 0.7
    assert json.loads(tempered.to_json())["calibration"]["scale"] == 0.7
