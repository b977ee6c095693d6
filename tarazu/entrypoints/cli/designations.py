"""`tarazu designations`: import designation lists, list and show what is stored."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from tarazu.designations.importers import detect_format, read_ftm_jsonl, read_un_xml
from tarazu.designations.model import Designation, ListProblem
from tarazu.designations.registry import DesignationRegistry, packaged_designations
from tarazu.entrypoints.cli.common import console, fail, get_app, print_json
from tarazu.textfiles import read_text

app = typer.Typer(help="Designated organisations and their listings.", no_args_is_help=True)


def stored_registry() -> DesignationRegistry:
    """Designations in the database; the packaged list when none were imported yet."""
    from tarazu.adapters.db.designations import DesignationRepository

    with get_app().engine.connect() as conn:
        registry = DesignationRepository(conn).registry()
    return registry if len(registry) else DesignationRegistry(packaged_designations())


def describe(d: Designation, registry: DesignationRegistry) -> dict[str, object]:
    data = asdict(d)
    data["aliases"] = [{"name": a.name, "kind": a.kind.value, "lang": a.lang, "script": a.script}
                       for a in d.aliases]
    data["listings"] = [{**asdict(x), "authority": x.authority.value, "in_force": x.in_force}
                        for x in d.listings]
    data["effective_listings"] = [x.reference or x.list_name
                                  for x in registry.effective_listings(d)]
    data["domestic_list_only"] = registry.domestic_list_only(d)
    return data


@app.command("import")
def import_cmd(path: Path = typer.Argument(..., exists=True, dir_okay=False,
                                           help="FtM JSON lines or UN consolidated list XML")
               ) -> None:
    """Import a list file; importing the same file again changes nothing."""
    from tarazu.adapters.db.designations import DesignationRepository

    raw = path.read_bytes()
    decoded = read_text(path)
    try:
        fmt = detect_format(decoded.text if decoded.text.lstrip().startswith("{")
                            else raw[:4096].decode("utf-8", errors="replace"))
        if fmt == "un_xml":  # parsed from the bytes: the XML declaration names the encoding
            items, problems = read_un_xml(raw)
        else:
            items, problems = read_ftm_jsonl(decoded.text)
            problems = [ListProblem(f"line {p.line}", p.message) for p in decoded.problems
                        ] + problems
    except ValueError as exc:
        fail(f"{path.name}: {exc}")
        return
    for problem in problems:
        console.print(f"[yellow]{path.name}:[/yellow] {problem}")
    with get_app().engine.begin() as conn:
        added, updated = DesignationRepository(conn).upsert_all(items)
    console.print(f"{path.name}: {fmt}, {len(items)} designations ({added} new, {updated} updated)"
                  + (f", {len(problems)} not imported" if problems else ""))
    if problems:
        raise typer.Exit(2)


@app.command("list")
def list_cmd(packaged: bool = typer.Option(False, help="list the shipped file, not the database")
             ) -> None:
    """One line per designation: id, name, listings in force, domestic-only flag."""
    registry = DesignationRegistry(packaged_designations()) if packaged else stored_registry()
    print_json([{"id": d.id, "name": d.name, "kind": d.kind, "parent_id": d.parent_id,
                 "listings_in_force": len(registry.effective_listings(d)),
                 "domestic_list_only": registry.domestic_list_only(d)} for d in registry])


@app.command("show")
def show_cmd(designation_id: str, packaged: bool = typer.Option(False)) -> None:
    """Everything stored about one designation."""
    registry = DesignationRegistry(packaged_designations()) if packaged else stored_registry()
    found = registry.get(designation_id)
    if found is None:
        fail(f"no designation {designation_id!r}")
        return
    print_json(describe(found, registry))
