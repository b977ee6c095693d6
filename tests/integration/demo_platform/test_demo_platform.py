"""The demo platform: signed webhooks only, one action per delivery, reversals that restore,
and its events reaching tarazu through the platform event API."""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tarazu.adapters.webhooks import WebhookPlatformAdapter, sign
from tarazu.demo_platform.app import create_platform_app
from tarazu.demo_platform.emitter import EventEmitter
from tarazu.demo_platform.store import PlatformStore
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.policies import Action
from tarazu.domain.roles import Role
from tarazu.entrypoints.web.app import create_app
from tarazu.interchange import parse_account
from tarazu.service import decisions, outbox

SECRET = b"s3cret-for-tests"
NOW = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)
ACCOUNT = {"type": "account", "account_id": "100", "platform": "x", "handle": "umar_media_7",
           "created_at": "2025-07-01T00:00:00Z", "status": "active",
           "identifiers": {"device": "d1"}}
POST = {"type": "post", "post_id": "p1", "account_id": "100", "platform": "x",
        "created_at": "2025-07-02T00:00:00Z", "text": "[placeholder: statement]"}


@pytest.fixture
def store(tmp_path):
    s = PlatformStore(tmp_path / "platform.db")
    with s.tx() as c:
        s.put(c, "account", dict(ACCOUNT))
        s.put(c, "post", dict(POST))
    return s


@pytest.fixture
def platform(store):
    return TestClient(create_platform_app(store, SECRET, now=lambda: NOW))


def _send(client, msg, delivery="d-1", secret=SECRET, ts=None):
    body = json.dumps(msg).encode()
    ts = ts or str(int(time.time()))
    return client.post("/api/enforcement", content=body, headers={
        "Content-Type": "application/json",
        "X-Tarazu-Signature": sign(secret, ts, delivery, body),
        "X-Tarazu-Timestamp": ts, "X-Tarazu-Delivery": delivery})


def _msg(action, kind="enforcement", decision="dec-1", **extra):
    return {"type": kind, "decision_id": decision, "platform": "x", "subject_type": "account",
            "subject_id": "100", "action": action, "policy": "DOI-1", **extra}


def test_wrong_or_stale_signature_is_refused_and_changes_nothing(platform, store):
    assert _send(platform, _msg("remove"), secret=b"wrong").status_code == 401
    stale = str(int(time.time()) - 3600)
    assert _send(platform, _msg("remove"), ts=stale).status_code == 401
    body = json.dumps(_msg("remove")).encode()
    ts = str(int(time.time()))
    tampered = platform.post("/api/enforcement", content=body.replace(b"remove", b"label"),
                             headers={"X-Tarazu-Signature": sign(SECRET, ts, "d", body),
                                      "X-Tarazu-Timestamp": ts, "X-Tarazu-Delivery": "d"})
    assert tampered.status_code == 401
    assert platform.get("/api/accounts/100").json()["status"] == "active"
    assert platform.get("/api/actions").json()["actions"] == []


def test_a_delivery_received_twice_acts_once(platform):
    first = _send(platform, _msg("label"))
    again = _send(platform, _msg("label"))
    assert first.status_code == again.status_code == 200
    assert first.json()["duplicate"] is False and again.json()["duplicate"] is True
    assert len(platform.get("/api/actions").json()["actions"]) == 1
    assert platform.get("/api/accounts/100").json()["labels"] == ["DOI-1"]


def test_remove_then_reversal_restores_and_both_are_reported_to_tarazu(platform, store):
    r = _send(platform, _msg("remove"), delivery="enforcement:dec-1")
    assert r.json()["status"] == "removed"
    acc = platform.get("/api/accounts/100").json()
    assert acc["status"] == "removed" and acc["record"]["status"] == "removed"
    back = _send(platform, _msg("reinstate", kind="reversal"), delivery="reversal:dec-1")
    assert back.status_code == 200 and back.json()["status"] == "active"
    acc = platform.get("/api/accounts/100").json()
    assert acc["status"] == "active" and acc["record"]["removed_at"] is None
    events = [e["type"] for _, e in store.unsent()]
    assert events == ["account.removed", "account.updated"]
    log = platform.get("/api/actions").json()["actions"]
    assert [a["type"] for a in log] == ["reversal", "enforcement"]  # newest first


def test_suspension_ends_by_expiry_and_a_reversal_undoes_only_its_decision(platform):
    _send(platform, _msg("suspend", until="2025-08-24"), delivery="a")
    assert platform.get("/api/accounts/100").json()["suspended_until"] == "2025-08-24"
    _send(platform, _msg("restrict_country", decision="dec-2", country="PK"), delivery="b")
    _send(platform, _msg("suspend", kind="expiry"), delivery="c")
    acc = platform.get("/api/accounts/100").json()
    assert acc["status"] == "active" and acc["suspended_until"] is None
    assert acc["restricted_in"] == ["PK"]  # the other decision still stands
    _send(platform, _msg("restrict_country", kind="reversal", decision="dec-2"), delivery="d")
    assert platform.get("/api/accounts/100").json()["restricted_in"] == []


