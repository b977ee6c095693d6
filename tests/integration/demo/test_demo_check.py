"""``tarazu demo --check``: the whole demo pipeline on a fresh home, and again (idempotent)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tarazu.entrypoints.cli import app as cli


def test_demo_check_runs_the_pipeline_and_prints_counts(tmp_path, monkeypatch):
    monkeypatch.delenv("TARAZU_DATABASE_URL", raising=False)
    runner = CliRunner()
    env = {"TARAZU_HOME": str(tmp_path), "TARAZU_DATABASE_URL": ""}
    first = runner.invoke(cli, ["demo", "--check"], env=env)
    assert first.exit_code == 0, first.output
    out = json.loads(first.stdout[first.stdout.index("{"):])
    assert out["accounts"] > 800 and out["posts"] > 2000
    assert out["referral_items"] == 481
    outcomes = out["referral_outcomes"]
    assert sum(outcomes.values()) == 481
    assert {"accepted", "escalated", "returned", "refused"} <= set(outcomes)
    assert outcomes["accepted"] > 200  # most items name designated-group accounts properly
    assert out["open_cases_by_queue"]["government"] == outcomes["accepted"]
    assert out["open_cases_by_queue"]["senior"] == outcomes["escalated"]  # journalists etc.
    assert out["chain"]["verified"] is True and out["chain"]["events"] > 481
    assert (tmp_path / "demo" / "data.jsonl").exists()
    assert (tmp_path / "demo" / "tarazu.db").exists() and not (tmp_path / "tarazu.db").exists()

    again = runner.invoke(cli, ["demo", "--check"], env=env)
    assert again.exit_code == 0, again.output
    out2 = json.loads(again.stdout[again.stdout.index("{"):])
    assert out2["pipeline"]["referrals"]["already_imported"] is True
    assert out2["pipeline"]["ingest"].get("accounts_added", 0) == 0
    assert out2["referral_outcomes"] == outcomes and out2["chain"] == out["chain"]
