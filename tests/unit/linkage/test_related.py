"""The related class ("another account of the same operator") and the operator check it
makes: the EM recovers it from pairs generated with it, without labels; under three classes
what only the one that came back shares decides between an operator's accounts, so a
sibling the two-class evidence ranks first keeps a low probability; it survives the model
file; and the ranking and the explanation stay the two-class ones."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tarazu.linkage import MirrorLinker
from tarazu.linkage.model import Calibration, ComparatorSpec, Level, LinkageModel, expert_model
from tarazu.linkage.pair_sample import (
    PairSample,
    exclusive_posteriors,
    operator_posteriors,
    related_bits,
    totals,
)
from tarazu.linkage.related_fit import fit_related

from .conftest import operator_draw

#: name: (m of the match class, m of the related class, u). ``own`` is what only the
#: account that came back shares (its follow list); ``operator`` what every account of the
#: operator shares (a way of writing) — as often among related pairs as among matches;
#: ``group`` the group's channel, which nearly all the operator's accounts link to.
TRUE = {
    "own": ([0.7, 0.2, 0.1], [0.05, 0.15, 0.8], [0.02, 0.08, 0.9]),
    "operator": ([0.6, 0.3, 0.1], [0.6, 0.3, 0.1], [0.001, 0.04, 0.959]),
    "group": ([0.8, 0.2], [0.9, 0.1], [0.05, 0.95]),
}
ACCOUNTS, CANDIDATES, MIRRORS, SIBLINGS = 6000, 20, 0.7, 2


def _match_model() -> LinkageModel:
    """The match class as the self-fit's first EM leaves it (here: the true m and u), with
    the pair prior of 70 % of new accounts continuing one of their 20 candidates (odds
    0.7 / (0.3 · 20), as ``selffit.fit_m`` sets it)."""
    specs = tuple(ComparatorSpec(n, tuple(Level(f"l{i}", m[i], u[i])
                                          for i in range(len(m))))
                  for n, (m, _, u) in TRUE.items())
    odds = MIRRORS / ((1 - MIRRORS) * CANDIDATES)
    return LinkageModel(comparators=specs, prior=odds / (1 + odds))


@pytest.fixture(scope="module")
def generated() -> PairSample:
    """Each mirror's first candidate is the account it continues and the next two are its
    operator's other accounts; every other pair is unrelated."""
    rng = np.random.default_rng(3)
    mirror = rng.random(ACCOUNTS) < MIRRORS
    kind = np.zeros((ACCOUNTS, CANDIDATES), dtype=np.int8)  # 0 u, 1 match, 2 related
    kind[mirror, 0] = 1
    kind[mirror, 1:1 + SIBLINGS] = 2
    kind = kind.ravel()
    cols = []
    for m, m_rel, u in TRUE.values():
        col = np.empty(len(kind), dtype=np.int16)
        for k, probs in enumerate((u, m, m_rel)):
            at = kind == k
            col[at] = rng.choice(len(probs), size=int(at.sum()), p=probs)
        cols.append(col)
    n = ACCOUNTS * CANDIDATES
    return PairSample(tuple(TRUE), np.column_stack(cols), np.arange(0, n, CANDIDATES),
                      np.arange(n))


def test_em_recovers_the_related_class_without_labels(generated):
    fitted = fit_related(_match_model(), generated, ACCOUNTS, CANDIDATES)
    for s in fitted.comparators:
        np.testing.assert_allclose([lv.m_related for lv in s.levels], TRUE[s.name][1],
                                   atol=0.04)
        # the match class is held
        assert [lv.m for lv in s.levels] == TRUE[s.name][0]
    # two related pairs for each mirror among all pairs
    assert fitted.related_prior == pytest.approx(MIRRORS * SIBLINGS / CANDIDATES, rel=0.15)


def test_a_sibling_showing_more_of_the_operator_keeps_a_low_probability(generated):
    """The account that came back shares its own follows, its sibling more of the operator's
    way of writing: two classes rank the sibling first and give it most of the posterior;
    three classes put the account first, so the operator check leaves the sibling little."""
    fitted = fit_related(_match_model(), generated, ACCOUNTS, CANDIDATES)
    pairs = PairSample(tuple(TRUE), np.array([[1, 1, 0],    # the account: own follows
                                              [2, 0, 0]],   # a sibling: more writing
                                             dtype=np.int16), np.array([0]), np.array([0, 1]))
    two = totals(fitted, pairs)
    bits = related_bits(fitted, pairs)
    assert two[1] > two[0]
    assert two[0] + bits[0] > two[1] + bits[1]
    plain = exclusive_posteriors(two, pairs)
    check = operator_posteriors(two, bits, pairs, Calibration("exclusive"), 0.0)
    assert plain[1] > 0.5 > check[1]
    assert check[0] > check[1]


