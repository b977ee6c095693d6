"""Shared CLI plumbing: the app container, progress bars and error exits."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tarazu.bootstrap import App, bootstrap

console = Console(stderr=True)


def get_app(migrate: bool = True) -> App:
    from tarazu.adapters.db.engine import SchemaOutOfDate

    try:
        return bootstrap(migrate=migrate)
    except SchemaOutOfDate as e:
        fail(str(e))
        raise  # unreachable


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
