"""Starting the reference set from its snapshot: what changed after the snapshot (a
withdrawal logged, a removal stored) is in the started set, and a snapshot that cannot stand
for the index is not used (the set is built from the store, and the log says why)."""

from __future__ import annotations

import logging

from typer.testing import CliRunner

from tarazu.entrypoints.cli import app as cli
from tarazu.linkage.model import expert_model
from tarazu.service.mirror_reference import withdraw_from_reference
from tarazu.service.mirrors.reference import MirrorDetector
from tarazu.service.mirrors.registry import LoadedModel
from tarazu.service.mirrors.snapshot import snapshot_path, start_reference_set, write_snapshot
from tests.integration.mirrors import data
from tests.integration.mirrors.conftest import detector, store


def _empty() -> MirrorDetector:
    return MirrorDetector(LoadedModel(expert_model(), "expert"))


def _start(app, path) -> tuple[MirrorDetector, object]:
    d = _empty()
    with app.uow() as uow:
        report = start_reference_set(uow, d, path, clock=app.clock)
        uow.commit()
    return d, report


def _ranking(d: MirrorDetector, records) -> list[tuple[str, float, float]]:
    from tarazu.interchange import parse_object

    acc, *posts = [parse_object(r) for r in records]
    return [(r.removed_id, r.total, r.probability) for r in d.score(acc, posts)]


def test_a_restart_from_the_snapshot_misses_no_change_made_in_between(reference, tmp_path):
    path = tmp_path / "index.npz"
    built = detector(reference)
    with reference.uow() as uow:
        header = write_snapshot(uow, built, path)
    assert header.count == 21
    # in between: r1's removal is reversed (logged), o0 is reinstated on the platform, a
    # new removal is stored
    with reference.uow() as uow:
        withdraw_from_reference(uow, "x:r1", at=reference.clock.now())
        uow.platform.set_status("x", "o0", "active")
        uow.commit()
    store(reference, [data.account("n1", "@newly_removed", data.T0, "removed",
                                   display_name="Newly Removed")])
    started, report = _start(reference, path)
    assert report.source == "snapshot" and report.position == header.position
    assert report.loaded == 21 and report.replayed_withdrawals == 1
    assert "x:r1" not in started and "x:o0" not in started and "x:n1" in started
    fresh = detector(reference)
    assert set(started.linker.removed) == set(fresh.linker.removed)
    assert report.refresh.added == 1  # only the new removal was built; the rest was loaded
    mirror = data.mirror("m9")
    assert _ranking(started, mirror) == _ranking(fresh, mirror)


def test_an_unchanged_store_starts_with_the_same_scores_as_a_build(reference, tmp_path):
    path = tmp_path / "index.npz"
    built = detector(reference)
    with reference.uow() as uow:
        write_snapshot(uow, built, path)
    started, report = _start(reference, path)
    assert report.source == "snapshot" and report.refresh.added == 0
    assert report.refresh.withdrawn == 0
    mirror = data.mirror("m9")
    assert _ranking(started, mirror) == _ranking(built, mirror)
    assert _ranking(started, mirror)[0][0] == "x:r1"


def test_a_corrupt_snapshot_falls_back_to_the_store_and_says_why(reference, tmp_path, caplog):
    path = tmp_path / "index.npz"
    built = detector(reference)
    with reference.uow() as uow:
        write_snapshot(uow, built, path)
    path.write_bytes(path.read_bytes()[:200])
    with caplog.at_level(logging.WARNING, logger="tarazu.mirrors"):
        started, report = _start(reference, path)
    assert report.source == "store" and "unreadable" in (report.reason or "")
    assert any("snapshot not used" in r.getMessage() and "unreadable" in r.getMessage()
               for r in caplog.records)
    assert started.size == 21 and report.refresh.added == 21


def test_a_snapshot_of_another_model_is_not_used(reference, tmp_path):
    path = tmp_path / "index.npz"
    built = detector(reference)
    with reference.uow() as uow:
        write_snapshot(uow, built, path)
    other = MirrorDetector(LoadedModel(expert_model(), "expert"))
    other.loaded = LoadedModel(load_default(), "default")
    other.linker = MirrorDetector(other.loaded).linker
    with reference.uow() as uow:
        report = start_reference_set(uow, other, path)
    assert report.source == "store" and "another model" in (report.reason or "")
    assert other.size == 21


def load_default():
    from tarazu.linkage import load_model

    return load_model("default")


def test_the_snapshot_command_writes_what_the_scan_starts_from(sqlite_app, tmp_path,
                                                              monkeypatch):
    store(sqlite_app, data.removed())
    monkeypatch.setenv("TARAZU_HOME", str(tmp_path))
    r = CliRunner().invoke(cli, ["mirrors", "snapshot"])
    assert r.exit_code == 0, r.output
    assert snapshot_path(tmp_path).is_file() and "21 removed accounts at log position" in \
        r.output
    r = CliRunner().invoke(cli, ["mirrors", "scan"])
    assert r.exit_code == 0, r.output
    assert "21 removed accounts (started from snapshot)" in r.output
    r = CliRunner().invoke(cli, ["mirrors", "snapshot", "--rebuild"])
    assert r.exit_code == 0, r.output
    assert "21 removed accounts at log position" in r.output