def test_no_pair_looks_related_no_related_class():
    """A platform whose new accounts each have one strong candidate at most: nothing to fit,
    and the model stays two-class."""
    levels = np.array([[0, 0, 0]] + [[2, 2, 1]] * 19, dtype=np.int16)
    sample = PairSample(tuple(TRUE), levels, np.array([0]), np.arange(20))
    assert fit_related(_match_model(), sample, 1, 20).related_prior is None


def test_a_removed_account_continued_twice_has_two_matches_not_a_related_pair():
    """Fifty removed accounts, each continued by two new accounts (an operator who came back
    twice), each new account with one strong candidate: nothing is related. Sharing the
    match among a removed account's successors too had taken each second one for related."""
    strong, weak = [0, 0, 0], [2, 2, 1]
    levels, removed = [], []
    for k in range(100):
        levels += [strong] + [weak] * 19
        removed += [k // 2] + list(range(1000 + 19 * k, 1000 + 19 * (k + 1)))
    sample = PairSample(tuple(TRUE), np.array(levels, dtype=np.int16),
                        np.arange(0, 2000, 20), np.array(removed))
    assert fit_related(_match_model(), sample, 100, 20).related_prior is None


def test_a_labelled_fit_drops_the_related_class(generated):
    """With labels an operator's other accounts are labelled non-matches, so u holds what
    they share: the related class would count it twice."""
    from tarazu.linkage.training import PairTable, fit_labelled

    fitted = fit_related(_match_model(), generated, ACCOUNTS, CANDIDATES)
    n = 400
    table = PairTable(generated.names, generated.levels[:n],
                      (np.arange(n) % CANDIDATES == 0).astype(int), np.ones(n, dtype=bool),
                      tuple(str(i // CANDIDATES) for i in range(n)),
                      tuple(str(i) for i in range(n)))
    labelled = fit_labelled(fitted, table)
    assert labelled.related_prior is None
    assert all(lv.m_related is None for s in labelled.comparators for lv in s.levels)
    assert "related" not in labelled.to_json()


def test_the_model_file_keeps_the_related_class(generated):
    fitted = replace(fit_related(_match_model(), generated, ACCOUNTS, CANDIDATES),
                     related_scale=0.8)
    back = LinkageModel.from_json(fitted.to_json())
    assert back == fitted
    # a model without one writes nothing of it (files fitted before read and write alike)
    assert "related" not in _match_model().to_json()


def test_the_check_lowers_probabilities_and_leaves_order_and_explanation(scenario):
    """A linker whose model has the related class ranks and explains as the two-class one
    (the total is still the prior plus its bars) and reports the lower of the two views'
    probabilities; here every match level is as likely among related pairs, so the check
    leaves the mirror's best candidate far less than the two-class posterior."""
    base = replace(expert_model(), calibration=Calibration("exclusive"))
    model = replace(base, related_prior=0.01, related_scale=1.0, comparators=tuple(
        replace(s, levels=tuple(replace(lv, m_related=lv.m) for lv in s.levels))
        for s in base.comparators))
    results = {}
    for m in (base, model):
        linker = MirrorLinker(m)
        actives = linker.load(scenario["accounts"], scenario["posts"])
        mirror = next(p for p in actives if p.account_id == "a:mirror")
        results[m is model] = linker.score_profile(mirror)
    plain, checked = results[False], results[True]
    assert [r.removed_id for r in checked] == [r.removed_id for r in plain]
    for a, b in zip(plain, checked, strict=True):
        assert b.total == a.total and b.signals == a.signals
        assert b.prior_weight + sum(s.weight for s in b.signals) == pytest.approx(b.total)
        assert b.probability <= a.probability
    assert checked[0].probability < 0.5 * plain[0].probability


def test_on_a_draw_of_operators_with_several_accounts_the_check_drops_a_wrong_flag(tmp_path):
    """End to end, on a generated draw where each operator ran several removed accounts and
    half come back careful: asked for, the self-fit fits the related class; the first
    candidates are the same as without it, and the flag no longer goes to a wrong one
    (without it one flag of 23 names the wrong account). It is fitted by default."""
    from tarazu.linkage.selffit import SelfFitSettings, self_fit

    files, linker, actives = operator_draw(15, tmp_path)
    firsts, wrong = {}, {}
    for related in (False, True):
        model, report = self_fit(linker, actives, SelfFitSettings(related_class=related))
        assert (model.related_prior is not None) == related == (report.related_pairs > 0)
        assert (model.related_scale is not None) == related
        res = linker.with_model(model).score_batch(actives, top_k=1)
        firsts[related] = {a: rs[0].removed_id for a, rs in res.items() if rs}
        wrong[related] = sum(1 for a, rs in res.items()
                             if rs and rs[0].probability >= model.thresholds.review
                             and files.truth.mirror_of.get(a) != rs[0].removed_id)
    assert firsts[True] == firsts[False]
    assert wrong[False] >= 1 and wrong[True] == 0
    assert SelfFitSettings().related_class is True
