"""The due-process commands on a real database: expire, notify, queues, appeals, exports
(the DSA file validates against the schema), audit anchor / check-anchor."""

from __future__ import annotations

import json

import jsonschema
from sqlalchemy import update
from typer.testing import CliRunner

from tarazu.adapters.db.tables import moderation_events
from tarazu.domain.policies import Action
from tarazu.entrypoints.cli import app as cli
from tarazu.service import decisions, exports
from tests.integration.due_process.conftest import add_account, report


def _run(*args: str):
    r = CliRunner().invoke(cli, list(args))
    return r


def test_due_process_commands(sqlite_app, monkeypatch, tmp_path):
    monkeypatch.setenv("TARAZU_HOME", str(sqlite_app.settings.home))
    monkeypatch.setenv("TARAZU_COOKIE_SECURE", "0")
    ref = add_account(sqlite_app, "c1")
    report(sqlite_app, ref)
    with sqlite_app.uow() as uow:  # the CLI's clock is the wall clock: end in the past
        decisions.decide(uow, sqlite_app.clock, subject=ref, actor="rev1",
                         action=Action.SUSPEND, policy="DOI-1", reason="r", until="2025-07-26")
        uow.commit()
    r = _run("cases", "notify")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["sent"] == 1
    r = _run("cases", "expire")
    assert r.exit_code == 0 and json.loads(r.stdout)["expired"] == 1
    r = _run("cases", "queues")
    assert {q["queue"] for q in json.loads(r.stdout)} >= {"appeals", "government", "senior"}
    assert _run("appeals", "list").exit_code == 0
    shown = _run("appeals", "show", "account/x:c1")
    assert shown.exit_code == 0 and json.loads(shown.stdout) == []

    out = tmp_path / "sor.jsonl"
    r = _run("export", "dsa", "--since", "2025-07-01", "--out", str(out))
    assert r.exit_code == 0, r.output
    [record] = [json.loads(line) for line in out.read_text().splitlines()]
    jsonschema.validate(record, exports.dsa_schema())
    assert record["decision_account"] == "DECISION_ACCOUNT_SUSPENDED"
    assert _run("export", "dsa", "--since", "yesterday", "--out", str(out)).exit_code != 0
    r = _run("report", "transparency", "--from", "2025-01-01", "--to", "2025-12-31", "--out",
             str(tmp_path / "t.json"))
    assert r.exit_code == 0
    assert json.loads((tmp_path / "t.json").read_text())["actions"]["total"] == 1
    r = _run("export", "lumen", "--out", str(tmp_path / "l.json"))
    assert r.exit_code == 0 and json.loads((tmp_path / "l.json").read_text()) == {"notices": []}

    anchor = tmp_path / "anchor.json"
    r = _run("audit", "anchor", "--out", str(anchor))
    assert r.exit_code == 0, r.output
    doc = json.loads(anchor.read_text())
    assert set(doc) == {"format", "seq", "hash", "time", "count"}
    assert _run("audit", "check-anchor", str(anchor)).exit_code == 0
    with sqlite_app.uow() as uow:
        uow.conn.execute(update(moderation_events).where(moderation_events.c.seq == 1)
                         .values(payload='{"source":"forged"}'))
        uow.commit()
    r = _run("audit", "check-anchor", str(anchor))
    assert r.exit_code == 1 and json.loads(r.stdout)["ok"] is False
