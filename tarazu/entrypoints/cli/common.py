"""Shared CLI plumbing: the app container, progress bars and error exits."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from tarazu.bootstrap import App
    from tarazu.settings import Settings

console = Console(stderr=True)


_opened: list[App] = []  # the app the running command opened (for the checkpoint on exit)


def get_app(migrate: bool = True, settings: Settings | None = None) -> App:
    """The app, wired by the composition root (from ``settings``, else the environment's)."""
    from tarazu.adapters.db.engine import SchemaOutOfDate
    from tarazu.bootstrap import bootstrap

    try:
        app = bootstrap(settings, migrate=migrate)
    except SchemaOutOfDate as e:
        fail(str(e))
        raise  # unreachable
    if migrate:  # a command that does not ensure the schema does not write the log either
        _opened[:] = [app]
    return app


def checkpoint_on_exit(*_: object, **__: object) -> None:
    """After a command that completed: if it opened the database and the chain grew, sign a
    checkpoint of the new head (outside the database). A refusal is shown, never hidden: it
    means the chain no longer holds what an earlier checkpoint signed."""
    if not _opened:
        return
    from tarazu.service import audit  # only now: a command that opened no database stays light

    app = _opened.pop()
    try:
        cp = audit.take_checkpoint(app.uow, app.clock, app.checkpoints())
    except audit.CheckpointRefused as e:
        console.print(f"[red]audit checkpoint refused:[/red] {e}")
        return
    except Exception as e:  # the command's own work is done and committed: say, do not fail
        console.print(f"[red]audit checkpoint not taken:[/red] {e}")
        return
    if cp is not None:
        console.print(f"audit checkpoint #{cp.number}: event #{cp.seq} signed")


def cli_actor(by: str | None = None) -> str:
    """Who acts from the command line, for the event log: ``--by`` or ``cli:<login name>``."""
    return by or f"cli:{getpass.getuser()}"


def fail(message: str, code: int = 1) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Progress]:
    """A Rich progress bar on stderr (hidden when stderr is not a terminal)."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False,
                  disable=not console.is_terminal) as p:
        p.add_task(description, total=total)
        yield p
