"""Prometheus metrics and structured logs, on the real components: the stream worker on the
real NATS server and both stores, the web app's ``/metrics`` behind its role check, the outbox
against a platform that is down and then up, the hash matcher over a real bank."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import time
from datetime import UTC, datetime

import httpx
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tarazu.adapters.webhooks import WebhookPlatformAdapter
from tarazu.entrypoints.cli.stream import build_detector, run_worker
from tarazu.entrypoints.web.app import create_app
from tarazu.service import outbox, users
from tarazu.service.hashmatch import HashMatcher
from tests.integration.broker.test_stream_faults import (
    NATS_URL,
    _delete,
    _free_port,
    _names,
    _preload,
    _publish,
    _running_worker,
    _stored_active,
)
from tests.integration.storage.test_outbox import SECRET, _closed_port, _suspend
from tests.integration.web.conftest import login


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition: (name, sorted labels) -> value."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def _value(text: str, name: str, **labels: str) -> float:
    return _samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def _scrape(app) -> str:
    from tarazu.adapters.metrics import exposition

    return exposition(app.uow).decode()


def test_metrics_refuse_anonymous_callers_and_roles_without_the_right(web):
    client = TestClient(create_app(web))
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"authorization": "Bearer tz_not-a-token"}
                      ).status_code == 401
    login(client, "reviewer")
    assert client.get("/metrics").status_code == 403  # a reviewer is not a scraper

    with web.uow() as uow:
        token = users.issue_token(uow, web.clock.now(), "admin", "monitor", "prometheus")
        uow.commit()
    scraper = TestClient(create_app(web))
    r = scraper.get("/metrics", headers={"authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert _value(r.text, "tarazu_store_up") == 1
    assert _value(r.text, "tarazu_outbox_depth") == 0


def test_stream_metrics_move_as_events_are_handled(app, scenario, tmp_path):
    """Events in, accounts scored, sign-up→flag latencies observed, lag and scoring queue
    back to zero: each read from the exposition before and after a real run."""
    events = _preload(app, scenario)
    now = datetime.now(UTC).isoformat()
    for e in events:  # signed up just now: the latency observed is this run's
        e["record"] = {**e["record"], "created_at": now}
    stream, subjects = _names()
    before = _scrape(app)
    try:
        _publish(stream, subjects, events)
        detector = build_detector(app)
        asyncio.run(run_worker(app, detector, url=NATS_URL, stream=stream, subjects=subjects,
                               durable="w", until_idle=True, idle_timeout=0.5))
    finally:
        _delete(stream, subjects)
    after = _scrape(app)

    def moved(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert moved("tarazu_stream_events_total", stream=stream, result="handled") == len(events)
    assert moved("tarazu_stream_events_total", stream=stream, result="dead") == 0
    scored = moved("tarazu_mirror_accounts_scored_total", flagged="true") + \
        moved("tarazu_mirror_accounts_scored_total", flagged="false")
    assert scored == len(events)
    flagged = moved("tarazu_mirror_accounts_scored_total", flagged="true")
    assert flagged >= 3  # the scenario has mirrors
    assert moved("tarazu_signup_to_flag_seconds_count") == flagged
    # the run took seconds, not hours: every latency fell in a bucket well under a minute
    assert moved("tarazu_signup_to_flag_seconds_bucket", le="60.0") == flagged
    assert _value(after, "tarazu_stream_consumer_lag_messages", stream=stream) == 0
    assert _value(after, "tarazu_scoring_queue_depth") == 0
    assert _value(after, "tarazu_scoring_overdue_seconds") == 0
    with app.uow() as uow:
        open_cases = sum(uow.status.queue_counts().values())
    assert open_cases >= 1  # flags that were not auto-actioned wait for a reviewer
    assert sum(v for (n, _), v in _samples(after).items()
               if n == "tarazu_review_queue_depth") == open_cases


def test_webhook_failures_and_retries_are_counted(app):
    _suspend(app)
    before = _scrape(app)
    assert _value(before, "tarazu_outbox_depth") == 1
    down = WebhookPlatformAdapter(f"http://127.0.0.1:{_closed_port()}", SECRET, timeout=1)
    assert outbox.deliver_due(app.uow, down, app.clock).failed == 1
    app.clock.advance(seconds=3)

    class Accepting:  # the platform back up (its real stub is exercised in the outbox tests)
        def send(self, destination: str, key: str, payload: dict) -> None:
            return None

    assert outbox.deliver_due(app.uow, Accepting(), app.clock).delivered == 1
    after = _scrape(app)

    def moved(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert moved("tarazu_webhook_deliveries_total", result="failed") == 1
    assert moved("tarazu_webhook_deliveries_total", result="delivered") == 1
    assert moved("tarazu_webhook_retries_total") == 1
    assert _value(after, "tarazu_outbox_depth") == 0


def test_hash_matches_are_counted_per_bank(sqlite_app, clock):
    from tests.integration.hashbanks.test_hashbank_store import flip, rand_pdq

    rng = random.Random(5)
    h = rand_pdq(rng)
    with sqlite_app.uow() as uow:
        bank = uow.hashbanks.create_bank("metrics-feed", by="a", at=clock.now())
        uow.hashbanks.add_entry(bank, "pdq", h, by="a", at=clock.now())
        uow.commit()
    m = HashMatcher()
    with sqlite_app.uow() as uow:
        m.refresh(uow)
    before = _scrape(sqlite_app)
    m.match([("pdq", flip(h, 5, rng)), ("pdq", rand_pdq(rng))])
    after = _scrape(sqlite_app)
    assert _value(after, "tarazu_hash_matches_total", bank="metrics-feed") - \
        _value(before, "tarazu_hash_matches_total", bank="metrics-feed") == 1


def test_the_worker_serves_its_metrics_and_logs_json_without_personal_data(
        sqlite_app, scenario, tmp_path):
    """A real worker process with ``--metrics-port``: its endpoint shows the events it
    handled; its log is JSON lines naming no account, handle or name of the scenario."""
    app = sqlite_app
    events = _preload(app, scenario)[:6]
    port = _free_port()
    stream, subjects = _names()
    log = tmp_path / "worker.log"
    try:
        _publish(stream, subjects, events)
        with _running_worker(app, stream, subjects, log, "--metrics-port", str(port)) as p:
            deadline = time.monotonic() + 90
            handled = 0.0
            while time.monotonic() < deadline and handled < len(events):
                assert p.poll() is None, log.read_text()
                try:
                    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
                    handled = _value(text, "tarazu_stream_events_total", stream=stream,
                                     result="handled")
                except httpx.HTTPError:
                    pass
                time.sleep(0.3)
            assert handled == len(events), log.read_text()
            assert "tarazu_scoring_queue_depth" in text
            p.send_signal(signal.SIGTERM)
            assert p.wait(timeout=20) == 0, log.read_text()
    finally:
        _delete(stream, subjects)
    assert _stored_active(app) == {e["record"]["account_id"] for e in events}
    lines = [ln for ln in log.read_text().splitlines() if ln.startswith('{"')]
    logged = [json.loads(ln) for ln in lines]
    names = {d["event"] for d in logged}
    assert {"worker.started", "worker.metrics"} <= names, names
    assert "mirror.flagged" in names or "mirror.reference_set" in names, names
    personal = {v for r in scenario.accounts for k, v in r.items()
                if k in ("account_id", "handle", "display_name") and v}
    personal |= {f"x:{r['account_id']}" for r in scenario.accounts}
    for line in lines:
        leaked = [v for v in personal if len(v) > 3 and v in line]
        assert not leaked, (leaked, line)


def test_the_web_app_logs_each_request_as_json_without_its_path(web):
    """One JSON line per request with the route's template: the account id in the path,
    the query and the caller's address stay out of the log."""
    import io
    import logging

    from tarazu.entrypoints import logs

    out = io.StringIO()
    logs.configure(out)
    try:
        client = TestClient(create_app(web))
        login(client, "reviewer")
        client.get("/api/cases/account/x:acct-4711?q=Jane%20Doe")
    finally:
        root = logging.getLogger()
        for h in [h for h in root.handlers if h.get_name() == "tarazu-json"]:
            root.removeHandler(h)
    lines = [json.loads(ln) for ln in out.getvalue().splitlines()]
    requests = [d for d in lines if d["event"] == "http.request"]
    case = [d for d in requests if d["route"].startswith("/api/cases/")]
    assert case and case[0]["method"] == "GET" and "{" in case[0]["route"], requests
    assert "acct-4711" not in out.getvalue() and "Jane" not in out.getvalue()
    assert {d["route"] for d in requests} >= {"/login", "/api/me"}
