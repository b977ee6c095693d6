"""Bank storage on SQLite and PostgreSQL; the matcher derives its indexes from the rows and
keeps them current without rebuilding; scanning posts records matches as events."""

from __future__ import annotations

import random

import pytest

from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.platform import Media, Post
from tarazu.service.hashmatch import HashMatcher, scan_posts
from tarazu.signals.pdq import PdqSignal
from tarazu.signals.text import TextMinHashSignal, TextSha256Signal
from tests.unit.signals.hashes import flip, rand_pdq


def test_banks_and_entries_round_trip(app, clock):
    with app.uow() as uow:
        s = uow.hashbanks
        bank = s.create_bank("tcap-feed", by="admin1", at=clock.now(), source="TCAP-style feed",
                             thresholds={"pdq": 20}, designation_id="ttp")
        s.create_bank("allow", by="admin1", at=clock.now(), negative=True)
        with pytest.raises(ValueError, match="exists already"):
            s.create_bank("allow", by="admin1", at=clock.now())
        h = PdqSignal.get_examples()[0]
        eid, new = s.add_entry(bank, "pdq", h, by="admin1", at=clock.now(), quality=100,
                               metadata={"ref": "x-1", "note": "ünïcode"})
        assert new and s.add_entry(bank, "pdq", h, by="admin1", at=clock.now()) == (eid, False)
        uow.commit()
    with app.uow() as uow:
        s = uow.hashbanks
        assert [b.name for b in s.banks()] == ["tcap-feed", "allow"]
        b = s.bank("tcap-feed")
        assert b.thresholds == {"pdq": 20} and b.designation_id == "ttp" and not b.negative
        assert s.bank("allow").negative
        e = s.entry(eid)
        assert (e.bank, e.signal, e.quality, e.metadata["note"]) == ("tcap-feed", h, 100,
                                                                     "ünïcode")
        assert s.checkpoint("pdq").count == 1 and s.entry_counts() == {b.bank_id: 1}
        assert s.remove_entry(eid, by="admin1", at=clock.now())
        assert not s.remove_entry(eid, by="admin1", at=clock.now())
        assert list(s.entries("pdq")) == [] and s.removed_ids("pdq") == {eid}
        assert s.entry(eid).removed_at is not None  # kept, stamped
        updated = s.update_bank("tcap-feed", enabled=False, thresholds={"text_minhash": 10})
        assert not updated.enabled and updated.thresholds == {"pdq": 20, "text_minhash": 10}
        s.add_feedback(eid, "false_positive", by="rev1", at=clock.now(), event_id="e1")
        fb = s.feedback(unexported_only=True)
        assert fb[0]["signal"] == h and fb[0]["bank"] == "tcap-feed"
        s.mark_exported([fb[0]["id"]], clock.now())
        assert s.feedback(unexported_only=True) == []
        uow.commit()


def test_matcher_refreshes_incrementally_and_skips_corrupt_rows(app, clock):
    rng = random.Random(11)
    hashes = [rand_pdq(rng) for _ in range(20)]
    with app.uow() as uow:
        bank = uow.hashbanks.create_bank("feed", by="a", at=clock.now())
        ids = [uow.hashbanks.add_entry(bank, "pdq", h, by="a", at=clock.now())[0]
               for h in hashes]
        bad, _ = uow.hashbanks.add_entry(bank, "pdq", "corrupt!", by="a", at=clock.now())
        uow.commit()
    m = HashMatcher()
    with app.uow() as uow:
        m.refresh(uow)
        m.refresh(uow)  # nothing changed: checkpoint says so
    assert m.full_builds == len(m._indexes) and m.index_sizes()["pdq"] == 20
    assert [(s.bank, s.entry_id) for s in m.skipped] == [("feed", bad)]
    builds = m.full_builds
    with app.uow() as uow:
        uow.hashbanks.remove_entry(ids[0], by="a", at=clock.now())
        new_h = rand_pdq(rng)
        new_id, _ = uow.hashbanks.add_entry(bank, "pdq", new_h, by="a", at=clock.now())
        uow.commit()
        m.refresh(uow)
    assert m.full_builds == builds  # changed in place, no rebuild
    assert m.match([("pdq", hashes[0])]).matches == ()
    got = m.match([("pdq", flip(new_h, 7, rng))]).matches
    assert [(x.entry.entry_id, x.distance, x.bank.name) for x in got] == [(new_id, 7, "feed")]
    assert [s.entry_id for s in m.skipped] == [bad]
    with app.uow() as uow:
        uow.hashbanks.remove_entry(bad, by="a", at=clock.now())
        uow.commit()
        m.refresh(uow)
    assert m.skipped == [] and m.full_builds == builds


