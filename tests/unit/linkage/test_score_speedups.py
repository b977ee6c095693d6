"""Faster forms of what every score computes, each giving exactly what the plain form gave:
a comparator's result at a level, the explanation of the results returned (signals shared
between results made once), the membership test of the voice comparator, the level matrix
of the comparisons and the candidates a new account may continue."""

from collections import Counter

import numpy as np
import pytest

from tarazu.linkage.columnar.own import _members
from tarazu.linkage.comparators import COMPARATORS
from tarazu.linkage.levels import MISSING, Comparator, ComparisonResult
from tarazu.linkage.result import SignalWeight


def _plain_level(comp: Comparator, label: str, values, raw=None) -> ComparisonResult:
    return ComparisonResult(comp.NAME, comp.LEVELS.index(label), label, values, raw)


@pytest.mark.parametrize("cls", COMPARATORS, ids=lambda c: c.NAME)
def test_a_level_is_the_plain_named_tuple_of_its_label(cls):
    comp = cls()
    for label in comp.LEVELS:
        got = comp.level(label, ("a", "b"), 0.5)
        want = _plain_level(comp, label, ("a", "b"), 0.5)
        assert got == want and type(got) is ComparisonResult
        assert got.level == want.level and got.label == label and got.raw == 0.5
    gone = comp.missing(("x", ""))
    assert gone == ComparisonResult(comp.NAME, MISSING, "missing", ("x", ""), None)
    assert type(gone) is ComparisonResult and gone.missing


def test_a_label_given_twice_is_the_first_level_and_an_unknown_one_is_refused():
    class Twice(Comparator):
        NAME = "twice"
        FAMILY = "identity"
        LEVELS = ("same", "near", "same", "different")

        def compare(self, a, b, corpus):  # pragma: no cover - not compared
            raise AssertionError

    comp = Twice()
    assert comp.level("same", ("", "")).level == 0
    assert comp.level("different", ("", "")).level == 3
    with pytest.raises(ValueError):
        comp.level("no such level", ("", ""))


def test_members_is_isin_of_a_sorted_set_on_random_sets():
    rng = np.random.default_rng(11)
    for n, m in ((0, 3), (3, 0), (1, 1), (5, 40), (40, 5), (300, 300)):
        held = np.unique(rng.integers(0, 2**63, m, dtype=np.uint64)) if m else \
            np.zeros(0, dtype=np.uint64)
        pool = np.concatenate((held, rng.integers(0, 2**63, n, dtype=np.uint64)))
        values = np.unique(rng.choice(pool, n)) if n and pool.size else \
            np.zeros(0, dtype=np.uint64)
        got = _members(values, held)
        assert got.dtype == bool
        assert got.tolist() == np.isin(values, held, assume_unique=True).tolist()


def _by_account(scenario):
    by_id: dict = {}
    for p in scenario["posts"]:
        by_id.setdefault(p.account_id, []).append(p)
    return by_id


def _linker(scenario):
    from tarazu.linkage import MirrorLinker, load_model

    by_id = _by_account(scenario)
    linker = MirrorLinker(load_model("default"))
    for a in scenario["accounts"]:
        if a.status == "removed":
            linker.add_removed(a, by_id.get(a.account_id, ()))
    return linker, by_id


def _active_profiles(scenario, by_id):
    """The profile of each active account of the scenario, with its posts."""
    from tarazu.linkage.profile import build_profile

    return [build_profile(a, by_id.get(a.account_id, ())) for a in scenario["accounts"]
            if a.status == "active"]


