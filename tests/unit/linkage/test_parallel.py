"""Work spread over worker processes gives the answer one process gives: the same profiles,
the same self-fit sample and so the same model, whatever the number of jobs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from tarazu.demo.scenario import ScenarioSize, generate
from tarazu.interchange import load_records
from tarazu.linkage import LinkerConfig, MirrorLinker
from tarazu.linkage.parallel import default_jobs, fork_imap, fork_map, ranges
from tarazu.linkage.selffit import SelfFitSettings, blocked_pairs, self_fit, self_fit_start


def test_ranges_cut_contiguously_and_cover_everything():
    for n in (0, 1, 7, 100):
        for parts in (1, 2, 3, 8):
            rs = ranges(n, parts)
            assert [i for a, b in rs for i in range(a, b)] == list(range(n))
            assert all(b > a for a, b in rs) and len(rs) <= max(1, parts)


def _square(shared: list[int], piece: tuple[int, int]) -> list[int]:
    return [shared[i] ** 2 for i in range(*piece)]


def test_fork_map_keeps_the_order_of_the_pieces():
    data = list(range(1000))
    out = fork_map(_square, data, ranges(len(data), 7), jobs=2)
    assert [x for part in out for x in part] == [i * i for i in data]


@pytest.fixture(scope="module")
def draw(tmp_path_factory):
    folder = tmp_path_factory.mktemp("draw")
    files = generate(5, folder, ScenarioSize(group_active=30, removed=16, protected=20,
                                             namesakes=10, fans=10, ordinary=30, referrals=40))
    return load_records(files.data)


def _linker(draw, jobs: int):
    accounts, posts, _ = draw
    linker = MirrorLinker(self_fit_start(), LinkerConfig())
    return linker, linker.load(accounts, posts, jobs)


def test_profiles_and_the_self_fit_are_the_same_for_any_number_of_jobs(draw):
    one, actives_one = _linker(draw, 1)
    two, actives_two = _linker(draw, 2)
    assert [p.account_id for p in actives_one] == [p.account_id for p in actives_two]
    for a, b in zip(actives_one, actives_two, strict=True):
        assert np.array_equal(a.voice, b.voice) and a.bio == b.bio
        assert (a.char_tf is None) == (b.char_tf is None)
        assert (a.recent_tf is a.char_tf) == (b.recent_tf is b.char_tf)
    pairs_one = blocked_pairs(one, actives_one)
    pairs_two = blocked_pairs(two, actives_two, jobs=2)
    assert np.array_equal(pairs_one.levels, pairs_two.levels)
    assert np.array_equal(pairs_one.removed, pairs_two.removed)
    m1, _ = self_fit(one, actives_one, SelfFitSettings(random_pairs=2000, jobs=1))
    m2, _ = self_fit(two, actives_two, SelfFitSettings(random_pairs=2000, jobs=2))
    strip = lambda m: {k: v for k, v in json.loads(m.to_json()).items() if k != "meta"}  # noqa: E731
    assert strip(m1) == strip(m2)
    # the model file says how its threshold was chosen: the precision asked, the share of
    # non-mirrors allowed and how sure it must be of that precision (95 % unless asked)
    assert m1.meta["review_rule"] == {"min_precision": 0.9, "max_flag_rate": 0.05,
                                      "confidence": 0.95, "expected": True}


def test_the_pair_cap_stops_at_the_same_account_for_any_number_of_jobs(draw):
    linker, actives = _linker(draw, 1)
    full = blocked_pairs(linker, actives)
    cap = len(full.levels) // 3
    a = blocked_pairs(linker, actives, max_pairs=cap)
    b = blocked_pairs(linker, actives, max_pairs=cap, jobs=2)
    assert a.accounts == b.accounts < len(actives)
    assert np.array_equal(a.levels, b.levels)
    assert len(a.levels) >= cap




def test_fork_imap_hands_each_result_over_before_the_last_is_done(tmp_path):
    """The caller indexes the first profiles while the workers build the rest: pieces after
    the first two wait until the caller has the first result (a file it writes then), so
    they go on only if results are handed over one by one rather than all at the end."""
    go = tmp_path / "first-result-received"
    seen = []
    for part in fork_imap(_piece_after_go, go, ranges(6, 6), jobs=2):
        go.touch()
        seen.append(part)
    assert seen == [(0, True)] + [(i, True) for i in range(1, 6)]


def _piece_after_go(go: Path, piece: tuple[int, int]) -> tuple[int, bool]:
    """Piece 0 and 1 at once; the others once ``go`` exists (False if it never came)."""
    import time

    if piece[0] >= 2:
        waited_until = time.monotonic() + 20
        while not go.exists() and time.monotonic() < waited_until:
            time.sleep(0.01)
    return piece[0], piece[0] < 2 or go.exists()


def test_the_default_is_one_job_per_core_this_process_may_use():
    assert default_jobs() == len(os.sched_getaffinity(0)) >= 1
