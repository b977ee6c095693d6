"""The hash-bank API over HTTP: roles, matches with hash and metadata, live bank changes,
negative banks, feedback; and the CLI end to end."""

from __future__ import annotations

import csv

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tarazu.entrypoints.cli import app as cli
from tarazu.signals.pdq import PdqSignal
from tests.conftest import SHARED
from tests.integration.web.conftest import client, login, web  # noqa: F401

ORIG = PdqSignal.hash_bytes((SHARED / "testdata/pdq/bridge-mods/aaa-orig.jpg").read_bytes())
BLUR = PdqSignal.hash_bytes((SHARED / "testdata/pdq/bridge-mods/blur-a-lot.jpg").read_bytes())


def _bank(app, name: str, **kw) -> int:
    with app.uow() as uow:
        b = uow.hashbanks.create_bank(name, by="admin", at=app.clock.now(), **kw)
        eid, _ = uow.hashbanks.add_entry(b, "pdq", ORIG.signal, by="admin", at=app.clock.now(),
                                         metadata={"ref": "case-17"})
        uow.commit()
    return eid


def test_reviewer_gets_matches_with_distance_hash_and_metadata(web, client):  # noqa: F811
    eid = _bank(web, "feed", designation_id="ttp")
    csrf = login(client, "reviewer")
    r = client.post("/api/hashes/match", json={"pdq": BLUR.signal},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    [m] = r.json()["matches"]
    assert m["entry_id"] == eid and m["bank"] == "feed" and m["matched_signal"] == ORIG.signal
    assert m["distance"] == PdqSignal.distance(ORIG.signal, BLUR.signal) <= 31
    assert m["metadata"] == {"ref": "case-17"} and m["designation_id"] == "ttp"
    banks = client.get("/api/banks").json()
    assert [(b["name"], b["entries"]) for b in banks] == [("feed", 1)]


def test_changes_to_banks_apply_to_the_next_lookup(web, client):  # noqa: F811
    eid = _bank(web, "feed")
    csrf = login(client, "senior_reviewer")
    h = {"X-CSRF-Token": csrf}
    assert client.post("/api/hashes/match", json={"pdq": BLUR.signal}, headers=h).json()[
        "matches"]
    _bank(web, "allow", negative=True)
    out = client.post("/api/hashes/match", json={"pdq": BLUR.signal}, headers=h).json()
    assert out["matches"] == [] and out["suppressed"][0]["entry_id"] == eid
    assert out["allowed_by"][0]["bank"] == "allow"
    with web.uow() as uow:
        uow.hashbanks.update_bank("allow", enabled=False)
        uow.hashbanks.update_bank("feed", thresholds={"pdq": 2})
        uow.commit()
    assert client.post("/api/hashes/match", json={"pdq": BLUR.signal}, headers=h).json() == {
        "matches": [], "suppressed": [], "allowed_by": []}
    matcher = client.app.state.hash_matcher
    assert matcher.full_builds == len(matcher.index_sizes())  # built once, then kept current


def test_an_admin_machine_token_may_match_and_bad_input_is_422(web):  # noqa: F811
    from tarazu.entrypoints.web.app import create_app

    _bank(web, "feed")
    with web.uow() as uow:
        admin = uow.users.by_name("admin")[0]
        uow.users.add_token(admin.id, "hma-client", "secret-token-1", web.clock.now())
        uow.commit()
    c = TestClient(create_app(web))
    auth = {"Authorization": "Bearer secret-token-1"}
    r = c.post("/api/hashes/match", headers=auth,
               json={"signals": [{"signal_type": "pdq", "signal": BLUR.signal}]})
    assert r.status_code == 200 and len(r.json()["matches"]) == 1
    r = c.post("/api/hashes/match", headers=auth, json={"pdq": "zz" * 32})
    assert r.status_code == 422 and "hexadecimal" in r.json()["detail"]
    assert c.post("/api/hashes/match", headers=auth, json={}).status_code == 422


def test_roles_outside_matching_are_refused(web, client):  # noqa: F811
    for role in ("auditor", "legal", "trusted_flagger", "requester"):
        c = TestClient(client.app)
        csrf = login(c, role)
        r = c.post("/api/hashes/match", json={"pdq": BLUR.signal},
                   headers={"X-CSRF-Token": csrf})
        assert r.status_code == 403, role
    c = TestClient(client.app)
    login(c, "auditor")
    assert c.get("/api/banks").status_code == 200
    assert TestClient(client.app).get("/api/banks").status_code == 401


def test_feedback_is_recorded_and_exported(web, client, tmp_path):  # noqa: F811
    eid = _bank(web, "feed", source="TCAP-style feed")
    csrf = login(client, "reviewer")
    r = client.post("/api/hashes/feedback", headers={"X-CSRF-Token": csrf},
                    json={"entry_id": eid, "verdict": "false_positive", "note": "a logo"})
    assert r.status_code == 200
    bad = client.post("/api/hashes/feedback", headers={"X-CSRF-Token": csrf},
                      json={"entry_id": eid, "verdict": "maybe"})
    assert bad.status_code == 422 and "verdict" in bad.json()["detail"]
    from tarazu.service.hashmatch import export_feedback

    with web.uow() as uow:
        text = export_feedback(uow, web.clock.now())
        again = export_feedback(uow, web.clock.now())
        uow.commit()
    rows = list(csv.DictReader(text.splitlines()))
    assert [(r["signal"], r["verdict"], r["source"], r["note"]) for r in rows] == [
        (ORIG.signal, "false_positive", "TCAP-style feed", "a logo")]
    assert again.count("\n") == 1  # header only: nothing new


def test_cli_create_import_match_scan(sqlite_app, tmp_path, monkeypatch):
    monkeypatch.setenv("TARAZU_HOME", str(sqlite_app.settings.home))
    run = CliRunner().invoke
    assert run(cli, ["banks", "create", "feed", "--threshold", "pdq=25",
                     "--source", "TCAP-style feed"]).exit_code == 0
    assert run(cli, ["banks", "create", "feed"]).exit_code == 1
    path = tmp_path / "hashes.csv"
    path.write_text("signal_type,signal,ref\n"
                    f"pdq,{ORIG.signal},r1\nvideo_md5,{'ab' * 16},r2\npdq,nothex,r3\n")
    r = run(cli, ["banks", "import", "feed", str(path)])
    assert r.exit_code == 0 and '"added": 2' in r.stdout and '"errors": 1' in r.stdout
    assert "line 4: field 'signal': pdq:" in r.stderr
    r = run(cli, ["banks", "match", str(SHARED / "testdata/pdq/bridge-mods/blur-a-lot.jpg")])
    assert r.exit_code == 0 and '"ref": "r1"' in r.stdout
    r = run(cli, ["hash", str(SHARED / "testdata/pdq/formats/I16.png")])
    assert '"quality": 36' in r.stdout and '"usable": false' in r.stdout
    r = run(cli, ["banks", "add", "feed", str(SHARED / "testdata/pdq/formats/I16.png")])
    assert r.exit_code == 0 and "quality 36 is too low" in r.stderr
    assert '"signal_type": "md5"' in r.stdout  # the md5 is still banked
    r = run(cli, ["banks", "scan"])
    assert r.exit_code == 0 and '"posts": 0' in r.stdout


def test_cli_set_add_remove_feedback_and_export(sqlite_app, tmp_path, monkeypatch):
    """Each bank command is committed when it succeeds and keeps nothing when it fails; an
    export that cannot be written leaves the verdicts to the next export."""
    monkeypatch.setenv("TARAZU_HOME", str(sqlite_app.settings.home))
    run = CliRunner().invoke
    assert run(cli, ["banks", "create", "feed"]).exit_code == 0
    r = run(cli, ["banks", "set", "feed", "--disable", "--threshold", "pdq=20"])
    assert r.exit_code == 0 and '"enabled": false' in r.stdout and '"pdq": 20' in r.stdout
    assert run(cli, ["banks", "set", "nope", "--enable"]).exit_code == 1
    r = run(cli, ["banks", "add", "nope", ORIG.signal, "--type", "pdq"])
    assert r.exit_code == 1 and "no bank named 'nope'" in r.stderr
    r = run(cli, ["banks", "add", "feed", ORIG.signal, "--type", "pdq", "--meta", "ref=r9"])
    assert r.exit_code == 0 and '"new": true' in r.stdout
    with sqlite_app.uow() as uow:
        (entry,) = uow.hashbanks.entries("pdq")
        assert dict(entry.metadata) == {"ref": "r9"}
    assert run(cli, ["banks", "feedback", str(entry.entry_id), "maybe"]).exit_code == 1
    r = run(cli, ["banks", "feedback", str(entry.entry_id), "true_positive", "--note", "ok"])
    assert r.exit_code == 0 and '"feedback_id"' in r.stdout
    unwritable = tmp_path / "a-directory"
    unwritable.mkdir()
    assert run(cli, ["banks", "export-feedback", str(unwritable)]).exit_code != 0
    out = tmp_path / "feedback.csv"
    assert run(cli, ["banks", "export-feedback", str(out)]).exit_code == 0
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert [(r["signal"], r["verdict"], r["note"]) for r in rows] == [
        (ORIG.signal, "true_positive", "ok")]
    assert run(cli, ["banks", "export-feedback", str(out)]).exit_code == 0
    assert out.read_text().count("\n") == 1  # header only: the verdict was exported once
    assert run(cli, ["banks", "remove", str(entry.entry_id)]).exit_code == 0
    assert run(cli, ["banks", "remove", str(entry.entry_id)]).exit_code == 1
    with sqlite_app.uow() as uow:
        assert list(uow.hashbanks.entries("pdq")) == []
        changes = [p["change"] for _, p in uow.events.payloads("setting_change")]
    assert changes == ["bank_created", "bank_updated", "bank_entry_added",
                       "bank_entry_removed"]
