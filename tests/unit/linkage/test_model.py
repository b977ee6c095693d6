import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tarazu.linkage.calibration import fit_calibration, reliability
from tarazu.linkage.linker import MirrorLinker
from tarazu.linkage.model import LinkageModel, expert_model, weight_matrix, weights_of
from tarazu.linkage.training import fit_labelled, pair_table


def test_model_json_round_trip(tmp_path):
    m = expert_model()
    path = tmp_path / "m.json"
    m.save(path)
    back = LinkageModel.load(path)
    assert back.to_dict() == m.to_dict()
    assert back.weight("own_handle", 0) == pytest.approx(m.weight("own_handle", 0))
    assert back.weight("own_handle", -1) == 0.0  # missing


@given(st.lists(st.integers(1, 6), min_size=1, max_size=8), st.integers(1, 20),
       st.integers(0, 2**32 - 1))
def test_the_weight_matrix_sums_what_each_comparator_gives(sizes, pairs, seed):
    """One gather over the padded matrix is the per-comparator sum: every level's weight,
    0 for a missing one (-1)."""
    rng = np.random.default_rng(seed)
    names = [f"c{j}" for j in range(len(sizes))]
    table = {n: np.append(rng.normal(0, 5, k), 0.0) for n, k in zip(names, sizes, strict=True)}
    levels = np.column_stack([rng.integers(-1, k, pairs) for k in sizes]).astype(np.int16)
    want = np.zeros(pairs)
    for j, n in enumerate(names):
        want += table[n][levels[:, j]]
    np.testing.assert_allclose(weights_of(weight_matrix(table, names), levels), want,
                               atol=1e-9)


def test_model_rejects_foreign_json():
    with pytest.raises(ValueError):
        LinkageModel.from_dict({"format": "something else"})


def test_isotonic_calibration_is_monotone():
    rng = np.random.default_rng(0)
    t = rng.normal(0, 5, 4000)
    y = (rng.random(4000) < 1 / (1 + np.exp(-t))).astype(int)
    cal = fit_calibration(t, y)
    grid = np.linspace(-30, 30, 500)
    p = cal.probability(grid)
    assert np.all(np.diff(p) >= 0)
    assert p[0] < 0.1 and p[-1] > 0.9
    rel = reliability(cal.probability(t), y)
    assert rel.ece < 0.05


def _linker_and_truth(scenario):
    linker = MirrorLinker(expert_model())
    actives = linker.load(scenario["accounts"], scenario["posts"])
    truth = {p.account_id: None for p in actives}
    truth[scenario["mirror"].account_id] = scenario["src"].account_id
    return linker, actives, truth


def test_explanation_sums_to_total(scenario):
    linker, actives, _ = _linker_and_truth(scenario)
    mirror = next(p for p in actives if p.account_id == "a:mirror")
    best = linker.score_profile(mirror)[0]
    assert best.removed_id == "r:umar"
    assert best.prior_weight + sum(s.weight for s in best.signals) == pytest.approx(best.total)
    assert best.waterfall()[-1]["cumulative"] == pytest.approx(best.total)
    text = best.explain()
    assert any("more likely to be a match" in line for line in text)
    assert text[-1].startswith("Total")


def test_fitting_learns_weights_from_labels(scenario):
    linker, actives, truth = _linker_and_truth(scenario)
    table = pair_table(linker, actives, truth)
    assert table.labels.sum() == 1
    fitted = fit_labelled(linker.model, table)
    j = table.names.index("own_identifiers")
    lv = table.levels[table.labels == 1][0, j]
    assert fitted.weight("own_identifiers", int(lv)) > 0


def test_logistic_calibration_uses_the_leads_and_round_trips(tmp_path):
    """Same total, different lead over the rivals: the clear winner is likelier a match."""
    rng = np.random.default_rng(1)
    n = 3000
    t = rng.normal(0, 4, n)
    lead = rng.normal(0, 6, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.3 * t + 0.5 * lead - 1)))).astype(int)
    cal = fit_calibration(t, y, "logistic", extras={"lead": lead})
    assert cal.features == ("lead",) and cal.coef[0] > 0.2
    assert cal.probability(2.0, {"lead": 10.0}) > cal.probability(2.0, {"lead": -10.0})
    assert cal.probability(2.0, {"lead": np.nan}) == pytest.approx(
        cal.probability(2.0, {"lead": cal.clip})
    )  # no rival at all counts as the largest lead
    m = expert_model().with_(calibration=cal)
    m.save(tmp_path / "m.json")
    back = LinkageModel.load(tmp_path / "m.json")
    assert back.calibration == cal
