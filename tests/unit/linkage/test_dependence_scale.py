"""The self-fit discounts the evidence of comparators that read one fact: their weights move
together among the pairs taken for mirrors. Each comparator is counted at one over the sum of
its correlations with the others (a fact read by k comparators counts once), the calibration
then keeps the number of mirrors the fit expected, and the summed evidence that is still
over-dispersed is tempered by 1/√r; independent comparators are counted in full."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tarazu.linkage.dependence import (
    comparator_scales,
    dependence_scale,
    matching_scale,
    with_scales,
)
from tarazu.linkage.model import Calibration, ComparatorSpec, Level, LinkageModel
from tarazu.linkage.pair_sample import PairSample, exclusive_posteriors, totals

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


def test_a_fact_read_by_three_comparators_is_counted_once():
    model, sample, match = _sample(copies=3, independent=2)
    scales = comparator_scales(model, sample, match)
    for name in ("c0", "c1", "c2"):
        assert scales[name] == pytest.approx(1 / 3, abs=0.03)
    # the independent ones are counted in full (or nearly: chance correlation only)
    assert scales.get("c3", 1.0) > 0.9 and scales.get("c4", 1.0) > 0.9
    scaled = with_scales(model, scales)
    copies = sum(scaled.spec(f"c{i}").weight(0) for i in range(3))
    assert copies == pytest.approx(model.spec("c0").weight(0), rel=0.1)


def test_independent_comparators_keep_their_weight_and_the_model_is_unchanged():
    model, sample, match = _sample(copies=1, independent=4)
    scales = comparator_scales(model, sample, match)
    assert all(v > 0.9 for v in scales.values())
    assert with_scales(model, {}) == model


def test_a_comparator_that_hardly_varies_is_not_crushed():
    """Correlations, not covariances: a comparator almost constant among the matches but
    unrelated to the others keeps its weight (with covariances its share would be its tiny
    variance over the others' spread)."""
    model, sample, match = _sample(copies=2, independent=0)
    rng = np.random.default_rng(5)
    quiet = np.where(rng.random(len(match)) < 0.01, 1, 0).astype(np.int16)
    sample = PairSample((*sample.names, "quiet"), np.column_stack([sample.levels, quiet]),
                        sample.starts, sample.removed)
    model = _model(sample.names)
    scales = comparator_scales(model, sample, match)
    assert scales.get("quiet", 1.0) > 0.9
    assert scales["c0"] == pytest.approx(0.5, abs=0.05)


def test_discounting_changes_the_ranking_towards_independent_evidence():
    """One fact read three times against two independent facts at the same level: counted as
    independent, the repeated fact wins (3 weights against 2); counted once, it loses."""
    model, sample, match = _sample(copies=3, independent=2)
    scales = comparator_scales(model, sample, match)
    repeated = np.array([[0, 0, 0, 2, 2]], dtype=np.int16)  # the one fact, nothing else
    spread = np.array([[2, 2, 2, 0, 0]], dtype=np.int16)  # two independent facts
    pair = PairSample(sample.names, np.vstack([repeated, spread]), np.arange(2), np.arange(2))
    full = totals(model, pair)
    counted = totals(with_scales(model, scales), pair)
    assert full[0] > full[1]
    assert counted[0] < counted[1]


def test_the_matching_scale_restores_the_expected_number_of_mirrors():
    model, sample, match = _sample(copies=3, independent=2, n=4000)
    before = float(exclusive_posteriors(totals(model, sample), sample).sum())
    scaled = with_scales(model, comparator_scales(model, sample, match))
    t = totals(scaled, sample)
    assert float(exclusive_posteriors(t, sample).sum()) < before  # discounting lowers them
    g = matching_scale(before, t, sample, scaled.prior_weight)
    assert g > 1.0
    after = exclusive_posteriors(t, sample, Calibration("exclusive", scale=g),
                                 scaled.prior_weight).sum()
    assert after == pytest.approx(before, rel=1e-3)


def test_the_scales_survive_the_model_file_and_older_files_stay_byte_identical():
    model = _model(("a", "b"))
    plain = model.to_json()
    assert all("scale" not in c for c in json.loads(plain)["comparators"])
    scaled = with_scales(model, {"a": 0.25})
    again = LinkageModel.from_dict(json.loads(scaled.to_json()))
    assert again.spec("a").scale == 0.25 and again.spec("b").scale == 1.0
    # the file shows the counted weight; m and u stay the fitted probabilities
    level = json.loads(scaled.to_json())["comparators"][0]["levels"][0]
    assert level["weight"] == pytest.approx(0.25 * np.log2(M[0] / U[0]), abs=1e-4)
    assert (level["m"], level["u"]) == (M[0], U[0])
    assert again.weight_table()["a"][0] == pytest.approx(0.25 * np.log2(M[0] / U[0]))


def test_the_linker_counts_and_explains_the_scaled_weights(scenario):
    """A comparator counted at a quarter: its bar in the explanation is a quarter of
    log2(m/u) (term-frequency adjusted or not), and the bars still sum to the total."""
    from tarazu.linkage.linker import MirrorLinker
    from tarazu.linkage.model import expert_model

    def best(model: LinkageModel):
        linker = MirrorLinker(model)
        actives = linker.load(scenario["accounts"], scenario["posts"])
        mirror = next(p for p in actives if p.account_id == "a:mirror")
        return linker.score_profile(mirror)[0]

    full_model = expert_model()
    scales = {s.name: 0.25 for s in full_model.comparators}
    full, quarter = best(full_model), best(with_scales(full_model, scales))
    assert quarter.removed_id == full.removed_id == "r:umar"
    shown = {s.comparator: s for s in full.signals if not s.missing and s.weight}
    assert shown
    for s in quarter.signals:
        if s.comparator in shown:
            assert s.weight == pytest.approx(0.25 * shown[s.comparator].weight)
            assert s.scale == 0.25 and shown[s.comparator].scale == 1.0
    assert any("counted at 25%" in line for line in quarter.explain())
    assert not any("counted at" in line for line in full.explain())
    assert quarter.prior_weight + sum(s.weight for s in quarter.signals) == pytest.approx(
        quarter.total)
    assert quarter.total - quarter.prior_weight == pytest.approx(
        0.25 * (full.total - full.prior_weight))


def test_a_handful_of_mirrors_shows_no_dependence_to_discount():
    """When one pair carries the posterior (a small input), every varying weight moves with
    it; a correlation must stand out from chance among that many pairs to count, so nothing
    is discounted (unguarded, every comparator would get one over their number)."""
    model, sample, match = _sample(copies=3, independent=2, n=400)
    one = np.zeros(len(match))
    one[int(np.flatnonzero(match)[0])] = 1.0
    assert comparator_scales(model, sample, one) == {}
    few = np.zeros(len(match))
    few[np.flatnonzero(match)[:3]] = 1.0
    assert comparator_scales(model, sample, few) == {}


def test_comparators_missing_together_are_not_taken_for_one_fact():
    """Two independent comparators that are both missing on the same pairs (a mirror seen
    only at sign-up has neither posts nor follows): where both are measured they do not move
    together, so neither is discounted. Counting the missing pairs' zeros made them look
    like one fact read twice (each near 1/2)."""
    model, sample, match = _sample(copies=1, independent=2)
    rng = np.random.default_rng(7)
    levels = sample.levels.copy()
    quiet = rng.random(len(match)) < 0.4  # sign-up only: both activity comparators missing
    levels[quiet, 1:] = -1
    sample = PairSample(sample.names, levels, sample.starts, sample.removed)
    scales = comparator_scales(model, sample, match)
    assert scales.get("c1", 1.0) > 0.9 and scales.get("c2", 1.0) > 0.9


def test_one_fact_missing_on_some_pairs_is_still_counted_once():
    """The discount still finds one fact read twice where it is measured, whatever the
    pairs where it is missing."""
    model, sample, match = _sample(copies=2, independent=1)
    rng = np.random.default_rng(8)
    levels = sample.levels.copy()
    levels[rng.random(len(match)) < 0.4, :2] = -1
    sample = PairSample(sample.names, levels, sample.starts, sample.removed)
    scales = comparator_scales(model, sample, match)
    assert scales["c0"] == pytest.approx(0.5, abs=0.05)
    assert scales["c1"] == pytest.approx(0.5, abs=0.05)
    assert scales.get("c2", 1.0) > 0.9


def test_comparators_missing_together_are_not_tempered_as_one_fact():
    """The global scale too reads only where comparators measured something: independent
    comparators missing on the same pairs leave the evidence untempered."""
    model, sample, match = _sample(copies=1, independent=4)
    levels = sample.levels.copy()
    levels[np.random.default_rng(9).random(len(match)) < 0.4, 1:] = -1
    sample = PairSample(sample.names, levels, sample.starts, sample.removed)
    assert dependence_scale(model, sample, match) == pytest.approx(1.0, abs=0.05)


def test_only_comparators_of_one_family_restate_each_other():
    """Weights that move together across families (a mirror that copies everything against
    one that changes everything) are not one fact read twice: given the families, two
    comparators of different ones keep their weight; of one family, they share it."""
    model, sample, match = _sample(copies=2, independent=1)
    apart = comparator_scales(model, sample, match, {"c0": "identity", "c1": "network",
                                                     "c2": "timing"})
    assert apart.get("c0", 1.0) > 0.9 and apart.get("c1", 1.0) > 0.9
    together = comparator_scales(model, sample, match, {"c0": "network", "c1": "network",
                                                        "c2": "timing"})
    assert together["c0"] == pytest.approx(0.5, abs=0.05)
    assert together["c1"] == pytest.approx(0.5, abs=0.05)


def test_every_comparator_of_a_new_model_has_a_family():
    from tarazu.linkage.comparators import family_of
    from tarazu.linkage.selffit import self_fit_start

    kinds = {family_of(s.name) for s in self_fit_start().comparators}
    assert {"identity", "content", "network", "timing"} <= kinds
    with pytest.raises(KeyError):
        family_of("no_such_comparator")
