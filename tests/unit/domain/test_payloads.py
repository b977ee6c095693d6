"""Event payloads have one type per kind; the stored log re-serialises through them byte for
byte, and a wrong or missing field fails when the event is made.

``fixtures/event_log.jsonl`` is a stored log: one event for each distinct payload shape that
the integration tests wrote before the payload types existed (events as the event store keeps
them, chained from the genesis hash)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tarazu.datarequests.case import fold as fold_request
from tarazu.domain.case import Subject, fold
from tarazu.domain.chain import GENESIS, canonical_json, chain, event_from_row, verify
from tarazu.domain.events import EventKind, ModerationEvent, RecordedEvent, SubjectRef, SubjectType
from tarazu.domain.payloads import (
    ABSENT,
    PAYLOAD_TYPES,
    Assign,
    Decision,
    Note,
    PayloadError,
    Report,
    Reversal,
    typed,
)
from tarazu.domain.policies import Action

LOG = Path(__file__).parent / "fixtures" / "event_log.jsonl"
T = datetime(2025, 7, 25, 10, 0, tzinfo=UTC)


def _stored() -> list[tuple[dict, RecordedEvent]]:
    rows = [json.loads(line) for line in LOG.read_text(encoding="utf-8").splitlines()]
    out = []
    for r in rows:
        event = event_from_row(event_id=r["event_id"], kind=r["kind"],
                               subject_type=r["subject_type"], subject_id=r["subject_id"],
                               actor=r["actor"], occurred_at=r["occurred_at"],
                               payload=r["payload"])
        out.append((r, RecordedEvent(r["seq"], event, r["prev_hash"], r["hash"])))
    return out


def test_every_kind_has_one_payload_type():
    assert set(PAYLOAD_TYPES) == set(EventKind)
    assert all(t.KIND is k for k, t in PAYLOAD_TYPES.items())


def test_the_stored_log_reserialises_byte_for_byte_through_the_types():
    stored = _stored()
    assert {r["kind"] for r, _ in stored} >= {k.value for k in EventKind}
    assert verify([rec for _, rec in stored]) == (len(stored), None)
    prev = None
    for row, rec in stored:
        payload = typed(rec.event)
        assert isinstance(payload, PAYLOAD_TYPES[rec.event.kind])
        assert canonical_json(payload.to_payload()) == row["payload"]
        again = ModerationEvent.of(rec.event.subject, rec.event.actor, rec.event.occurred_at,
                                   payload)
        prev = chain(prev, ModerationEvent(again.kind, again.subject, again.actor,
                                           again.occurred_at, again.payload,
                                           event_id=rec.event.event_id))
        assert (prev.seq, prev.prev_hash, prev.hash) == (rec.seq, rec.prev_hash, rec.hash)
    assert stored[0][1].prev_hash == GENESIS


def test_the_stored_log_folds_from_its_typed_payloads():
    """Folding the events rebuilt from their types gives the states the stored events give."""
    stored = [rec.event for _, rec in _stored()]
    rebuilt = [ModerationEvent(e.kind, e.subject, e.actor, e.occurred_at,
                               typed(e).to_payload(), event_id=e.event_id) for e in stored]
    for ref in {e.subject for e in stored}:
        mine = [e for e in stored if e.subject == ref]
        again = [e for e in rebuilt if e.subject == ref]
        if ref.type is SubjectType.DATA_REQUEST:
            rid = ref.id
            assert fold_request(rid, mine) == fold_request(rid, again)
        else:
            assert fold(ref, mine) == fold(ref, again)


def test_an_unknown_field_is_refused_with_its_name():
    with pytest.raises(PayloadError, match=r"a report event has no field 'reportr'"):
        Report.from_payload({"source": "public", "reportr": "r1"})
    s = Subject(SubjectRef.account("x", "a"))
    with pytest.raises(PayloadError, match="'reportr'"):
        s.record(EventKind.REPORT, "system:test", T, {"source": "public", "reportr": "r1"})
    with pytest.raises(TypeError, match="reportr"):
        Report(source="public", reportr="r1")  # type: ignore[call-arg]
    assert s.history == []


def test_a_missing_field_is_refused_with_its_name():
    with pytest.raises(PayloadError, match=r"a mirror_flag event needs the field 'probability'"):
        Subject(SubjectRef.account("x", "a")).record(
            EventKind.MIRROR_FLAG, "system:mirrors", T, {"removed_account": "x:r"})
    with pytest.raises(TypeError, match="assignee"):
        Assign()  # type: ignore[call-arg]


def test_a_misspelt_decision_detail_fails_when_the_decision_is_made():
    s = Subject(SubjectRef.account("x", "a"))
    with pytest.raises(PayloadError, match="'untill'"):
        s.decide(actor="rev1", at=T, action=Action.LABEL, policy="DOI-1", reason="r",
                 extra={"untill": "2025-08-01"})
    assert s.history == []


def test_a_payload_of_another_kind_is_refused():
    s = Subject(SubjectRef.account("x", "a"))
    with pytest.raises(PayloadError, match="belongs to a note event, not a report event"):
        s.record(EventKind.REPORT, "system:test", T, Note(reason="x"))
    with pytest.raises(TypeError, match=r"ModerationEvent\.of"):
        ModerationEvent(EventKind.NOTE, s.ref, "u", T, Note(reason="x"))  # type: ignore[arg-type]


def test_absent_is_left_out_and_none_is_written():
    assert Assign(assignee=None).to_payload() == {"assignee": None}
    assert Note(reason="x").to_payload() == {"reason": "x"}
    assert Note(reason="x").decision_id is ABSENT
    assert Note.from_payload({"decision_id": None}).to_payload() == {"decision_id": None}


def test_a_reversal_written_before_its_cause_existed_still_reads():
    legacy = {"decision_id": "d1", "reason": "relied on a reversed decision"}
    assert Reversal.from_payload(legacy).to_payload() == legacy


def test_the_aggregates_write_what_their_types_say():
    s = Subject(SubjectRef.account("x", "a"))
    e = s.decide(actor="rev1", at=T, action=Action.LABEL, policy="DOI-1", reason="r",
                 extra={"evidence": ["x:r"]})
    assert isinstance(typed(e), Decision)
    assert dict(e.payload) == {"action": "label", "policy": "DOI-1", "reason": "r",
                               "needs_confirmation": False, "protected": False,
                               "evidence": ["x:r"]}


def test_every_payload_type_is_frozen():
    assert all(t.__dataclass_params__.frozen for t in PAYLOAD_TYPES.values())  # type: ignore[attr-defined]


#: The one module that makes an event from a plain dict: rebuilding a stored event as it is.
REBUILDS_STORED = "tarazu/domain/chain.py"


def _emissions(path: Path) -> list[str]:
    """The ways ``path`` makes an event other than from a typed payload: a ``ModerationEvent``
    built directly, or a subject's ``record(EventKind.X, ...)`` given a dict or nothing."""
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id == "ModerationEvent":
            found.append(f"{node.lineno}: ModerationEvent(...)")
        elif (isinstance(node.func, ast.Attribute) and node.func.attr == "record"
              and node.args and ast.unparse(node.args[0]).startswith("EventKind.")):
            payload = node.args[3] if len(node.args) > 3 else next(
                (k.value for k in node.keywords if k.arg == "payload"), None)
            if payload is None or isinstance(payload, ast.Dict | ast.DictComp) or (
                    isinstance(payload, ast.Call) and ast.unparse(payload.func) == "dict"):
                found.append(f"{node.lineno}: {ast.unparse(node.args[0])} with a plain dict")
    return found


def test_the_code_makes_every_event_from_its_kinds_payload_type():
    """Every event tarazu emits is made from its kind's frozen payload type (so a misspelt
    field fails when it is made); only the stores rebuild events from their stored JSON."""
    root = Path(__file__).resolve().parents[3]
    found = [f"{p.relative_to(root)}:{line}"
             for p in sorted((root / "tarazu").rglob("*.py"))
             if str(p.relative_to(root)) != REBUILDS_STORED
             for line in _emissions(p)]
    assert found == []
