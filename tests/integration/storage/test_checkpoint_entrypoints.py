"""Checkpoints are taken without anyone remembering to: after a CLI command that appended
events (the served app's periodic job: tests/integration/web/test_audit_checkpoints_web.py);
``audit verify`` holds the chain to the latest one."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tarazu.entrypoints.cli import app as cli
from tests.integration.due_process.conftest import add_account
from tests.integration.storage.test_checkpoints import _delete_tail


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_a_command_that_appends_events_signs_a_checkpoint_and_verify_holds_to_it(
        sqlite_app, monkeypatch, tmp_path):
    monkeypatch.setenv("TARAZU_HOME", str(sqlite_app.settings.home))
    monkeypatch.setenv("TARAZU_COOKIE_SECURE", "0")
    for a in ("c1", "c2", "c3"):
        add_account(sqlite_app, a)
    listing = tmp_path / "protected.csv"
    listing.write_text("platform,account,category,note\nx,c1,journalist,\nx,c2,journalist,\n"
                       "x,c3,journalist,\n")
    r = _run("protected", "import", str(listing))
    assert r.exit_code == 0, r.output
    log = sqlite_app.checkpoints()
    cps = log.read()
    assert len(cps) == 1 and cps[0].seq == 3  # signed on exit, without being asked
    r = _run("audit", "verify")
    assert r.exit_code == 0 and json.loads(r.stdout)["checkpoint"]["seq"] == 3
    r = _run("audit", "public-key")
    assert r.exit_code == 0 and r.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    pub = tmp_path / "published.pem"
    pub.write_text(r.stdout)
    # an administrator deletes the last event and moves the head back
    _delete_tail(sqlite_app, keep=2)
    r = _run("audit", "verify", "--public-key", str(pub))
    assert r.exit_code == 1
    out = json.loads(r.stdout)
    assert out["first_bad_event"] == 3 and "removed from the end" in out["reason"]
    r = _run("audit", "checkpoint")
    assert r.exit_code == 1 and "no checkpoint taken" in r.output
    assert len(log.read()) == 1