def test_bad_messages_are_refused_with_the_field_named(platform):
    assert _send(platform, _msg("ban")).status_code == 422
    unknown = _send(platform, {**_msg("remove"), "subject_id": "nope"}, delivery="z")
    assert unknown.status_code == 404
    body = json.dumps(_msg("remove")).encode()
    ts = str(int(time.time()))
    no_id = platform.post("/api/enforcement", content=body, headers={
        "X-Tarazu-Signature": sign(SECRET, ts, "", body), "X-Tarazu-Timestamp": ts})
    assert no_id.status_code == 400
    assert platform.get("/api/posts/p1").json()["status"] == "active"


def _capturing_adapter(platform):
    """The real sender, posting to the platform app; every request it sends is kept (what an
    attacker on the wire could capture)."""
    sent = []
    platform.event_hooks["request"] = [sent.append]
    return WebhookPlatformAdapter("http://testserver", SECRET, client=platform), sent


def test_a_captured_webhook_replayed_under_a_new_delivery_id_is_refused(platform):
    adapter, sent = _capturing_adapter(platform)
    adapter.send("x", "enforcement:dec-1", _msg("suspend", until="9999-12-31", sequence=10))
    adapter.send("x", "reversal:dec-1", _msg("reinstate", kind="reversal", sequence=20))
    assert platform.get("/api/accounts/100").json()["status"] == "active"
    captured = sent[0]
    headers = {k.lower(): v for k, v in captured.headers.items()
               if k.lower().startswith("x-tarazu")}
    replay = platform.post("/api/enforcement", content=captured.content,
                           headers={**headers, "x-tarazu-delivery": "enforcement:fresh-id"})
    assert replay.status_code == 401
    same_id = platform.post("/api/enforcement", content=captured.content, headers=headers)
    assert same_id.status_code == 200 and same_id.json()["duplicate"] is True
    assert platform.get("/api/accounts/100").json()["status"] == "active"
    assert len(platform.get("/api/actions").json()["actions"]) == 2


def test_an_older_message_cannot_override_a_newer_one(platform):
    """A retry delivered late (after back-off) must not bring back a reversed sanction."""
    _send(platform, _msg("reinstate", kind="reversal", sequence=20), delivery="reversal:dec-1")
    late = _send(platform, _msg("suspend", until="2026-01-01", sequence=10),
                 delivery="enforcement:dec-1")
    assert late.status_code == 200 and late.json()["stale"] is True
    assert platform.get("/api/accounts/100").json()["status"] == "active"
    # a newer status change of another decision also stands against an older one
    _send(platform, _msg("remove", decision="dec-3", sequence=40), delivery="e3")
    old = _send(platform, _msg("reinstate", kind="reversal", decision="dec-2", sequence=30),
                delivery="r2")
    assert old.json()["stale"] is True
    assert platform.get("/api/accounts/100").json()["status"] == "removed"
    # an older message of an unrelated aspect (a label) still applies
    label = _send(platform, _msg("label", decision="dec-4", sequence=35), delivery="e4")
    assert label.json()["stale"] is False
    assert platform.get("/api/accounts/100").json()["labels"] == ["DOI-1"]
    bad = _send(platform, _msg("label", decision="dec-5", sequence="7"), delivery="e5")
    assert bad.status_code == 422 and "sequence" in bad.json()["detail"]


def test_tarazu_orders_its_messages_by_the_log(app):
    ref = SubjectRef.account("x", "100")
    with app.uow() as uow:
        uow.platform.upsert_account(parse_account(ACCOUNT))
        out = decisions.decide(uow, app.clock, subject=ref, actor="reviewer",
                               action=Action.LABEL, policy="DOI-1", reason="Umar Media")
        uow.commit()
    with app.uow() as uow:
        msgs = uow.outbox.pending()
        decided = uow.events.get(out.decision_id)
    assert [m.payload["decision_id"] for m in msgs] == [out.decision_id]
    assert msgs[0].payload["sequence"] == decided.seq


# -- with tarazu ------------------------------------------------------------------------------
def _token(app, role: Role) -> str:
    token = "tz_" + secrets.token_urlsafe(16)
    with app.uow() as uow:
        user = uow.users.add(f"{role.value}-machine", "x", frozenset({role}), app.clock.now())
        uow.users.add_token(user.id, "t", token, app.clock.now())
        uow.commit()
    return token


