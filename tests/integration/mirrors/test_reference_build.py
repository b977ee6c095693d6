"""The reference set built from the store with its profiles built by worker processes is the
set built in one process: the same accounts in the same order, every profile field the same,
the values many accounts share still one object each, the postings compacted at the end of
the build, and the same scores."""

from __future__ import annotations

from dataclasses import fields

import pytest

from bench.synthetic_accounts import Generator
from tarazu.linkage import load_model
from tarazu.linkage.parallel import can_fork
from tarazu.linkage.profile import AccountProfile
from tarazu.service.mirrors import MirrorConfig, MirrorDetector, reference
from tarazu.service.mirrors.registry import LoadedModel
from tests.unit.linkage.test_snapshot import _postings_of, _same_value, same_scores

pytestmark = pytest.mark.skipif(not can_fork(), reason="worker processes are forked")


def _built(app, jobs: int) -> MirrorDetector:
    det = MirrorDetector(LoadedModel(load_model("default"), "default"),
                         MirrorConfig(build_jobs=jobs))
    with app.uow() as uow:
        rep = det.refresh(uow, clock=app.clock)
        uow.commit()
    assert rep.added == det.size
    return det


def test_profiles_built_by_workers_are_the_profiles_built_here(app, monkeypatch):
    monkeypatch.setattr(reference, "READ_BATCH", 60)  # batches of a size quick to test
    monkeypatch.setattr(reference, "_BULK", 100)  # and a build of this size is a bulk one
    gen = Generator(41)
    removed = list(gen.removed_set(2 * 60 + 25))  # three batches, the last short
    new = gen.new_accounts(30, removed)
    with app.uow() as uow:
        for a, ps in removed:
            uow.platform.upsert_account(a, mark=False)
            uow.platform.upsert_posts(ps, mark=False)
        uow.commit()
    here, workers = _built(app, 1), _built(app, 2)
    assert list(workers.linker.removed) == list(here.linker.removed)
    # a bulk build ends with its postings folded into arrays, as a start holds them
    assert all(ix.p.post == {} and ix.p._keys.size for det in (here, workers)
               for ix in _postings_of(det.linker))
    assert len(here.linker.removed) == len(removed)
    for key, a in here.linker.removed.items():
        b = workers.linker.removed[key]
        for f in fields(AccountProfile):
            assert _same_value(getattr(a, f.name), getattr(b, f.name)), (key, f.name)
    # what build_profiles interns is one object across batches, as in one process
    first, last = (workers.linker.removed[f"{a.platform}:{a.account_id}"]
                   for a in (removed[0][0], removed[-1][0]))
    assert first.platform is last.platform and first.status is last.status
    # the fingerprints match the store: a refresh finds nothing changed
    with app.uow() as uow:
        again = workers.refresh(uow, clock=app.clock)
    assert (again.added, again.withdrawn) == (0, 0)
    assert same_scores(here, workers, new) > 5
