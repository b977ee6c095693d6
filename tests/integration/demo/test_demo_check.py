"""``tarazu demo --check``: the whole demo pipeline on a fresh home; and the loading steps are
idempotent, so running the demo again changes nothing; the demo's users and the platform's
token are stored together."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tarazu.demo.pipeline import ingest_step, referral_step
from tarazu.demo.scenario import SMALL, generate
from tarazu.entrypoints.cli import app as cli
from tarazu.entrypoints.cli.demo import DEMO_USERS, PLATFORM_USER, create_users
from tarazu.service.users import user_subject


def test_demo_check_runs_the_pipeline_and_prints_counts(tmp_path):
    env = {"TARAZU_HOME": str(tmp_path), "TARAZU_DATABASE_URL": "postgresql://not-used/x"}
    result = CliRunner().invoke(cli, ["demo", "--check"], env=env)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout[result.stdout.index("{"):])
    assert out["accounts"] > 800 and out["posts"] > 2000
    assert out["referral_items"] == 481
    outcomes = out["referral_outcomes"]
    assert sum(outcomes.values()) == 481
    assert {"accepted", "escalated", "returned", "refused"} <= set(outcomes)
    assert outcomes["accepted"] > 200  # most items name designated-group accounts properly
    queues = out["open_cases_by_queue"]
    # later pipeline steps (the mirror scan) may decide or re-route some accepted cases
    assert 0 < queues["government"] <= outcomes["accepted"]
    assert queues["senior"] >= outcomes["escalated"]  # journalists and domestic-only listings
    assert out["chain"]["verified"] is True and out["chain"]["events"] > 481
    # the demo's own SQLite in its own folder, whatever TARAZU_DATABASE_URL says
    assert (tmp_path / "demo" / "data.jsonl").exists()
    assert (tmp_path / "demo" / "tarazu.db").exists()


def test_loading_the_scenario_again_changes_nothing(sqlite_app, tmp_path):
    files = generate(3, tmp_path, SMALL)
    first = (ingest_step(sqlite_app, files), referral_step(sqlite_app, files))
    with sqlite_app.uow() as uow:
        head = uow.events.head()
    again = (ingest_step(sqlite_app, files), referral_step(sqlite_app, files))
    assert first[0]["accounts_added"] == len(files.scenario.accounts)
    assert again[0].get("accounts_added", 0) == 0 and again[0].get("posts_added", 0) == 0
    assert again[1]["already_imported"] is True and first[1]["items"] == SMALL.referrals
    with sqlite_app.uow() as uow:
        assert uow.events.head() == head


def test_the_demo_users_and_the_platform_token_are_stored(sqlite_app):
    passwords, token = create_users(sqlite_app)
    assert set(passwords) == set(DEMO_USERS)
    with sqlite_app.uow() as uow:
        stored = {u.username: u.roles for u in uow.users.all()}
        platform = uow.users.by_token(token)
        changes = [e.payload["change"] for e in
                   uow.events.for_subject(user_subject(PLATFORM_USER))]
    assert all(stored[name] == frozenset({role}) for name, role in DEMO_USERS.items())
    assert platform is not None and platform.username == PLATFORM_USER
    assert changes == ["user_added", "token_issued"]