def _plain_signals(linker, comps, i):
    """The explanation as it was built before: a fresh signal per comparator, the level
    read from the model's spec each time."""
    out = []
    for j, name in enumerate(linker._names):
        r = comps.results[j][i]
        lv = linker._specs[name].levels[r.level] if r.level != MISSING else None
        tf = linker.tf_values(comps, i, name) if lv is not None and r.level == 0 else None
        out.append(SignalWeight(
            comparator=name, family=linker._families[name], level=r.level, label=r.label,
            values=r.values,
            weight=(tf[0] if tf else linker._specs[name].weight(r.level)) if lv else 0.0,
            m=lv.m if lv else None, u=(tf[1] if tf else lv.u) if lv else None,
            tf_adjusted=tf is not None, scale=linker._specs[name].scale if lv else 1.0))
    return tuple(out)


def test_the_explanations_are_those_built_signal_by_signal(scenario):
    linker, by_id = _linker(scenario)
    checked = 0
    for p in _active_profiles(scenario, by_id):
        first = linker.first_pass(p, keep=30)
        if first is None:
            continue
        comps, totals = linker.second_pass(*first)
        made: dict = {}
        for i in range(len(comps.candidates)):
            shared = linker._result(comps, i, totals[i], 0.5, True, made)
            alone = linker._result(comps, i, totals[i], 0.5, True)
            plain = _plain_signals(linker, comps, i)
            assert shared.signals == alone.signals == plain
            assert [repr(s) for s in shared.signals] == [repr(s) for s in plain]
            checked += 1
        assert len({id(s) for s in made.values()}) == len(made)
    assert checked


def test_the_level_matrix_is_that_of_the_results(scenario):
    linker, by_id = _linker(scenario)
    for p in _active_profiles(scenario, by_id):
        comps = linker.compare(p, linker.candidates(p))
        want = np.array([[r.level for r in col] for col in comps.results], dtype=np.int16).T
        got = comps.levels()
        assert got.dtype == np.int16 and got.shape == want.shape
        assert np.array_equal(got, want)


def test_the_candidates_are_those_that_may_continue_the_removed_account(scenario):
    linker, by_id = _linker(scenario)
    for p in _active_profiles(scenario, by_id):
        votes = linker.blocker.votes(p)
        allowed = {i for i in votes if i in linker.removed and i != p.account_id
                   and linker.may_continue(p, i)}
        assert {c.account_id for c in linker.candidates(p)} <= allowed
        assert len(linker.candidates(p)) == min(len(allowed), linker.config.max_full)


def test_ids_proposed_but_not_allowed_never_take_a_candidates_place(scenario):
    """The cap chooses among every proposed id first and checks only the chosen: an id
    proposed with the most votes that is not held (or whose removal came too late for the
    platform) must leave its place to the next allowed one, as a filter before the cap
    does."""
    from tarazu.linkage.linker import most_supported

    linker, by_id = _linker(scenario)
    real_votes = linker.blocker.votes
    for p in _active_profiles(scenario, by_id)[:40]:
        votes = real_votes(p)
        phantoms = {f"gone{k}": max(votes.values(), default=1) + 1 for k in range(3)}
        linker.blocker.votes = lambda q, v=votes, f=phantoms: Counter({**v, **f})
        t = p.created_at.timestamp()

        def gap(i: str, t: float = t) -> float:
            at = linker._removal_times.get(i)
            return abs(t - at) if at is not None else float("inf")

        allowed = {i: n for i, n in votes.items() if i in linker.removed
                   and i != p.account_id and linker.may_continue(p, i)}
        want = most_supported(allowed, linker.config.max_full, gap)
        assert [c.account_id for c in linker.candidates(p)] == want
    linker.blocker.votes = real_votes


def test_a_hash_read_as_plain_hex_is_one_int_reads():
    from tarazu.linkage.columnar.own import _hex_pdq
    from tarazu.linkage.comparators.own import _valid_pdq

    plain = "8f3a" * 16
    for h in (plain, plain.upper(), " " + plain[1:], plain[:-1] + " ", "0x" + plain[2:],
              plain[:31] + "_" + plain[32:], "+" + plain[1:], "ff", "", None, "g" * 64,
              "٣" * 64, plain + "0"):
        assert _hex_pdq(h) == _valid_pdq(h), h