def test_decision_reaches_the_platform_once_and_removal_comes_back(sqlite_app, store):
    """tarazu decides, the outbox delivers (twice: acts once), the platform reports the
    removal back through the event API, and tarazu's copy of the account follows."""
    tarazu = TestClient(create_app(sqlite_app))
    token = _token(sqlite_app, Role.ADMIN)
    emitter = EventEmitter("http://testserver", token, client=tarazu)
    # In-process, the platform's after-response task would run inside tarazu's delivery
    # (which holds SQLite's write lock): here its events are flushed after the delivery.
    platform = TestClient(create_platform_app(store, SECRET))
    assert tarazu.post("/api/platform/events", headers={"Authorization": f"Bearer {token}"},
                       json={"event_id": "e1", "type": "account.created",
                             "record": ACCOUNT}).status_code == 202
    ref = SubjectRef.account("x", "100")
    with sqlite_app.uow() as uow:
        out = decisions.decide(uow, sqlite_app.clock, subject=ref, actor="reviewer",
                               action=Action.REMOVE, policy="DOI-1", reason="Umar Media")
        decisions.confirm(uow, sqlite_app.clock, subject=ref, actor="reviewer2",
                          decision_id=out.decision_id)
        uow.commit()
    adapter = WebhookPlatformAdapter("http://testserver", SECRET, client=platform)
    assert outbox.deliver_due(sqlite_app.uow, adapter, sqlite_app.clock).delivered == 1
    assert outbox.deliver_due(sqlite_app.uow, adapter, sqlite_app.clock).delivered == 0
    adapter.send("x", f"enforcement:{out.decision_id}", {**_msg("remove"),
                                                        "decision_id": out.decision_id})
    assert len(platform.get("/api/actions").json()["actions"]) == 1  # a retry acts once
    assert emitter.flush(store) == (1, 0)
    assert platform.get("/api/accounts/100").json()["status"] == "removed"
    with sqlite_app.uow() as uow:
        kinds = [e.kind for e in uow.events.for_subject(ref)]
        assert kinds.count(EventKind.ACTION_DELIVERED) == 1
        assert uow.platform.get_account("x", "100").status == "removed"  # via account.removed
        assert uow.platform.get_account("x", "100", with_identifiers=True).identifiers == {
            "device": "d1"}


def test_platform_event_api_checks_role_and_names_bad_fields(sqlite_app):
    tarazu = TestClient(create_app(sqlite_app))
    admin = {"Authorization": f"Bearer {_token(sqlite_app, Role.ADMIN)}"}
    reviewer = {"Authorization": f"Bearer {_token(sqlite_app, Role.REVIEWER)}"}
    event = {"event_id": "e2", "type": "post.created", "record": POST}
    assert tarazu.post("/api/platform/events", json=event, headers=reviewer).status_code == 403
    r = tarazu.post("/api/platform/events", json=event, headers=admin)
    assert r.status_code == 202 and r.json()["change"] == "added"
    assert tarazu.post("/api/platform/events", json=event, headers=admin).json()["change"] \
        == "unchanged"
    bad = {"event_id": "e3", "type": "account.created",
           "record": {**ACCOUNT, "created_at": "yesterday"}}
    r = tarazu.post("/api/platform/events", json=bad, headers=admin)
    assert r.status_code == 422 and "record.created_at" in r.json()["detail"]
    wrong = {"event_id": "e4", "type": "account.removed", "record": ACCOUNT}
    assert "record.status" in tarazu.post("/api/platform/events", json=wrong,
                                          headers=admin).json()["detail"]
    kind = {"event_id": "e5", "type": "account.deleted", "record": ACCOUNT}
    assert "'type'" in tarazu.post("/api/platform/events", json=kind,
                                   headers=admin).json()["detail"]


def test_new_accounts_on_the_platform_reach_tarazu(sqlite_app, store):
    tarazu = TestClient(create_app(sqlite_app))
    emitter = EventEmitter("http://testserver", _token(sqlite_app, Role.ADMIN), client=tarazu)
    platform = TestClient(create_platform_app(store, SECRET, emitter))
    mirror = {**ACCOUNT, "account_id": "101", "handle": "umar_media_8",
              "created_at": (NOW + timedelta(minutes=4)).isoformat()}
    r = platform.post("/api/accounts", json=mirror)
    assert r.status_code == 201
    assert platform.post("/api/accounts", json=mirror).status_code == 409
    assert platform.post("/api/accounts", json={"account_id": "9"}).status_code == 422
    with sqlite_app.uow() as uow:
        assert uow.platform.get_account("x", "101").handle == "umar_media_8"
    assert store.unsent() == []


def test_a_notice_reaches_the_user_and_changes_nothing(platform):
    msg = {"type": "notice", "notice": "decision", "decision_id": "dec-9", "platform": "x",
           "subject_type": "account", "subject_id": "100",
           "notices": [{"language": "en", "subject": "s", "body": "b"},
                       {"language": "ur", "subject": "s", "body": "b"}]}
    r = _send(platform, msg, delivery="notice:dec-9")
    assert r.status_code == 200, r.text
    assert platform.get("/api/accounts/100").json()["status"] == "active"
    log = platform.get("/api/actions").json()["actions"]
    assert log[0]["type"] == "notice" and "(en, ur)" in log[0]["effect"]
    unknown = _send(platform, {**msg, "subject_id": "nobody"}, delivery="notice:x")
    assert unknown.status_code == 404
