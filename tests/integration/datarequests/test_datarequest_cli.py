"""`tarazu datarequests import` and `notify-due` as an operator runs them."""

import json

from typer.testing import CliRunner

from tarazu.entrypoints.cli import app as cli
from tests.unit.datarequests.samples import doc


def test_import_refuses_with_reasons_and_names_bad_fields(tmp_path, monkeypatch):
    monkeypatch.setenv("TARAZU_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TARAZU_DATABASE_URL", raising=False)
    runner = CliRunner()
    letter = tmp_path / "letter.json"
    letter.write_text(json.dumps(doc(instrument__issuer="Ministry of Interior")))
    r = runner.invoke(cli, ["datarequests", "import", str(letter), "--platform", "x"])
    assert r.exit_code == 2, r.output
    out = json.loads(r.stdout)
    assert out["status"] == "refused" and "non_judicial_instrument" in out["checks"]["reasons"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(doc(request_id="R2", categories=["dna"])))
    r = runner.invoke(cli, ["datarequests", "import", str(broken)])
    assert r.exit_code == 1 and "categories[0]" in r.output
    r = runner.invoke(cli, ["datarequests", "notify-due"])
    assert r.exit_code == 0 and json.loads(r.stdout)["notices"] == 0
    r = runner.invoke(cli, ["datarequests", "counts", "--since", "2025-01-01"])
    assert r.exit_code == 0 and json.loads(r.stdout)["refused"] == 1
