"""Self-fit without labels: EM recovers the m/u and prior that generated the data; the
term-frequency adjustment weighs a shared value less and a rare one more."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tarazu.linkage import MirrorLinker
from tarazu.linkage.model import ComparatorSpec, Level, LinkageModel
from tarazu.linkage.pair_sample import PairSample
from tarazu.linkage.profile import build_profile
from tarazu.linkage.review_rule import expected_review_threshold, precision_probability
from tarazu.linkage.selffit import SelfFitSettings, blocked_pairs, estimate_u, fit_m, self_fit_start

from .conftest import AVATAR, T0, acct, operator_draw

#: The generating model: three comparators, m and u per level (each sums to 1).
TRUE = {
    "a": ([0.6, 0.3, 0.1], [0.02, 0.08, 0.9]),
    "b": ([0.5, 0.3, 0.15, 0.05], [0.01, 0.04, 0.25, 0.7]),
    "c": ([0.7, 0.3], [0.1, 0.9]),
}


def _draw(rng: np.random.Generator, probs: list[float], n: int) -> np.ndarray:
    return rng.choice(len(probs), size=n, p=probs).astype(np.int16)


def _levels(rng: np.random.Generator, match: np.ndarray) -> np.ndarray:
    cols = []
    for m, u in TRUE.values():
        col = np.where(match, _draw(rng, m, len(match)), _draw(rng, u, len(match)))
        cols.append(col)
    return np.column_stack(cols).astype(np.int16)


def _start_model() -> LinkageModel:
    """Deliberately wrong starting m (uniform) and u (uniform), prior 0.01."""
    specs = []
    for name, (m, _) in TRUE.items():
        k = len(m)
        specs.append(ComparatorSpec(name, tuple(Level(f"l{i}", 1 / k, 1 / k)
                                                for i in range(k))))
    return LinkageModel(comparators=tuple(specs), prior=0.01)


@pytest.fixture(scope="module")
def generated() -> tuple[PairSample, PairSample]:
    """6,000 new accounts with 20 candidates each; 70 % of them continue one candidate (a
    removed account of their own); 30,000 random pairs, none a match."""
    rng = np.random.default_rng(7)
    groups, per = 6000, 20
    mirror = rng.random(groups) < 0.7
    match = np.zeros(groups * per, dtype=bool)
    match[np.flatnonzero(mirror) * per] = True
    removed = np.arange(groups * per)  # every candidate a different removed account
    blocked = PairSample(tuple(TRUE), _levels(rng, match), np.arange(0, groups * per, per),
                         removed)
    rand = PairSample(tuple(TRUE), _levels(rng, np.zeros(30000, dtype=bool)),
                      np.arange(0, 30000, 10), np.arange(30000))
    return blocked, rand


def test_em_recovers_m_u_and_prior(generated):
    blocked, rand = generated
    model, fixed = estimate_u(_start_model(), rand)
    assert fixed == frozenset(TRUE)
    for s in model.comparators:  # u from random pairs
        np.testing.assert_allclose([lv.u for lv in s.levels], TRUE[s.name][1], atol=0.01)
    fitted, iterations, converged = fit_m(model, blocked, fixed, SelfFitSettings())
    assert converged
    for s in fitted.comparators:  # m by EM, from a uniform start
        np.testing.assert_allclose([lv.m for lv in s.levels], TRUE[s.name][0], atol=0.03)
        assert all(lv.source == "self-fit" for lv in s.levels)
    # 70 % of new accounts continue one of their 20 candidates: pair odds 0.7 / (0.3 · 20)
    odds = fitted.prior / (1 - fitted.prior)
    assert odds == pytest.approx(0.7 / (0.3 * 20), rel=0.1)


def test_em_with_u_free_where_random_pairs_say_nothing(generated):
    """A comparator the random pairs leave missing (a rank among candidates) gets its u from
    the EM as well."""
    blocked, rand = generated
    lv = rand.levels.copy()
    lv[:, 2] = -1
    model, fixed = estimate_u(_start_model(), PairSample(rand.names, lv, rand.starts,
                                                         rand.removed))
    assert fixed == frozenset({"a", "b"})
    fitted, _, _ = fit_m(model, blocked, fixed, SelfFitSettings())
    c = fitted.spec("c")
    np.testing.assert_allclose([x.m for x in c.levels], TRUE["c"][0], atol=0.03)
    np.testing.assert_allclose([x.u for x in c.levels], TRUE["c"][1], atol=0.03)


def test_review_threshold_from_expected_precision():
    """Flag down to where the flagged posteriors still average ≥ 0.9 and the expected
    non-mirrors flagged stay under the limit."""
    p_top = np.array([0.99, 0.98, 0.95, 0.9, 0.6, 0.3, 0.1, 0.05])
    p_any = p_top.copy()
    # expected non-mirrors: Σ (1 - p) = 3.13; flagging down to 0.9 flags 0.18 of them (5.8 %)
    thr, precision, flag_rate = expected_review_threshold(p_top, p_any, 0.9, 0.06)
    assert thr == pytest.approx((0.9 + 0.6) / 2)  # halfway to the next account down
    assert precision == pytest.approx(np.mean([0.99, 0.98, 0.95, 0.9]))
    assert flag_rate == pytest.approx(0.18 / 3.13)
    thr2, _, rate2 = expected_review_threshold(p_top, p_any, 0.9, 0.05)
    assert thr2 == pytest.approx((0.95 + 0.9) / 2) and rate2 <= 0.05
    # a precision nothing reaches flags nothing
    assert expected_review_threshold(p_top, p_any, 0.999, 0.05)[0] == 1.0


def test_with_confidence_the_flagged_must_be_right_with_that_probability():
    """Forty accounts at 0.93, then weaker ones: their mean reaches 0.9 further down than
    it can be trusted; asked that 90 % of the flagged be right with probability 0.95, the
    self-fit flags fewer. The rule is exact for few accounts: one at 0.99 is flagged (right
    with probability 0.99), three at 0.9 are not (all three right: 0.73)."""
    p_top = np.r_[np.full(40, 0.93), np.linspace(0.89, 0.5, 60)]
    p_any = p_top.copy()
    point, prec_point, _ = expected_review_threshold(p_top, p_any, 0.9, 1.0)
    sure, prec_sure, _ = expected_review_threshold(p_top, p_any, 0.9, 1.0, confidence=0.95)
    assert point < 0.89 and prec_point >= 0.9
    assert sure > point and prec_sure > prec_point
    one = np.array([0.99, 0.2])
    assert expected_review_threshold(one, one, 0.9, 1.0, confidence=0.95)[0] < 0.99
    three = np.array([0.9, 0.9, 0.9])
    assert expected_review_threshold(three, three, 0.9, 1.0)[0] < 0.9  # the mean: flagged
    assert expected_review_threshold(three, three, 0.9, 1.0, confidence=0.95)[0] == 1.0


@settings(max_examples=60)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8), st.sampled_from([0.5, 0.8, 0.9]))
def test_the_precision_probability_is_the_exact_poisson_binomial_tail(ps, goal):
    """Against every way the first k accounts can be right or wrong."""
    p_sorted = np.sort(np.array(ps))[::-1]
    got = precision_probability(p_sorted, goal)
    for k in range(1, len(p_sorted) + 1):
        want = 0.0
        for right in itertools.product((0, 1), repeat=k):
            if sum(right) >= goal * k - 1e-9:
                chances = zip(p_sorted[:k], right, strict=True)
                want += math.prod(p if r else 1 - p for p, r in chances)
        assert got[k - 1] == pytest.approx(want, abs=1e-9)


def _tf_linker() -> MirrorLinker:
    """Twenty removed accounts of one group share its logo; 180 others have a picture of
    their own. Expert m, and u of "same picture" as random pairs of these accounts show it
    (two of them share a picture 20·19 / (200·199) of the time); avatar adjusted by term
    frequency (the rarity-blind picture comparator, which a new model leaves to its own-trace
    successor, is named so that the term-frequency adjustment itself is tested)."""
    from tarazu.linkage.comparators import COMPARATORS

    base = self_fit_start(names=[c.NAME for c in COMPARATORS])
    u0 = 20 * 19 / (200 * 199)
    spec = base.spec("avatar")
    levels = (replace(spec.levels[0], u=u0),
              replace(spec.levels[-1], u=spec.levels[-1].u - (u0 - spec.levels[0].u)))
    levels = (levels[0], *spec.levels[1:-1], levels[1])
    model = replace(base, comparators=tuple(
        replace(s, levels=levels) if s.name == "avatar" else s for s in base.comparators))
    linker = MirrorLinker(model)
    for i in range(20):
        linker.add_removed(acct(f"r:g{i}", f"group_{i}", status="removed",
                                created=T0 - timedelta(days=100), removed=T0,
                                avatar_pdq=AVATAR))
    for i in range(180):
        linker.add_removed(acct(f"r:own{i}", f"own_picture_{i}", status="removed",
                                created=T0 - timedelta(days=100), removed=T0,
                                avatar_pdq=_PICTURES[i]))
    return linker


_PICTURES = [f"{v:064x}" for v in
             (int.from_bytes(np.random.default_rng(i).bytes(32), "big") for i in range(180))]


def _avatar(linker: MirrorLinker, avatar: str, removed_id: str):
    new = acct("a:new", "someone_new", created=T0 + timedelta(minutes=5), avatar_pdq=avatar)
    results = linker.score(new, top_k=30)
    r = next(r for r in results if r.removed_id == removed_id)
    return next(s for s in r.signals if s.comparator == "avatar")


def test_tf_lowers_a_shared_value_and_raises_a_rare_one():
    linker = _tf_linker()
    level = linker.model.spec("avatar").levels[0]
    shared = _avatar(linker, AVATAR, "r:g3")
    rare = _avatar(linker, _PICTURES[7], "r:own7")
    assert shared.label == rare.label == level.label  # both the same picture
    assert shared.tf_adjusted and rare.tf_adjusted
    assert shared.weight < level.weight < rare.weight
    assert shared.u == pytest.approx(20 / 200)
    assert rare.u == pytest.approx(1 / 200)
    assert shared.weight >= 0.0  # a value everybody holds is no evidence either way
    # withdrawing group accounts makes the logo rarer, and so weightier
    for i in range(15):
        linker.withdraw(f"r:g{i}")
    assert _avatar(linker, AVATAR, "r:g18").weight > shared.weight


def test_tf_adjustment_shows_in_the_explanation():
    linker = _tf_linker()
    new = acct("a:new", "someone_new", created=T0 + timedelta(minutes=5), avatar_pdq=AVATAR)
    text = "\n".join(linker.score(new, top_k=1)[0].explain())
    assert "of removed accounts hold" in text


def test_the_self_fit_counts_one_shared_trace_once():
    """A new model holds the own-trace comparators and not the rarity-blind ones they
    supersede: a shared device or picture would otherwise be counted twice."""
    from tarazu.linkage.comparators.own import SUPERSEDES

    names = {s.name for s in self_fit_start().comparators}
    for own, old in SUPERSEDES.items():
        assert own in names and old not in names


def test_the_em_sample_stops_at_max_pairs():
    """A large platform proposes many candidates per account and each pair is compared in
    full: the EM's sample stops after the account whose pairs reach ``max_pairs``, and says
    how many accounts it took (the accounts with no candidate among them count as taken)."""
    linker = _tf_linker()
    actives = [build_profile(acct(f"a:{i}", f"someone_{i}", created=T0 + timedelta(minutes=5),
                                  avatar_pdq=AVATAR)) for i in range(10)]
    full = blocked_pairs(linker, actives)
    per = len(full.levels) // len(full.starts)
    assert full.accounts == 10 and per >= 2
    part = blocked_pairs(linker, actives, max_pairs=3 * per)
    assert part.accounts == 3
    assert len(part.levels) == 3 * per
    assert np.array_equal(part.levels, full.levels[: 3 * per])


def test_nothing_is_compared_past_the_pair_cap_in_one_process():
    """The accounts after the one whose pairs reach ``max_pairs`` are not compared at all
    (not compared and then dropped)."""
    linker = _tf_linker()
    actives = [build_profile(acct(f"a:{i}", f"someone_{i}", created=T0 + timedelta(minutes=5),
                                  avatar_pdq=AVATAR)) for i in range(10)]
    per = len(blocked_pairs(linker, actives[:1]).levels)
    compared = []
    real = linker.compare
    linker.compare = lambda a, cands: compared.append(a.account_id) or real(a, cands)
    part = blocked_pairs(linker, actives, max_pairs=3 * per)
    assert part.accounts == 3 and compared == [a.account_id for a in actives[:3]]


def test_a_careful_mirrors_follow_lists_are_counted_in_full(tmp_path):
    """Half the mirrors copy everything (handle, follows, back within the hour) and half change
    everything but a few follows; a third are seen only at sign-up. Their comparators move
    together among mirrors, but the follow lists restate neither the posts (missing together
    on the sign-up-only) nor the handle or the creation time (another family): the self-fit
    counts them in full. It counted them at 0.2-0.3, and careful mirrors went to another
    account of their operator."""
    from tarazu.linkage.selffit import self_fit

    _, linker, actives = operator_draw(11, tmp_path)
    _, report = self_fit(linker, actives)
    assert report.comparator_scales.get("own_circle", 1.0) > 0.9
    assert report.comparator_scales["recent_text"] < 0.9  # what restates post_text still is
