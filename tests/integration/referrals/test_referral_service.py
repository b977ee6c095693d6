"""The referral import command on SQLite. The use case itself (evidence, duplicates, events, the
response document) is tested on the in-memory unit of work:
tests/unit/service/test_referrals_in_memory.py."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tarazu.referrals.model import Outcome
from tests.integration.referrals.helpers import document, item, seed_platform


def test_cli_import_writes_one_line_per_item(sqlite_app, tmp_path, monkeypatch):
    from tarazu.entrypoints.cli import app as cli

    seed_platform(sqlite_app)
    path = tmp_path / "req.json"
    path.write_text(document("R-9", [item("acc0"), item("acc1", group="Unknown Front")]),
                    encoding="utf-8")
    out = tmp_path / "out.jsonl"
    monkeypatch.setenv("TARAZU_HOME", str(sqlite_app.settings.home))
    monkeypatch.setenv("TARAZU_COOKIE_SECURE", "0")
    r = CliRunner().invoke(cli, ["referrals", "import", str(path), "--out", str(out)])
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(x["line"], x["account"], x["outcome"], x["reasons"]) for x in lines] == [
        (1, "@acc0", Outcome.ACCEPTED.value, []),
        (2, "@acc1", Outcome.REFUSED.value, ["no_designation"])]
