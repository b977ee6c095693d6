"""The transparency report over a real store (SQLite and PostgreSQL): figures of a known run of
the services, the same figures after every projection table is emptied (the report reads the
event log alone), and the command's formats agreeing with each other."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from sqlalchemy import delete
from typer.testing import CliRunner

from tarazu.adapters.db.tables import metadata
from tarazu.domain.policies import Action
from tarazu.entrypoints.cli import app as cli
from tarazu.service.transparency import transparency_report
from tarazu.transparency import SHEETS, Period
from tests.integration.due_process.conftest import (
    add_account,
    decide_confirmed,
    flag_mirror,
    report,
    reversed_on_appeal,
)

YEAR = Period(date(2025, 1, 1), date(2025, 12, 31))
KEEP = {"moderation_events", "chain_head", "alembic_version"}


def _known_run(app):
    """Two government referrals (one removed, then reversed on appeal; one no action), a
    public report labelled, and a mirror flag confirmed by reviewers."""
    gov1, gov2 = add_account(app, "g1"), add_account(app, "g2")
    pub, mir = add_account(app, "p1"), add_account(app, "m1")
    report(app, gov1)
    report(app, gov2)
    report(app, pub, source="public", category="terrorism", reporter="r1")
    flag_mirror(app, mir, "x:old")
    removal = decide_confirmed(app, gov1, Action.REMOVE, "DOI-1")
    decide_confirmed(app, gov2, Action.NO_ACTION, "DOI-1")
    decide_confirmed(app, pub, Action.LABEL, "DOI-2")
    decide_confirmed(app, mir, Action.REMOVE, "EVA-1")
    reversed_on_appeal(app, gov1, removal.decision_id)


def test_figures_of_a_known_run_and_rebuilt_from_the_log_alone(app):
    _known_run(app)
    with app.uow() as uow:
        doc = transparency_report(uow, YEAR, exact=True)
    a = doc["actions"]
    assert a["total"] == 3 and a["decided_without_action"] == 1
    assert a["by_type"] == {"label": 1, "remove": 2}
    assert a["by_detection_source"] == {"automated": 1, "government": 1, "public": 1}
    assert doc["notices"]["by_source"] == {"government": 2, "trusted_flagger": 0, "public": 1,
                                           "automated": 0}
    assert doc["mirror_detection"]["reviewed"] == 1
    assert doc["mirror_detection"]["measured_precision"] == 1.0
    assert doc["appeals"]["filed"] == 1 and doc["appeals"]["reversed"] == 1
    assert doc["public_reports"]["led_to_action"] == 1
    assert doc["source"]["chain_head_seq"] == doc["source"]["events_read"]

    with app.uow() as uow:  # every projection gone: only the log is left
        for table in reversed(metadata.sorted_tables):
            if table.name not in KEEP:
                uow.conn.execute(delete(table))
        uow.commit()
    with app.uow() as uow:
        assert transparency_report(uow, YEAR, exact=True) == doc


def test_outside_the_period_nothing_counts(app):
    _known_run(app)
    with app.uow() as uow:
        doc = transparency_report(uow, Period(date(2024, 1, 1), date(2024, 12, 31)))
    assert doc["actions"]["total"] == 0 and doc["appeals"]["filed"] == 0
    assert doc["series"]["actions"] == [0] * 12


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_the_command_writes_json_csv_html_and_the_annex_that_agree(sqlite_app, monkeypatch,
                                                                   tmp_path):
    monkeypatch.setenv("TARAZU_HOME", str(sqlite_app.settings.home))
    _known_run(sqlite_app)
    period = ["--from", "2025-01-01", "--to", "2025-12-31"]
    r = _run("report", "transparency", *period)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["actions"]["total"] == 3 and doc["banding"]["band"] == "1–9"
    assert doc["appeals"]["reversed"] == "1–9"  # one reversed appeal could point at a person

    r = _run("report", "transparency", *period, "--format", "csv")
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["section", "metric", "key", "value"]
    assert ["actions", "by_type", "remove", "2"] in rows

    html = tmp_path / "r.html"
    r = _run("report", "transparency", *period, "--format", "html", "--lang", "ur",
             "--out", str(html))
    assert r.exit_code == 0, r.output
    page = html.read_text(encoding="utf-8")
    assert 'dir="rtl"' in page and "شفافیت رپورٹ" in page
    assert 'data-figure=\'["actions", "total"]\'>3<' in page

    folder = tmp_path / "annex"
    r = _run("report", "transparency", *period, "--format", "annex", "--out", str(folder),
             "--provider", "Example Platform")
    assert r.exit_code == 0, r.output
    for sheet in SHEETS:
        with open(folder / f"{sheet.name}.csv", encoding="utf-8") as f:
            assert next(csv.reader(f)) == sheet.header()
    def sheet(name: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO((folder / name).read_text(encoding="utf-8"))))

    assert sheet("complaints_art20.csv")[1][1] == "1"  # complaints received, exact
    assert sheet("own_initiative.csv")[1][1:4] == ["human review", "remove", "1"]
    assert "Tehrik-e-Taliban Pakistan" in page  # the designations in use are listed
    mapping = sheet("mapping.csv")
    assert len(mapping) - 1 == sum(len(s.columns) for s in SHEETS)
    assert json.loads((folder / "figures.json").read_text(encoding="utf-8")) == doc


def test_bad_periods_are_named_not_tracebacks(sqlite_app, monkeypatch):
    monkeypatch.setenv("TARAZU_HOME", str(sqlite_app.settings.home))
    r = _run("report", "transparency", "--from", "2025-13-01", "--to", "2025-12-31")
    assert r.exit_code == 1 and "--from" in r.output and "Traceback" not in r.output
    r = _run("report", "transparency", "--from", "2025-02-01", "--to", "2025-01-01")
    assert r.exit_code == 1 and "before it starts" in r.output
    r = _run("report", "transparency", "--from", "2025-01-01", "--to", "2025-01-31",
             "--format", "annex")
    assert r.exit_code == 1 and "--out" in r.output
