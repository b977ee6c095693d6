"""``tarazu report transparency``: the transparency report of a period, from the event log.

``--format json`` (the figures document), ``csv`` (every figure as section, metric, key,
value), ``html`` (the printable report, English or Urdu) or ``annex`` (a folder: one CSV per
sheet of the EU harmonised template, the Santa Clara numbers, the mapping of each cell to the
event kinds that feed it, and the JSON). Standard output unless ``--out`` is given."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer

from tarazu.entrypoints.cli.common import console, fail, get_app
from tarazu.service.transparency import designations_in_use, read_report
from tarazu.transparency import (
    LONG_HEADER,
    Period,
    annex_sheets,
    long_rows,
    mapping_rows,
    santa_clara_rows,
    to_csv,
)

app = typer.Typer(help="Reports computed from the event log.", no_args_is_help=True)


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    HTML = "html"
    ANNEX = "annex"


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")


def _annex(doc: dict, out: Path, info: dict[str, str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for sheet, rows in annex_sheets(doc, info):
        (out / f"{sheet.name}.csv").write_text(to_csv(sheet.header(), rows), encoding="utf-8")
    (out / "santa_clara.csv").write_text(
        to_csv(["principle", "figure", "value", "from"], santa_clara_rows(doc)), encoding="utf-8")
    (out / "mapping.csv").write_text(
        to_csv(["sheet", "column", "computed from"], mapping_rows()), encoding="utf-8")
    (out / "figures.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8")
    console.print(f"wrote the annex sheets, santa_clara.csv, mapping.csv and figures.json to {out}")


@app.command("transparency")
def transparency_cmd(
    start: str = typer.Option(..., "--from", help="first day of the period (YYYY-MM-DD)"),
    end: str = typer.Option(..., "--to", help="last day of the period, included (YYYY-MM-DD)"),
    fmt: Format = typer.Option(Format.JSON, "--format", help="json, csv, html or annex"),
    out: Path | None = typer.Option(None, "--out",
                                    help="file to write (a folder for annex); default stdout"),
    lang: str = typer.Option("en", "--lang", help="language of the HTML report: en or ur"),
    exact: bool = typer.Option(False, "--exact",
                               help="no banding of small counts (internal and auditor use)"),
    provider: str = typer.Option("", "--provider", help="provider name for the annex"),
    service: str = typer.Option("", "--service", help="service name for the annex"),
) -> None:
    """The transparency report of a period, computed from the event log alone."""
    try:
        period = Period.parse(start, end)
    except ValueError as e:
        fail(str(e))
    if lang not in ("en", "ur"):
        fail(f"--lang: {lang!r} is not en or ur")
    if fmt is Format.ANNEX and out is None:
        fail("--format annex writes a folder: give it with --out")
    a = get_app()
    doc = read_report(a.uow, period, exact=exact)
    if fmt is Format.JSON:
        _emit(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", out)
    elif fmt is Format.CSV:
        _emit(to_csv(LONG_HEADER, long_rows(doc)), out)
    elif fmt is Format.HTML:
        from tarazu.entrypoints.web.transparency_view import render_report

        designations = designations_in_use(a.designation_registry())
        _emit(render_report(doc, lang=lang, designations=designations), out)
    else:
        assert out is not None
        _annex(doc, out, {"provider": provider, "service": service,
                          "published": datetime.now(UTC).date().isoformat()})
