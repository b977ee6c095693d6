"""A batch scored by forked workers gives the answer of one process, to the last bit, and
leaves the linker with the same successor records; a failing worker is an error, not a
silent gap in the answer."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from tarazu.demo.scenario import ScenarioSize, generate
from tarazu.interchange import load_records
from tarazu.linkage import LinkerConfig, MirrorLinker, batch
from tarazu.linkage.batch import BatchWorkerFailed, merge_successors
from tarazu.linkage.parallel import ranges
from tarazu.linkage.selffit import SelfFitSettings, self_fit, self_fit_start


@pytest.fixture(scope="module")
def draw(tmp_path_factory):
    folder = tmp_path_factory.mktemp("draw")
    files = generate(11, folder, ScenarioSize(group_active=30, removed=16, protected=20,
                                              namesakes=10, fans=10, ordinary=30,
                                              referrals=40))
    return load_records(files.data)


@pytest.fixture(autouse=True)
def small_batches_fork(monkeypatch):
    """The test batches are small; real ones are forked only from a few hundred accounts a
    worker (``batch.MIN_FORKED``)."""
    monkeypatch.setattr(batch, "MIN_FORKED", 2)


@pytest.fixture(scope="module")
def model(draw):
    linker, actives = _loaded(draw, self_fit_start())
    return self_fit(linker, actives, SelfFitSettings(random_pairs=2000))[0]


def _loaded(draw, model):
    accounts, posts, _ = draw
    linker = MirrorLinker(model, LinkerConfig())
    return linker, linker.load(accounts, posts)


def _successors(linker: MirrorLinker) -> dict[str, list[tuple[str, float]]]:
    """Each removed account's recorded successors, in the order recorded."""
    return {r: list(totals.items()) for r, totals in linker._successors.items()}


def test_two_jobs_score_a_batch_exactly_as_one_process(draw, model):
    one, actives = _loaded(draw, model)
    two, actives_two = _loaded(draw, model)
    # a successor recorded before the batch keeps its place in both
    for linker, acts in ((one, actives), (two, actives_two)):
        linker.score_batch(acts[:3])
    ticks: list[tuple[int, int]] = []
    a = one.score_batch(actives, top_k=5)
    b = two.score_batch(actives_two, top_k=5, jobs=2,
                        progress=lambda n, total: ticks.append((n, total)))
    assert list(a) == list(b) == [p.account_id for p in actives]
    assert sum(len(rs) for rs in a.values()) > len(actives)  # something was ranked
    assert any(r.signals for rs in a.values() for r in rs)
    assert a == b  # every result: ids, totals, probabilities and each signal
    assert two.score_batch(actives_two, top_k=5, jobs=2, explain_from=2.0) == {
        k: [replace(r, signals=(), explained=False) for r in rs] for k, rs in b.items()}
    assert _successors(one) == _successors(two)
    assert ticks[-1] == (2 * len(actives), 2 * len(actives))
    assert [n for n, _ in ticks] == sorted(n for n, _ in ticks)


def test_the_first_passes_are_shared_between_this_process_and_a_worker(draw, model, tmp_path):
    linker, actives = _loaded(draw, model)
    seen = _record_pids(linker, tmp_path / "pids")
    linker.score_batch(actives, jobs=2)
    pids = Path(seen).read_text().split()
    assert len(pids) == len(actives)
    here = str(os.getpid())
    assert len(set(pids)) == 2 and here in pids
    assert pids.count(here) == ranges(len(actives), 2)[0][1]  # the first range


def test_a_batch_too_small_to_pay_for_the_workers_is_scored_here(draw, model, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setattr(batch, "MIN_FORKED", 200)
    linker, actives = _loaded(draw, model)
    assert len(actives) < 2 * 200
    seen = _record_pids(linker, tmp_path / "pids")
    linker.score_batch(actives, jobs=2)
    assert set(seen.read_text().split()) == {str(os.getpid())}


def test_a_failing_worker_fails_the_batch_with_its_traceback(draw, model):
    linker, actives = _loaded(draw, model)
    bad = actives[-1].account_id
    finish = linker._finish

    def failing(first, top_k, explain_from=0.0):  # type: ignore[no-untyped-def]
        if first is not None and first[0].active.account_id == bad:
            raise ValueError("a comparator broke on this account")
        return finish(first, top_k, explain_from)

    linker._finish = failing  # type: ignore[method-assign]
    with pytest.raises(BatchWorkerFailed, match="a comparator broke on this account"):
        linker.score_batch(actives, jobs=2)


def test_a_failure_in_this_process_leaves_the_records_as_they_were(draw, model):
    """The first range fails here: the error is the comparator's own, and the linker holds
    the successor records it held before, none of the batch's half-made ones."""
    linker, actives = _loaded(draw, model)
    linker.score_batch(actives[:4])
    before = _successors(linker)
    first_pass = linker.first_pass

    def failing(p, keep=None):  # type: ignore[no-untyped-def]
        if p.account_id == actives[3].account_id:
            raise ValueError("broke in the first range")
        return first_pass(p, keep=keep)

    linker.first_pass = failing  # type: ignore[method-assign]
    with pytest.raises(ValueError, match="broke in the first range"):
        linker.score_batch(actives, jobs=2)
    assert _successors(linker) == before


def _record_pids(linker: MirrorLinker, seen: Path) -> Path:
    """Have ``linker`` write to ``seen`` the process id of each first pass."""
    first_pass = linker.first_pass

    def recorded(p, keep=None):  # type: ignore[no-untyped-def]
        with open(seen, "a") as f:
            f.write(f"{os.getpid()}\n")
        return first_pass(p, keep=keep)

    linker.first_pass = recorded  # type: ignore[method-assign]
    return seen


def test_merged_records_keep_the_place_of_an_account_recorded_before():
    held: dict[str, dict[str, float]] = {"r1": {"a": 1.0, "b": 2.0}}
    from collections import defaultdict

    into = defaultdict(dict, held)
    merge_successors(into, [{"r1": {"c": 3.0, "a": 5.0}}, {"r1": {"d": 4.0}, "r2": {"e": 1.0}}])
    assert list(into["r1"].items()) == [("a", 5.0), ("b", 2.0), ("c", 3.0), ("d", 4.0)]
    assert into["r2"] == {"e": 1.0}


def test_the_parent_is_warmed_before_it_forks(draw, model, monkeypatch):
    """What the parent has loaded (the name analyser, the compiled kernels) its workers
    inherit; warmed in each cold worker instead, it cost more than a small input's work."""
    from tarazu.linkage import warm

    warmed: list[int] = []
    monkeypatch.setattr(warm, "warm_up", lambda model, config: warmed.append(os.getpid()))
    linker, actives = _loaded(draw, model)
    linker.score_batch(actives, jobs=2)
    assert warmed == [os.getpid()]
    self_fit(linker, actives, SelfFitSettings(random_pairs=500, jobs=2))
    assert warmed[1:] and set(warmed) == {os.getpid()}
