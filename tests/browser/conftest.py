"""A real stack for the browser tests: tarazu (web and worker) and the demo platform served
over HTTP from threads (fresh SQLite each), a small synthetic scenario loaded and its referral
list checked, and Debian's Chromium driven by Playwright (no browser is downloaded)."""

from __future__ import annotations

import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tarazu.adapters.passwords import hash_password
from tarazu.bootstrap import App, bootstrap
from tarazu.demo.pipeline import run_pipeline
from tarazu.demo.scenario import SMALL, generate
from tarazu.demo.servers import ServerThread, free_port
from tarazu.domain.roles import Role
from tarazu.entrypoints.cli.demo import stream_worker
from tarazu.entrypoints.cli.platform import build_platform
from tarazu.entrypoints.jobs import JobThread
from tarazu.entrypoints.web.app import create_app
from tarazu.settings import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PASSWORD = "browser-test-password"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
#: Where the role journeys save a screenshot of every step (git-ignored, like all of var/;
#: CI keeps the folder as a build artefact).
ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "artefacts" / "screenshots"


@dataclass
class Stack:
    app: App
    tarazu: ServerThread
    platform: ServerThread

    def platform_account(self, account_id: str) -> dict:
        return httpx.get(f"{self.platform.url}/api/accounts/{account_id}").json()


def wait_for(check: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("browser")
    platform_port, tarazu_port = free_port(), free_port()
    while tarazu_port == platform_port:
        tarazu_port = free_port()
    settings = Settings.from_env({"TARAZU_HOME": str(home), "TARAZU_COOKIE_SECURE": "0",
                                  "TARAZU_PLATFORM_URL": f"http://127.0.0.1:{platform_port}",
                                  "TARAZU_PUBLIC_URL": f"http://127.0.0.1:{tarazu_port}"})
    app = bootstrap(settings)
    files = generate(17, home / "scenario", SMALL)
    run_pipeline(app, files, stream=stream_worker())
    token = "tz_" + secrets.token_urlsafe(24)
    pw = hash_password(PASSWORD)
    with app.uow() as uow:
        for name, role in (("reviewer", Role.REVIEWER), ("reviewer2", Role.REVIEWER),
                           ("auditor", Role.AUDITOR), ("legal", Role.LEGAL),
                           ("requester", Role.REQUESTER)):
            uow.users.add(name, pw, frozenset({role}), app.clock.now())
        machine = uow.users.add("platform-x", pw, frozenset({Role.ADMIN}), app.clock.now())
        uow.users.add_token(machine.id, "events", token, app.clock.now())
        uow.commit()
    tarazu = ServerThread(create_app(app), port=tarazu_port).start()
    platform_app, _ = build_platform(home / "platform.db", settings.webhook_secret, files.data,
                                     tarazu.url, token)
    platform = ServerThread(platform_app, port=platform_port).start()
    worker = JobThread(app).start()  # the worker role: decisions reach the platform
    try:
        yield Stack(app, tarazu, platform)
    finally:
        worker.stop()
        platform.stop()
        tarazu.stop()
        app.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """A full-page screenshot into var/screenshots/ (ignored by git) to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def artefacts(request: pytest.FixtureRequest) -> Path:
    """This test's screenshot folder, ``var/artefacts/screenshots/<test name>/``, emptied
    first so that what it holds is one run's steps, in order."""
    folder = ARTEFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
