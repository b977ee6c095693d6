"""The platform's webhook endpoint down for a while, then back: a real platform (the demo
platform served by uvicorn on a port of its own) stopped and started again, on both stores.

After the outage every enforcement is delivered exactly once, and each reaches the platform
before the notice that describes it — even though the enforcement had backed off for longer
than the notice, which was written while the platform was down. ``deliver-now`` sends
everything at once when the platform is back, instead of each message waiting out its own
back-off."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from tarazu.adapters.webhooks import WebhookPlatformAdapter
from tarazu.bootstrap import bootstrap
from tarazu.demo.servers import ServerThread, free_port
from tarazu.demo_platform.app import create_platform_app
from tarazu.demo_platform.store import PlatformStore
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.policies import Action
from tarazu.service import cases, decisions, notices, outbox
from tarazu.service.clock import FixedClock
from tests.conftest import make_settings

ACCOUNTS = [str(n) for n in range(100, 105)]


class Platform:
    """The demo platform on a fixed port, which can be taken down and brought back."""

    def __init__(self, store: PlatformStore, secret: bytes) -> None:
        self.store, self.secret = store, secret
        self.port = free_port()
        self.server: ServerThread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        self.server = ServerThread(create_platform_app(self.store, self.secret),
                                   port=self.port).start()

    def down(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def deliveries(self) -> list[tuple[str, str, str]]:
        """(delivery id, message type, subject id) in the order the platform received them."""
        with sqlite3.connect(self.store.path) as c:
            rows = c.execute("SELECT delivery_id FROM deliveries ORDER BY rowid").fetchall()
            acts = dict(c.execute("SELECT delivery_id, subject_id FROM actions").fetchall())
        return [(r[0], r[0].split(":", 1)[0], acts.get(r[0], "")) for r in rows]


@pytest.fixture
def platform(tmp_path, app):
    store = PlatformStore(tmp_path / "platform.db")
    with store.tx() as c:
        for a in ACCOUNTS:
            store.put(c, "account", {"type": "account", "account_id": a, "platform": "x",
                                     "handle": f"h{a}", "created_at": "2025-07-01T00:00:00Z",
                                     "status": "active"})
    p = Platform(store, app.settings.webhook_secret)
    yield p
    p.down()


def _suspend_all(app) -> dict[str, str]:
    """A suspension of each account (its enforcement queued): subject -> decision id."""
    out = {}
    with app.uow() as uow:
        for a in ACCOUNTS:
            ref = SubjectRef.account("x", a)
            s = cases.load(uow, ref)
            s.record(EventKind.REPORT, "system:test", app.clock.now(), {"source": "public"})
            cases.save(uow, s)
            d = decisions.decide(uow, app.clock, subject=ref, actor="rev1",
                                 action=Action.SUSPEND, policy="DOI-1",
                                 reason="official channel",
                                 until=(app.clock.now() + timedelta(days=26)).date().isoformat())
            out[a] = d.decision_id
        uow.commit()
    return out


def test_after_an_outage_each_enforcement_arrives_once_and_before_its_notice(app, platform):
    decided = _suspend_all(app)
    adapter = WebhookPlatformAdapter(platform.url, app.settings.webhook_secret, timeout=2)
    # the platform is down: the enforcements fail round after round and back off (2, 4, 8,
    # 16 s ...) — the periodic job keeps trying
    for _ in range(5):
        r = outbox.deliver_due(app.uow, adapter, app.clock)
        assert r.delivered == 0 and r.failed == len(ACCOUNTS)
        app.clock.advance(seconds=2 ** 5)
    assert outbox.deliver_due(app.uow, adapter, app.clock).failed == len(ACCOUNTS)
    # still down: the notices of the decisions are written now, and are due at once
    assert notices.send_due(app.uow, app.clock, "https://tarazu.test").sent == len(ACCOUNTS)
    assert outbox.deliver_due(app.uow, adapter, app.clock).delivered == 0

    platform.up()  # back: each notice's 4 s back-off is over, each enforcement's 64 s not
    app.clock.advance(seconds=5)
    r = outbox.deliver_due(app.uow, adapter, app.clock)
    assert r.delivered == 0, "a notice went out before the enforcement it describes"
    r = outbox.deliver_now(app.uow, adapter, app.clock)
    assert (r.delivered, r.failed) == (2 * len(ACCOUNTS), 0)
    app.clock.advance(seconds=3600)
    assert outbox.deliver_due(app.uow, adapter, app.clock).delivered == 0

    got = platform.deliveries()
    assert Counter(k for _, k, _ in got) == {"enforcement": len(ACCOUNTS),
                                             "notice": len(ACCOUNTS)}
    assert len({d for d, _, _ in got}) == len(got)  # each message once
    for a, decision_id in decided.items():
        order = [d for d, _, _ in got if decision_id in d]
        assert [d.split(":", 1)[0] for d in order] == ["enforcement", "notice"], (a, order)
    with app.uow() as uow:
        assert uow.outbox.pending_count() == 0
        for a in ACCOUNTS:
            kinds = [e.kind for e in uow.events.for_subject(SubjectRef.account("x", a))]
            assert kinds.count(EventKind.ACTION_DELIVERED) == 1
    with platform.store.tx() as c:
        suspended = [platform.store.get(c, "account", a).status for a in ACCOUNTS]
    assert suspended == ["suspended"] * len(ACCOUNTS)


def test_deliver_now_from_the_command_line_skips_the_back_off(tmp_path, monkeypatch):
    """``tarazu outbox deliver-now`` after the platform is back: everything is sent at once,
    where ``tarazu outbox deliver`` would leave each message waiting out its back-off."""
    app = bootstrap(make_settings(tmp_path, None), clock=FixedClock(datetime.now(UTC)))
    try:
        store = PlatformStore(tmp_path / "platform.db")
        with store.tx() as c:
            for a in ACCOUNTS:
                store.put(c, "account", {"type": "account", "account_id": a, "platform": "x",
                                         "handle": f"h{a}", "status": "active",
                                         "created_at": "2025-07-01T00:00:00Z"})
        platform = Platform(store, app.settings.webhook_secret)
        _suspend_all(app)
        adapter = WebhookPlatformAdapter(platform.url, app.settings.webhook_secret, timeout=2)
        for _ in range(8):  # down: the next attempt is minutes away
            outbox.deliver_due(app.uow, adapter, app.clock)
            with app.uow() as uow:
                uow.outbox.retry_now(app.clock.now())
                uow.commit()
        assert outbox.deliver_due(app.uow, adapter, app.clock).failed == len(ACCOUNTS)
        platform.up()
        from tarazu.entrypoints.cli import app as cli

        monkeypatch.setenv("TARAZU_HOME", str(tmp_path))
        monkeypatch.setenv("TARAZU_COOKIE_SECURE", "0")
        monkeypatch.setenv("TARAZU_PLATFORM_URL", platform.url)
        monkeypatch.delenv("TARAZU_DATABASE_URL", raising=False)
        waiting = CliRunner().invoke(cli, ["outbox", "deliver"])
        assert waiting.exit_code == 0, waiting.output
        assert json.loads(waiting.stdout)["delivered"] == 0
        now = CliRunner().invoke(cli, ["outbox", "deliver-now"])
        assert now.exit_code == 0, now.output
        assert json.loads(now.stdout) == {"delivered": len(ACCOUNTS), "failed": 0,
                                          "undelivered": 0}
        platform.down()
    finally:
        app.engine.dispose()
