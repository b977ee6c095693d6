"""Curating a bank changes what tarazu flags, so every act of it is an event in the chain:
a hash added, a file of hashes imported (one act, one event), a hash removed."""

from __future__ import annotations

import hashlib

from tarazu.domain.events import EventKind, SubjectRef, SubjectType
from tarazu.service import hashmatch
from tarazu.signals.pdq import PdqSignal

BANK = SubjectRef(SubjectType.SYSTEM, "bank:feed")


def _changes(uow) -> list[dict]:
    return [dict(e.payload) for e in uow.events.for_subject(BANK)
            if e.kind is EventKind.SETTING_CHANGE]


def test_adding_importing_and_removing_hashes_are_events(app, clock):
    examples = PdqSignal.get_examples()
    csv_text = "signal_type,signal,ref\n" + "".join(f"pdq,{h},r{i}\n"
                                                     for i, h in enumerate(examples[1:3]))
    with app.uow() as uow:
        bank = hashmatch.create_bank(uow, "feed", by="admin1", at=clock.now())
        eid, new = hashmatch.add_signal(uow, bank, "pdq", examples[0], by="admin1",
                                        at=clock.now(), quality=100)
        assert new
        again = hashmatch.add_signal(uow, bank, "pdq", examples[0], by="admin1", at=clock.now())
        assert again == (eid, False)  # nothing changed: no event
        report = hashmatch.import_csv(uow, bank, csv_text, by="admin2", at=clock.now())
        assert report.added == 2
        hashmatch.import_csv(uow, bank, csv_text, by="admin2", at=clock.now())  # adds nothing
        assert hashmatch.remove_signal(uow, eid, by="admin3", at=clock.now())
        assert not hashmatch.remove_signal(uow, eid, by="admin3", at=clock.now())
        uow.commit()
    with app.uow() as uow:
        changes = _changes(uow)
        actors = [e.actor for e in uow.events.for_subject(BANK)]
    assert [c["change"] for c in changes] == [
        "bank_created", "bank_entry_added", "bank_entries_imported", "bank_entry_removed"]
    assert actors == ["admin1", "admin1", "admin2", "admin3"]
    added, imported, removed = changes[1:]
    assert (added["entry_id"], added["signal_type"], added["signal"], added["quality"]) == (
        eid, "pdq", examples[0], 100)
    assert imported["added"] == 2 and imported["first_entry_id"] > eid
    assert imported["last_entry_id"] - imported["first_entry_id"] == 1
    assert imported["sha256"] == hashlib.sha256(csv_text.encode()).hexdigest()
    assert (removed["entry_id"], removed["signal"]) == (eid, examples[0])
