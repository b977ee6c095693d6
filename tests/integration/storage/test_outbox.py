"""The outbox on both stores: claimed under a lease, sent outside transactions, retried with
back-off, recorded once delivered."""

import socket
from datetime import timedelta

from fastapi.testclient import TestClient

from tarazu.adapters.webhooks import WebhookPlatformAdapter
from tarazu.demo_platform.app import create_platform_app
from tarazu.demo_platform.store import PlatformStore
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.policies import Action
from tarazu.service import cases, decisions, outbox

SECRET = b"outbox-test-secret"


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _suspend(app):
    ref = SubjectRef.account("x", "100")
    with app.uow() as uow:
        s = cases.load(uow, ref)
        s.record(EventKind.REPORT, "system:test", app.clock.now(), {"source": "public"})
        cases.save(uow, s)
        out = decisions.decide(uow, app.clock, subject=ref, actor="rev1", action=Action.SUSPEND,
                               policy="DOI-1", reason="official channel", until="2025-08-20")
        uow.commit()
    return ref, out


def test_failed_delivery_backs_off_then_succeeds_once(app, tmp_path):
    ref, out = _suspend(app)
    down = WebhookPlatformAdapter(f"http://127.0.0.1:{_closed_port()}", SECRET, timeout=1)
    r = outbox.deliver_due(app.uow, down, app.clock)
    assert (r.delivered, r.failed) == (0, 1)
    with app.uow() as uow:
        assert uow.outbox.due(app.clock.now()) == []  # backing off
        assert uow.outbox.pending_count() == 1
    app.clock.advance(seconds=3)

    store = PlatformStore(tmp_path / "platform.db")
    with store.tx() as c:
        store.put(c, "account", {"type": "account", "account_id": "100", "platform": "x",
                                 "handle": "h", "created_at": "2025-07-01T00:00:00Z",
                                 "status": "active"})
    platform = TestClient(create_platform_app(store, SECRET))
    up = WebhookPlatformAdapter("http://platform", SECRET, client=platform)
    r = outbox.deliver_due(app.uow, up, app.clock)
    assert (r.delivered, r.failed) == (1, 0)
    assert platform.get("/api/accounts/100").json()["suspended_until"] == "2025-08-20"
    assert outbox.deliver_due(app.uow, up, app.clock).delivered == 0
    with app.uow() as uow:
        kinds = [e.kind for e in uow.events.for_subject(ref)]
        assert kinds.count(EventKind.ACTION_DELIVERED) == 1
        assert uow.outbox.pending_count() == 0


def test_a_claimed_message_is_left_alone_during_its_lease(app):
    _suspend(app)
    with app.uow() as uow:
        first = uow.outbox.claim(app.clock.now(), timedelta(seconds=60))
        uow.commit()
        assert len(first) == 1
        assert uow.outbox.claim(app.clock.now(), timedelta(seconds=60)) == []
    app.clock.advance(seconds=61)
    with app.uow() as uow:
        assert len(uow.outbox.claim(app.clock.now(), timedelta(seconds=60))) == 1
