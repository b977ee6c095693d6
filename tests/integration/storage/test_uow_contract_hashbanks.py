"""The contract of ``uow.hashbanks`` (:class:`tarazu.service.ports.HashBanks`) on every unit of
work: in memory, SQLite, PostgreSQL (the fixture ``new_uow`` is in this folder's conftest).
Ids are compared with each other, never with numbers: a PostgreSQL sequence need not start
where SQLite's rowid does."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from tarazu.domain.platform import Post
from tarazu.signals.index import BuildCheckpoint

T0 = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)
H1, H2, H3 = "a" * 64, "b" * 64, "c" * 64


def test_banks_have_unique_names_and_merge_their_thresholds(new_uow):
    with new_uow() as uow:
        terror = uow.hashbanks.create_bank("terror", by="admin", at=T0,
                                           thresholds={"pdq": 31}, source="tcap",
                                           designation_id="D-1", description="designated")
        safe = uow.hashbanks.create_bank("safe", by="admin", at=T0, negative=True,
                                         enabled=False)
        with pytest.raises(ValueError, match="exists already"):
            uow.hashbanks.create_bank("terror", by="admin", at=T0)
        with pytest.raises(ValueError, match="needs a name"):
            uow.hashbanks.create_bank("  ", by="admin", at=T0)
        uow.commit()
    with new_uow() as uow:
        got = uow.hashbanks.bank("terror")
        assert got is not None
        assert (got.bank_id, got.enabled, got.negative, dict(got.thresholds), got.source,
                got.designation_id, got.description, got.created_by, got.created_at) == (
            terror.bank_id, True, False, {"pdq": 31}, "tcap", "D-1", "designated", "admin", T0)
        assert [b.name for b in uow.hashbanks.banks()] == ["terror", "safe"]
        assert safe.negative and not safe.enabled
        changed = uow.hashbanks.update_bank("terror", enabled=False, thresholds={"md5": 0})
        assert (changed.enabled, dict(changed.thresholds)) == (False, {"md5": 0, "pdq": 31})
        same = uow.hashbanks.update_bank("terror")
        assert (same.enabled, dict(same.thresholds)) == (False, {"md5": 0, "pdq": 31})
        assert uow.hashbanks.bank("none") is None
        with pytest.raises(KeyError):
            uow.hashbanks.update_bank("none", enabled=True)


def test_an_entry_is_added_once_a_bank_and_removed_by_stamping_it(new_uow):
    with new_uow() as uow:
        a = uow.hashbanks.create_bank("a", by="admin", at=T0)
        b = uow.hashbanks.create_bank("b", by="admin", at=T0)
        e1, new1 = uow.hashbanks.add_entry(a, "pdq", H1, by="admin", at=T0, quality=90,
                                           metadata={"source": ("x", "y")})
        again, new_again = uow.hashbanks.add_entry(a, "pdq", H1, by="other", at=T0)
        e2, _ = uow.hashbanks.add_entry(b, "pdq", H1, by="admin", at=T0)  # another bank
        e3, _ = uow.hashbanks.add_entry(a, "md5", H2, by="admin", at=T0)
        uow.commit()
        assert (new1, again, new_again) == (True, e1, False)
        assert len({e1, e2, e3}) == 3
    with new_uow() as uow:
        got = uow.hashbanks.entry(e1)
        assert got is not None
        assert (got.bank_id, got.bank, got.signal_type, got.signal, got.quality,
                dict(got.metadata), got.added_by, got.added_at, got.removed_at) == (
            a.bank_id, "a", "pdq", H1, 90, {"source": ["x", "y"]}, "admin", T0, None)
        assert uow.hashbanks.remove_entry(e1, by="admin", at=T0 + timedelta(hours=1))
        assert not uow.hashbanks.remove_entry(e1, by="admin", at=T0)  # once
        assert not uow.hashbanks.remove_entry(max(e1, e2, e3) + 100, by="admin", at=T0)
        uow.commit()
    with new_uow() as uow:
        removed = uow.hashbanks.entry(e1)
        assert removed is not None and removed.removed_at == T0 + timedelta(hours=1)
        back, is_new = uow.hashbanks.add_entry(a, "pdq", H1, by="admin", at=T0)
        assert is_new and back > max(e1, e2, e3)  # a removed hash comes back as a new entry
        assert uow.hashbanks.entry_counts() == {a.bank_id: 2, b.bank_id: 1}
        assert uow.hashbanks.removed_ids("pdq") == {e1}
        assert uow.hashbanks.removed_ids("md5") == set()
        assert uow.hashbanks.checkpoint("pdq") == BuildCheckpoint(back, 2)
        assert uow.hashbanks.checkpoint("md5") == BuildCheckpoint(e3, 1)
        assert uow.hashbanks.checkpoint("sha1") == BuildCheckpoint(0, 0)
        assert uow.hashbanks.entry(back + 100) is None


def test_live_entries_are_read_in_id_order_in_batches(new_uow):
    with new_uow() as uow:
        a = uow.hashbanks.create_bank("a", by="admin", at=T0)
        b = uow.hashbanks.create_bank("b", by="admin", at=T0)
        ids = [uow.hashbanks.add_entry(bank, kind, h, by="admin", at=T0)[0]
               for bank, kind, h in [(a, "pdq", H1), (b, "pdq", H2), (a, "md5", H3),
                                     (a, "pdq", H3), (b, "pdq", H1)]]
        uow.hashbanks.remove_entry(ids[3], by="admin", at=T0)
        uow.commit()
    with new_uow() as uow:
        def read(**kw: object) -> list[int]:
            return [e.entry_id for e in uow.hashbanks.entries(**kw)]

        assert read() == [ids[0], ids[1], ids[2], ids[4]]
        assert read(batch=1) == read() == read(batch=2)
        assert read(signal_type="pdq") == [ids[0], ids[1], ids[4]]
        assert read(signal_type="pdq", bank=b) == [ids[1], ids[4]]
        assert read(after_id=ids[1], batch=1) == [ids[2], ids[4]]
        assert [e.bank for e in uow.hashbanks.entries(signal_type="pdq")] == ["a", "b", "b"]


def test_feedback_is_listed_with_its_hash_until_exported(new_uow):
    with new_uow() as uow:
        bank = uow.hashbanks.create_bank("tcap", by="admin", at=T0, source="tcap")
        entry, _ = uow.hashbanks.add_entry(bank, "pdq", H1, by="admin", at=T0,
                                           metadata={"id": 7})
        f1 = uow.hashbanks.add_feedback(entry, "false_positive", by="rev1", at=T0,
                                        event_id="ev1", note="a cat")
        f2 = uow.hashbanks.add_feedback(entry, "true_positive", by="rev2", at=T0)
        uow.commit()
    with new_uow() as uow:
        rows = uow.hashbanks.feedback()
        assert [r["id"] for r in rows] == [f1, f2]
        first = rows[0]
        assert {k: first[k] for k in ("entry_id", "event_id", "verdict", "note", "given_by",
                                      "given_at", "exported_at", "signal_type", "signal",
                                      "bank", "source")} == {
            "entry_id": entry, "event_id": "ev1", "verdict": "false_positive",
            "note": "a cat", "given_by": "rev1", "given_at": "2025-07-25T09:00:00.000000Z",
            "exported_at": None, "signal_type": "pdq", "signal": H1, "bank": "tcap",
            "source": "tcap"}
        assert first["meta"] == '{"id": 7}'
        uow.hashbanks.mark_exported([f1], T0)
        uow.hashbanks.mark_exported([], T0)
        uow.commit()
    with new_uow() as uow:
        assert [r["id"] for r in uow.hashbanks.feedback(unexported_only=True)] == [f2]
        assert uow.hashbanks.feedback()[0]["exported_at"] == "2025-07-25T09:00:00.000000Z"


def test_an_entry_needs_its_bank_and_feedback_its_entry(new_uow):
    with new_uow() as uow:
        bank = uow.hashbanks.create_bank("a", by="admin", at=T0)
        entry, _ = uow.hashbanks.add_entry(bank, "pdq", H1, by="admin", at=T0)
        uow.commit()
    with new_uow() as uow, pytest.raises(IntegrityError):
        uow.hashbanks.add_feedback(entry + 100, "true_positive", by="rev1", at=T0)
    with new_uow() as uow, pytest.raises(IntegrityError):
        uow.hashbanks.add_entry(dataclasses.replace(bank, bank_id=bank.bank_id + 100), "pdq",
                                H2, by="admin", at=T0)


def test_a_bank_scan_reads_every_post_in_key_order(new_uow):
    with new_uow() as uow:
        for platform, post_id in [("y", "p1"), ("x", "p2"), ("x", "p10"), ("x", "p1")]:
            uow.platform.upsert_post(Post(post_id=post_id, account_id="a1", platform=platform,
                                          created_at=T0, text=post_id), mark=False)
        uow.commit()
    with new_uow() as uow:
        order = [("x", "p1"), ("x", "p10"), ("x", "p2"), ("y", "p1")]
        assert [(p.platform, p.post_id) for p in uow.hashbanks.iter_posts(batch=1)] == order
        assert [(p.platform, p.post_id) for p in uow.hashbanks.iter_posts()] == order
