"""``tarazu protected``: the protected-accounts registry."""

from __future__ import annotations

from pathlib import Path

import typer

from tarazu.entrypoints.cli.common import console, fail, get_app, print_json, progress_bar
from tarazu.service import protected
from tarazu.textfiles import read_text

app = typer.Typer(help="Protected accounts (journalists, NGOs, officials...).",
                  no_args_is_help=True)


@app.command("import")
def import_cmd(path: Path = typer.Argument(..., exists=True, dir_okay=False,
                                          help="CSV: platform,account,category,note"),
               source: str = typer.Option("imported_list", help="where the list comes from"),
               added_by: str = typer.Option("cli", help="who imports it")) -> None:
    """Import a list of protected accounts. Bad rows are reported by line and field and
    skipped; re-importing adds nothing."""
    app_ = get_app()
    decoded = read_text(path)
    text = decoded.text
    try:
        with progress_bar(f"protect {path.name}", max(0, text.count("\n") - 1)) as bar:
            r = protected.import_csv(app_.uow, app_.clock, text, added_by, source,
                                     progress=lambda n: bar.advance(0, n),
                                     unreadable=decoded.problems)
    except protected.ProtectError as e:
        fail(f"{path.name}: {e}")
        return
    for err in r.errors:
        console.print(f"[yellow]{path.name}:[/yellow] {err}")
    print_json({"added": r.added, "already_protected": r.already, "errors": len(r.errors)})
    if r.errors:
        raise typer.Exit(2)


@app.command("list")
def list_cmd() -> None:
    """Print the registry as JSON."""
    print_json(protected.listing(get_app().uow))
