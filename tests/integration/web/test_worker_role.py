"""The background jobs run in the worker role, not in every web process: a served app sends
nothing and signs nothing unless told to (TARAZU_WEB_RUNS_JOBS=1); ``tarazu worker`` runs
them (a round with --once), and the jobs in a thread deliver a decision to the platform."""

from __future__ import annotations

import dataclasses
import json
import threading
import time

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tarazu.adapters.webhooks import WebhookPlatformAdapter
from tarazu.bootstrap import App
from tarazu.demo_platform.app import create_platform_app
from tarazu.demo_platform.store import PlatformStore
from tarazu.domain.policies import Action
from tarazu.entrypoints import jobs
from tarazu.entrypoints.cli import app as cli
from tarazu.entrypoints.web.app import create_app
from tarazu.entrypoints.web.delivery import deliver_now
from tarazu.service import decisions
from tests.integration.due_process.conftest import add_account, report

SECRET = b"s3cret-for-worker-tests"


def _with_jobs_in_web(app: App) -> App:
    return dataclasses.replace(app, settings=dataclasses.replace(app.settings,
                                                                 web_runs_jobs=True))


def _checkpoints(app: App) -> list:
    return app.checkpoints().read()


def _suspend(app: App, account_id: str) -> None:
    ref = add_account(app, account_id)
    report(app, ref)
    with app.uow() as uow:
        decisions.decide(uow, app.clock, subject=ref, actor="rev1", action=Action.SUSPEND,
                         policy="DOI-1", reason="posts the official media of TTP",
                         until="2025-08-01")
        uow.commit()


def _pending(app: App) -> int:
    with app.uow() as uow:
        return uow.outbox.pending_count()


def test_a_served_app_runs_no_job_unless_told_to(web):
    _suspend(web, "a1")
    assert not web.settings.web_runs_jobs  # the default
    with TestClient(create_app(web)):
        pass  # start-up and shut-down
    assert deliver_now(web) is None
    assert _checkpoints(web) == [] and _pending(web) == 1

    told = _with_jobs_in_web(web)
    with TestClient(create_app(told)):
        pass  # its jobs ran once at start-up
    assert [cp.seq for cp in _checkpoints(told)] != []
    assert deliver_now(told) is not None  # and it delivers right after a request


def test_the_worker_command_runs_one_round_of_every_job(web, monkeypatch):
    _suspend(web, "a2")
    monkeypatch.setenv("TARAZU_HOME", str(web.settings.home))
    monkeypatch.setenv("TARAZU_COOKIE_SECURE", "0")
    monkeypatch.setenv("TARAZU_PLATFORM_URL", "http://127.0.0.1:9")  # refuses: retried later
    r = CliRunner().invoke(cli, ["worker", "--once"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {job.name: True for job in jobs.JOBS}
    assert len(_checkpoints(web)) == 1
    with web.uow() as uow:  # the enforcement was tried (refused: to be retried), and the
        # due-process job expired the suspension (the command runs on the real clock, past the
        # suspension's end on 2025-08-01); the expiry waits behind the enforcement it ends
        msgs = uow.outbox.due(web.clock.now().replace(year=2100), limit=100)
        pending = uow.outbox.pending_count()
    assert [(m.kind, m.attempts) for m in msgs] == [("enforcement", 1)]
    assert pending == 2


def test_the_jobs_thread_delivers_a_decision_to_the_platform(web, tmp_path):
    store = PlatformStore(tmp_path / "platform.db")
    with store.tx() as c:
        store.put(c, "account", {"type": "account", "account_id": "a3", "platform": "x",
                                 "handle": "a3_handle", "created_at": "2024-01-02T00:00:00Z",
                                 "status": "active"})
    platform = TestClient(create_platform_app(store, SECRET, now=web.clock.now))
    adapter = WebhookPlatformAdapter("http://testserver", SECRET, client=platform)
    app = dataclasses.replace(web, settings=dataclasses.replace(web.settings,
                                                                webhook_secret=SECRET),
                              _adapter=adapter)
    _suspend(app, "a3")
    worker = jobs.JobThread(app).start()
    try:
        deadline = time.monotonic() + 20
        while _pending(app) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.stop()
    assert _pending(app) == 0
    assert platform.get("/api/accounts/a3").json()["status"] == "suspended"
    received = platform.get("/api/actions").json()["actions"]
    assert sorted(a["type"] for a in received) == ["enforcement", "notice"]


def test_run_jobs_runs_each_job_at_start_then_at_its_interval_and_stops_when_told():
    runs: dict[str, int] = {"often": 0, "rarely": 0}

    def counting(name: str):
        return lambda _container: runs.__setitem__(name, runs[name] + 1)

    def failing(_container):
        raise RuntimeError("database busy")

    stop = threading.Event()
    t = threading.Thread(target=jobs.run_jobs, args=(None, stop, [
        jobs.Job("often", 0.05, counting("often")), jobs.Job("broken", 0.05, failing),
        jobs.Job("rarely", 3600, counting("rarely"))]))
    t.start()
    deadline = time.monotonic() + 10
    while runs["often"] < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    t.join(5)
    assert not t.is_alive()
    assert runs["often"] >= 3 and runs["rarely"] == 1  # a failing job stops nothing
