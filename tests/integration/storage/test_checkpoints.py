"""Signed checkpoints hold the audit chain to what it was, on SQLite and PostgreSQL.

The attacks are the ones a database administrator can carry out: delete the chain's tail and
move ``chain_head`` back; rewrite an event and recompute every hash after it. Both leave a chain
that verifies on its own (asserted first, so the test shows the hole it closes); both fail
against a checkpoint signed with a key the database never held."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import delete, select, text, update

from tarazu.adapters.checkpoints import FileCheckpoints, public_pem
from tarazu.adapters.db.tables import chain_head, moderation_events
from tarazu.domain.chain import canonical_json, chain, event_from_row
from tarazu.domain.events import RecordedEvent
from tarazu.service import audit
from tests.integration.storage import test_event_log as event_log


def _report(app, n: int) -> None:
    event_log._report(app, "a1", n)


def _delete_tail(app, keep: int) -> None:
    """What an administrator with write access does: delete rows, move the head back."""
    with app.engine.begin() as c:
        c.execute(delete(moderation_events).where(moderation_events.c.seq > keep))
        h = c.execute(select(moderation_events.c.hash)
                      .where(moderation_events.c.seq == keep)).scalar_one()
        c.execute(update(chain_head).where(chain_head.c.id == 1).values(seq=keep, hash=h))


def _rewrite(app, seq: int, payload: dict) -> None:
    """Rewrite event #seq and recompute every hash after it, and the head."""
    with app.engine.begin() as c:
        rows = c.execute(select(moderation_events).order_by(moderation_events.c.seq)).all()
        prev = None
        for r in rows:
            e = event_from_row(event_id=r.event_id, kind=r.kind, subject_type=r.subject_type,
                               subject_id=r.subject_id, actor=r.actor,
                               occurred_at=r.occurred_at, payload=r.payload)
            if r.seq == seq:
                e = replace(e, payload=payload)
            rec = chain(prev, e)
            c.execute(update(moderation_events).where(moderation_events.c.seq == r.seq)
                      .values(payload=canonical_json(dict(e.payload)), prev_hash=rec.prev_hash,
                              hash=rec.hash))
            prev = RecordedEvent(rec.seq, e, rec.prev_hash, rec.hash)
        c.execute(update(chain_head).where(chain_head.c.id == 1)
                  .values(seq=prev.seq, hash=prev.hash))


def _fails_only_against_the_checkpoint(app, log, seq: int, words: str, gist: str) -> None:
    """The chain alone still verifies (the hole); against the checkpoint it fails at ``seq``,
    and no later checkpoint is signed over it."""
    assert audit.verify_chain(app.uow).ok
    report = audit.verify_chain(app.uow, log)
    assert not report.ok and report.problem.seq == seq
    assert words in report.problem.reason and gist in report.problem.reason
    with pytest.raises(audit.CheckpointRefused, match=gist):
        audit.take_checkpoint(app.uow, app.clock, log)


@pytest.fixture
def log(app, tmp_path):
    return FileCheckpoints(tmp_path / "cp", tmp_path / "keys" / "checkpoint.key")


def test_a_checkpoint_is_signed_and_appended_only_when_the_chain_grew(app, log):
    _report(app, 3)
    cp = audit.take_checkpoint(app.uow, app.clock, log)
    assert (cp.number, cp.seq, cp.count) == (1, 3, 3) and log.signature_ok(cp)
    assert audit.take_checkpoint(app.uow, app.clock, log) is None  # nothing new
    _report(app, 2)
    cp2 = audit.take_checkpoint(app.uow, app.clock, log)
    assert (cp2.number, cp2.seq, cp2.prev) == (2, 5, cp.digest())
    lines = log.path.read_text().splitlines()
    assert [json.loads(x)["seq"] for x in lines] == [3, 5]
    assert set(json.loads(lines[0])) >= {"seq", "head_hash", "count", "time", "signature"}
    report = audit.verify_chain(app.uow, log)
    assert report.ok and report.checkpoint.number == 2
    # the key is a file of its own, readable by its owner only; the database holds no key
    assert (log.key_path.stat().st_mode & 0o077) == 0
    with app.engine.connect() as c:
        dump = " ".join(str(r) for r in c.execute(select(moderation_events)).all())
    assert "PRIVATE KEY" not in dump and cp.signature not in dump


