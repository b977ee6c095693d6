"""Putting a mirror model in use is an act in the chain, like a bank threshold change: who,
which model (by fingerprint), its thresholds, the one it replaced; and no model is in use
without its event. Runs on the in-memory unit of work."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tarazu.adapters.memory_uow import MemoryDatabase, MemoryUnitOfWork
from tarazu.domain.events import EventKind
from tarazu.domain.payloads import SettingChange, typed
from tarazu.linkage.model import Thresholds
from tarazu.service.audit import verify_chain
from tarazu.service.mirrors import MODEL_SUBJECT, activate_model, model_in_use, newest_model

AT = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)


def test_a_model_put_in_use_is_recorded_in_the_chain(tmp_path):
    db = MemoryDatabase()
    before = newest_model(tmp_path)  # nothing trained here yet: the packaged default
    model = replace(before.model, thresholds=Thresholds(review=0.61, auto_action=0.99))
    loaded = activate_model(db, tmp_path, model, "v0001", by="alice", at=AT, labels=12,
                            mirrors=5)
    now = newest_model(tmp_path)
    assert (now.version, now.fingerprint) == ("v0001", loaded.fingerprint)
    assert now.fingerprint != before.fingerprint
    with db() as uow:
        [e] = uow.events.for_subject(MODEL_SUBJECT)
    assert (e.kind, e.actor, e.occurred_at) == (EventKind.SETTING_CHANGE, "alice", AT)
    p = typed(e)
    assert isinstance(p, SettingChange) and p.change == "mirror_model_activated"
    assert (p.model, p.fingerprint) == (now.model_id, now.fingerprint)
    assert p.thresholds == {"review": 0.61, "auto_action": 0.99}
    assert (p.model_before, p.fingerprint_before) == (before.model_id, before.fingerprint)
    assert (p.labels, p.mirrors) == (12, 5)
    report = verify_chain(db)
    assert report.problem is None and report.checked == 1


def test_a_second_model_names_the_first_as_the_one_it_replaced(tmp_path):
    db = MemoryDatabase()
    base = newest_model(tmp_path).model
    first = activate_model(db, tmp_path, base, "v0001", by="alice", at=AT)
    second = activate_model(db, tmp_path, replace(
        base, thresholds=Thresholds(review=0.7, auto_action=0.99)), "v0002", by="bob", at=AT)
    with db() as uow:
        events = uow.events.for_subject(MODEL_SUBJECT)
    assert [(e.actor, e.payload["model"]) for e in events] == [
        ("alice", first.model_id), ("bob", second.model_id)]
    assert events[1].payload["fingerprint_before"] == first.fingerprint
    assert verify_chain(db).problem is None


class _FailingCommit(MemoryUnitOfWork):
    def commit(self) -> None:
        raise OSError("the database went away")


def test_no_model_is_in_use_without_its_event(tmp_path):
    db = MemoryDatabase()
    before = newest_model(tmp_path)
    with pytest.raises(OSError, match="went away"):
        activate_model(lambda: _FailingCommit(db), tmp_path, before.model, "v0001",
                       by="alice", at=AT)
    assert newest_model(tmp_path).fingerprint == before.fingerprint
    assert list((tmp_path / "models").iterdir()) == []
    with db() as uow:
        assert uow.events.for_subject(MODEL_SUBJECT) == []



def test_a_model_file_the_chain_does_not_hold_is_not_put_in_use(tmp_path, caplog):
    """A file copied into the models folder by hand, or changed after it was put in use, has
    no event with its fingerprint: what loads the model passes it over, and says so."""
    db = MemoryDatabase()
    default = newest_model(tmp_path)
    first = activate_model(db, tmp_path, replace(
        default.model, thresholds=Thresholds(review=0.61, auto_action=0.99)), "v0001",
        by="alice", at=AT)
    by_hand = replace(default.model, thresholds=Thresholds(review=0.2, auto_action=0.3))
    by_hand.save(tmp_path / "models" / "mirrors-v0002.json")
    assert newest_model(tmp_path).version == "v0002"  # the file is there, newest by name
    with caplog.at_level("WARNING", logger="tarazu.mirrors"):
        assert model_in_use(db, tmp_path).fingerprint == first.fingerprint
    assert "mirrors-v0002.json was never put in use" in caplog.text
    # the model in use, changed on disk afterwards: no longer the one the chain recorded
    replace(first.model, thresholds=Thresholds(review=0.3, auto_action=0.4)).save(first.path)
    assert model_in_use(db, tmp_path).fingerprint == default.fingerprint
