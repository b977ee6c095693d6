"""`tarazu screen` (texts against designated names) and `tarazu names score` (CSV of pairs)."""

from __future__ import annotations

import csv
from pathlib import Path

import typer

from tarazu.designations.registry import DesignationRegistry, packaged_designations
from tarazu.designations.screening import Screener
from tarazu.entrypoints.cli.common import console, print_json
from tarazu.names.compare import DEFAULT_THRESHOLD, name_similarity

app = typer.Typer(help="Screening of texts against designated names.", no_args_is_help=True)
names_app = typer.Typer(help="Name matching.", no_args_is_help=True)


@app.command("screen")
def screen_cmd(texts: list[str] = typer.Argument(..., help="handles, names, bios or links"),
               packaged: bool = typer.Option(False, help="use the shipped list, not the db"),
               ) -> None:
    """Print, per text, the designation matches with score, alias matched, stance and reasons."""
    if packaged:
        registry = DesignationRegistry(packaged_designations())
    else:
        from tarazu.entrypoints.cli.designations import stored_registry

        registry = stored_registry()
    screener = Screener(registry)
    print_json([{"text": t, "best": (b.designation_id if (b := screener.best(t)) else None),
                 "matches": [h.as_dict() for h in screener.screen(t)]} for t in texts])


@names_app.command("score")
def score_cmd(pairs: Path = typer.Argument(..., exists=True, dir_okay=False,
                                           help="CSV with columns name1,name2"),
              out: Path = typer.Option(..., "--out", help="CSV to write"),
              threshold: float = typer.Option(DEFAULT_THRESHOLD, help="match threshold")) -> None:
    """Add `score` (0-1) and `match` (true/false) columns; other columns are kept."""
    with pairs.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        if not {"name1", "name2"} <= set(fields):
            raise typer.BadParameter("the CSV needs columns name1 and name2")
        rows = list(reader)
    fields += [f for f in ("score", "match") if f not in fields]
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            score = name_similarity(row["name1"] or "", row["name2"] or "",
                                    row.get("schema") or None)
            writer.writerow({**row, "score": f"{score:.4f}",
                             "match": "true" if score >= threshold else "false"})
    console.print(f"{len(rows)} pairs scored -> {out}")
