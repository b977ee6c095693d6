"""``tarazu export``: statements of reasons for the DSA Transparency Database, Lumen-style
notices of government requests — each read from the event log. (The transparency report with
its counts is ``tarazu report transparency``.)

``--out FILE.jsonl`` writes one record per line; any other name writes one JSON document
(``{"statements": [...]}`` for ``dsa``, ready for the database's batch endpoint in chunks of
100; ``{"notices": [...]}`` for ``lumen``)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import typer

from tarazu.entrypoints.cli.common import console, fail, get_app, print_json
from tarazu.service import exports

app = typer.Typer(help="Transparency exports.", no_args_is_help=True)
SINCE = typer.Option(None, help="only what happened on or after this date (YYYY-MM-DD)")
OUT = typer.Option(..., help="file to write (.jsonl: one record per line)")


def _since(value: str | None):  # type: ignore[no-untyped-def]
    try:
        return exports.parse_since(value)
    except ValueError as e:
        fail(str(e))


def _write(out: Path, key: str, records: list[dict]) -> None:
    with open(out, "w", encoding="utf-8") as f:
        if out.suffix == ".jsonl":
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
        else:
            json.dump({key: records}, f, ensure_ascii=False, indent=2, sort_keys=True)
            f.write("\n")


@app.command("dsa")
def dsa_cmd(since: str | None = SINCE, out: Path = OUT) -> None:
    """Statements of reasons (DSA Transparency Database API fields), each validated against
    the packaged JSON Schema before it is written."""
    start = _since(since)
    a = get_app()
    validator = jsonschema.Draft202012Validator(exports.dsa_schema())
    records = exports.read_dsa_statements(a.uow, start)
    bad = [(r["puid"], e.message) for r in records for e in validator.iter_errors(r)]
    for puid, msg in bad[:20]:
        console.print(f"[red]{puid}:[/red] {msg}")
    if bad:
        fail(f"{len(bad)} schema errors; nothing written")
    _write(out, "statements", records)
    print_json({"statements": len(records), "out": str(out)})


@app.command("lumen")
def lumen_cmd(since: str | None = SINCE, out: Path = OUT) -> None:
    """Notices of government removal requests, Lumen style (works redacted)."""
    start = _since(since)
    a = get_app()
    records = exports.read_lumen_notices(a.uow, start)
    _write(out, "notices", records)
    print_json({"notices": len(records), "out": str(out)})
