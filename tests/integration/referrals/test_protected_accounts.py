"""Protected accounts end to end: lists imported from CSV (bad rows named, good kept), staff
marking, and no action against a protected account without a senior reviewer, never an
automatic one, always with a second senior's confirmation."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tarazu.domain.case import DueProcessError
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.policies import Action
from tarazu.referrals.parse import parse_json
from tarazu.service import decisions, protected, referrals
from tests.integration.referrals.helpers import document, item, seed_platform

CSV = ("platform,account,category,note\n"
       "x,@acc0,journalist,press club list\n"
       "x,@nobody,journalist,\n"
       "x,@acc1,anti_state,\n"
       "x,https://x.com/acc1,ngo,rights group\n")


def test_a_protected_list_is_imported_with_bad_rows_named_and_good_ones_kept(app):
    seed_platform(app, journalist=None)
    r = protected.import_csv(app.uow, app.clock, CSV, added_by="legal")
    assert (r.added, r.already) == (2, 0)
    assert r.errors == [
        "line 3: field 'account': no account '@nobody' on platform 'x'",
        "line 4: field 'category': 'anti_state' is not one of human_rights_defender, "
        "journalist, lawyer, news_organisation, ngo, official, politician, researcher"]
    again = protected.import_csv(app.uow, app.clock, CSV, added_by="legal")
    assert (again.added, again.already) == (0, 2)
    listed = {(p["account_id"], p["category"]) for p in protected.listing(app.uow)}
    assert listed == {("id-acc0", "journalist"), ("id-acc1", "ngo")}
    with app.uow() as uow:
        notes = [e for e in uow.events.for_subject(SubjectRef.account("x", "id-acc0"))
                 if e.kind is EventKind.NOTE]
    assert notes[0].payload["protected"] == "journalist" and notes[0].actor == "legal"


def test_cli_protected_import_and_list(sqlite_app, tmp_path, monkeypatch):
    from tarazu.entrypoints.cli import app as cli

    seed_platform(sqlite_app, journalist=None)
    path = tmp_path / "list.csv"
    path.write_text(CSV, encoding="utf-8")
    monkeypatch.setenv("TARAZU_HOME", str(sqlite_app.settings.home))
    runner = CliRunner()
    r = runner.invoke(cli, ["protected", "import", str(path)])
    assert r.exit_code == 2  # some rows were bad
    assert json.loads(r.stdout) == {"added": 2, "already_protected": 0, "errors": 2}
    r = runner.invoke(cli, ["protected", "list"])
    assert r.exit_code == 0
    assert {p["account_id"] for p in json.loads(r.stdout)} == {"id-acc0", "id-acc1"}


def _refer(app, handle: str, request_id: str = "R-1"):
    doc = document(request_id, [item(handle)])
    request, errors = parse_json(doc, app.clock.now())
    return referrals.import_request(app.uow, app.clock, request, errors, doc.encode(),
                                    app.designation_lookup(), submitted_by="requester")


def test_only_senior_reviewers_act_on_a_protected_account_and_never_automatically(app):
    seed_platform(app)  # "journo" is verified by the platform as a journalist
    res = _refer(app, "journo")
    assert res.results[0].reasons[-1].value == "protected_target"
    ref = SubjectRef.account("x", "id-journo")
    with app.uow() as uow:
        assert uow.status.get(ref).queue == "senior"
        kw = dict(subject=ref, action=Action.REMOVE, policy="DOI-1", reason="placeholder")
        with pytest.raises(DueProcessError, match="no automatic action"):
            decisions.decide(uow, app.clock, actor="system:auto", actor_is_senior=True, **kw)
        with pytest.raises(DueProcessError, match="senior"):
            decisions.decide(uow, app.clock, actor="rev1", **kw)
        out = decisions.decide(uow, app.clock, actor="senior1", actor_is_senior=True, **kw)
        assert out.status == "pending"  # a second senior reviewer must confirm
        with pytest.raises(DueProcessError, match="senior"):
            decisions.confirm(uow, app.clock, subject=ref, actor="rev2",
                              decision_id=out.decision_id)
        done = decisions.confirm(uow, app.clock, subject=ref, actor="senior2",
                                 decision_id=out.decision_id, actor_is_senior=True)
        uow.commit()
    assert done.status == "applied"


def test_staff_protection_moves_an_open_case_to_senior_review(app):
    seed_platform(app, journalist=None)
    _refer(app, "acc2")
    ref = SubjectRef.account("x", "id-acc2")
    with app.uow() as uow:
        assert uow.status.get(ref).queue != "senior"
    assert protected.protect(app.uow, app.clock, platform="x", account="@acc2",
                             category="human_rights_defender", source="staff",
                             added_by="senior1", note="placeholder")
    with app.uow() as uow:
        row = uow.status.get(ref)
        assert row.queue == "senior" and row.protected
        with pytest.raises(DueProcessError):
            decisions.decide(uow, app.clock, subject=ref, actor="rev1", action=Action.LABEL,
                             policy="DOI-1", reason="placeholder")