def test_deleting_the_tail_and_moving_the_head_fails_against_the_checkpoint(app, log):
    _report(app, 6)
    audit.take_checkpoint(app.uow, app.clock, log)
    _delete_tail(app, keep=4)
    _fails_only_against_the_checkpoint(app, log, 5, "the log ends at #4 but the signed "
                                       "checkpoint #1", "removed from the end")


def test_rewriting_history_before_a_checkpoint_fails_even_with_hashes_recomputed(app, log):
    _report(app, 5)
    audit.take_checkpoint(app.uow, app.clock, log)
    _report(app, 2)
    _rewrite(app, 2, {"source": "government"})
    _fails_only_against_the_checkpoint(app, log, 5, "no longer has the hash the signed "
                                       "checkpoint #1", "rewritten")


def test_a_changed_or_removed_checkpoint_line_is_named(app, log, tmp_path):
    for _ in range(3):
        _report(app, 1)
        audit.take_checkpoint(app.uow, app.clock, log)
    lines = log.path.read_text().splitlines()
    # an edited line (the head hash of checkpoint #2) breaks the link from the next one ...
    doc = json.loads(lines[1])
    doc["head_hash"] = "0" * 64
    log.path.write_text("\n".join([lines[0], json.dumps(doc), lines[2]]) + "\n")
    r = audit.verify_chain(app.uow, log)
    assert not r.ok and r.checkpoint_problem.startswith("checkpoint #3: does not link")
    # ... and the latest one, edited, no longer verifies
    doc = json.loads(lines[2])
    doc["seq"] = 2
    log.path.write_text("\n".join([lines[0], lines[1], json.dumps(doc)]) + "\n")
    r = audit.verify_chain(app.uow, log)
    assert not r.ok and r.checkpoint_problem.startswith("checkpoint #3: the signature")
    # a removed line breaks the numbering
    log.path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    r = audit.verify_chain(app.uow, log)
    assert not r.ok and "expected #2: a checkpoint was removed" in r.checkpoint_problem
    # checkpoints signed with another key do not verify with the published one
    forger = FileCheckpoints(tmp_path / "forged", tmp_path / "other.key")
    _report(app, 1)
    audit.take_checkpoint(app.uow, app.clock, forger)
    pub = tmp_path / "published.pem"
    pub.write_text(public_pem(log.public_key()))
    pinned = FileCheckpoints(forger.directory, tmp_path / "absent.key", public_key_path=pub)
    r = audit.verify_chain(app.uow, pinned)
    assert not r.ok and "does not verify with key" in r.checkpoint_problem


def test_an_auditor_verifies_with_the_published_public_key_alone(app, log, tmp_path):
    _report(app, 2)
    audit.take_checkpoint(app.uow, app.clock, log)
    pub = tmp_path / "published.pem"
    pub.write_text(public_pem(log.public_key()))
    auditor = FileCheckpoints(log.directory, tmp_path / "no-private-key-here",
                              public_key_path=pub)
    assert audit.verify_chain(app.uow, auditor).ok
    assert not (tmp_path / "no-private-key-here").exists()
    _delete_tail(app, keep=1)
    r = audit.verify_chain(app.uow, auditor)
    assert not r.ok and r.problem.seq == 2


def test_a_malformed_checkpoint_log_is_a_named_problem_not_a_traceback(app, log):
    _report(app, 1)
    log.directory.mkdir(parents=True)
    log.path.write_text('{"format": "tarazu-checkpoint/1", "number": "one"}\n')
    r = audit.verify_chain(app.uow, log)
    assert not r.ok and "line 1: field 'number' must be a int" in r.checkpoint_problem
    with pytest.raises(audit.CheckpointRefused, match="field 'number'"):
        audit.take_checkpoint(app.uow, app.clock, log)


def test_tampering_after_the_last_checkpoint_is_caught_by_the_chain_or_the_next_one(app, log):
    """Between checkpoints the chain's own hashes still name an edited row; only a careful
    rewrite of the events after the last checkpoint goes unseen until then (docs/security.md,
    known gaps)."""
    _report(app, 3)
    audit.take_checkpoint(app.uow, app.clock, log)
    _report(app, 2)
    with app.engine.begin() as c:
        c.execute(text("UPDATE moderation_events SET payload = '{}' WHERE seq = 5"))
    r = audit.verify_chain(app.uow, log)
    assert not r.ok and r.problem.seq == 5
    with pytest.raises(audit.CheckpointRefused, match="event #5"):
        audit.take_checkpoint(app.uow, app.clock, log)