def test_matcher_restarts_from_a_snapshot_and_catches_up_from_its_checkpoint(
        app, clock, tmp_path):
    rng = random.Random(13)
    hashes = [rand_pdq(rng) for _ in range(30)]
    with app.uow() as uow:
        bank = uow.hashbanks.create_bank("feed", by="a", at=clock.now())
        ids = [uow.hashbanks.add_entry(bank, "pdq", h, by="a", at=clock.now(),
                                       metadata={"ref": i})[0] for i, h in enumerate(hashes)]
        bad, _ = uow.hashbanks.add_entry(bank, "pdq", "corrupt!", by="a", at=clock.now())
        uow.commit()
    first = HashMatcher(snapshot_dir=tmp_path)
    with app.uow() as uow:
        first.refresh(uow)
    assert (tmp_path / "pdq" / "header.json").exists() and first.snapshot_loads == 0
    with app.uow() as uow:  # changes while no matcher runs
        uow.hashbanks.remove_entry(ids[0], by="a", at=clock.now())
        new_h = rand_pdq(rng)
        new_id, _ = uow.hashbanks.add_entry(bank, "pdq", new_h, by="a", at=clock.now())
        uow.commit()
    again = HashMatcher(snapshot_dir=tmp_path)
    with app.uow() as uow:
        again.refresh(uow)
    assert again.snapshot_loads == 1 and again.snapshot_problems == []
    assert again.full_builds == len(again._indexes) - 1  # every type but PDQ from the rows
    assert again.index_sizes()["pdq"] == 30
    assert again.match([("pdq", hashes[0])]).matches == ()
    got = again.match([("pdq", flip(new_h, 9, rng))]).matches
    assert [(x.entry.entry_id, x.distance) for x in got] == [(new_id, 9)]
    old = again.match([("pdq", hashes[5])]).matches[0]
    assert (old.entry.entry_id, dict(old.entry.metadata)) == (ids[5], {"ref": 5})
    assert [(s.bank, s.entry_id) for s in again.skipped] == [("feed", bad)]
    # a corrupt snapshot is refused by name, and the rows rebuild the index
    f = tmp_path / "pdq" / "hashes.npy"
    f.write_bytes(f.read_bytes()[:-1] + b"\x00")
    third = HashMatcher(snapshot_dir=tmp_path)
    with app.uow() as uow:
        third.refresh(uow)
    assert third.snapshot_loads == 0 and "hashes.npy: checksum" in third.snapshot_problems[0]
    assert third.full_builds == len(third._indexes) and third.index_sizes()["pdq"] == 30


def _post(pid: str, text: str = "", media: tuple[Media, ...] = ()) -> Post:
    from datetime import UTC, datetime

    return Post(post_id=pid, account_id="acc-1", platform="x",
                created_at=datetime(2025, 7, 1, tzinfo=UTC), text=text, media=media)


def test_scan_records_matches_as_events_once(app, clock):
    rng = random.Random(12)
    banned, meme = rand_pdq(rng), rand_pdq(rng)
    text = "an invented placeholder announcement for the test of text matching"
    with app.uow() as uow:
        s = uow.hashbanks
        feed = s.create_bank("feed", by="a", at=clock.now(), designation_id="ttp")
        allow = s.create_bank("allow", by="a", at=clock.now(), negative=True)
        strict = s.create_bank("strict", by="a", at=clock.now(), thresholds={"pdq": 5})
        e_banned, _ = s.add_entry(feed, "pdq", banned, by="a", at=clock.now())
        e_meme, _ = s.add_entry(feed, "pdq", meme, by="a", at=clock.now())
        s.add_entry(allow, "pdq", meme, by="a", at=clock.now())
        s.add_entry(strict, "pdq", banned, by="a", at=clock.now())
        e_text, _ = s.add_entry(feed, "text_minhash",
                                TextMinHashSignal.hash_text(text).signal, by="a", at=clock.now())
        s.add_entry(feed, "text_sha256", TextSha256Signal.hash_text(text).signal, by="a",
                    at=clock.now())
        for p in (_post("p1", media=(Media(pdq=flip(banned, 12, rng)),)),
                  _post("p2", media=(Media(pdq=meme),)),
                  _post("p3", text=text.replace("test", "trial")),
                  _post("p4", text="nothing to see", media=(Media(pdq="broken", md5=None),)),
                  _post("p5", media=(Media(pdq=rand_pdq(rng)),))):
            uow.platform.upsert_post(p)
        uow.commit()
    seen: list[int] = []
    report = scan_posts(app.uow, HashMatcher(), clock.now, progress=seen.append)
    assert report.summary() == {"posts": 5, "posts_matched": 2, "reports": 2,
                                "suppressed": 1, "errors": 1}
    assert str(report.errors[0]) == "post/x:p4: field 'media[0].pdq': pdq: expected 64 hex " \
                                    "characters, got 6"
    assert sum(seen) == 5
    with app.uow() as uow:
        p1 = uow.events.for_subject(SubjectRef.post("x", "p1"))
        assert [e.kind for e in p1] == [EventKind.REPORT]  # strict bank: 12 > 5, no report
        pl = p1[0].payload
        assert (pl["source"], pl["detector"], pl["bank"], pl["entry_id"], pl["distance"],
                pl["signal_type"], pl["designation_id"]) == (
            "automated", "hashmatch", "feed", e_banned, 12, "pdq", "ttp")
        assert uow.status.get(SubjectRef.post("x", "p1")).review_state == "open"
        p2 = uow.events.for_subject(SubjectRef.post("x", "p2"))
        assert [e.kind for e in p2] == [EventKind.NOTE]
        assert p2[0].payload["negative_bank"] == "allow" and p2[0].payload["entry_id"] == e_meme
        p3 = uow.events.for_subject(SubjectRef.post("x", "p3"))
        assert [(e.payload["signal_type"], e.payload["entry_id"]) for e in p3] == [
            ("text_minhash", e_text)]
        assert uow.events.for_subject(SubjectRef.post("x", "p5")) == []
        head = uow.events.head()
    again = scan_posts(app.uow, HashMatcher(), clock.now)
    assert again.reports == 0
    with app.uow() as uow:
        assert uow.events.head() == head  # nothing recorded twice

