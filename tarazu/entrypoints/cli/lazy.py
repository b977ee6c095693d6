"""Sub-commands that are imported only when they run.

Why: the sub-apps import numpy, scikit-learn, SQLAlchemy, FastAPI and the linker at module
level; importing all of them made ``tarazu --help`` take seconds. The root group knows each
sub-command by name, the import path of its Typer app or function, and the one-line help the
root listing shows; the module is imported only when that sub-command is resolved to run (or
to print its own help). This is Click's documented lazy-group pattern (``get_command`` /
``list_commands`` of a ``Group`` subclass), adapted so that the root's help lists the commands
without importing any of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:
    from typer import _click  # the Click that Typer bundles, whose types TyperGroup uses


@dataclass(frozen=True)
class LazyCommand:
    """One root sub-command: ``target`` is ``"module:attribute"`` naming a ``typer.Typer``
    (a group of commands) or a command function; ``help`` is the line the root listing shows."""

    name: str
    target: str
    help: str

    def load(self) -> _click.Command:
        """Import the target and turn it into the Click command Typer would have built for
        ``app.add_typer(sub, name=...)`` or ``app.command(name)(function)``."""
        module_name, _, attribute = self.target.partition(":")
        obj = getattr(importlib.import_module(module_name), attribute)
        if isinstance(obj, typer.Typer):
            command: _click.Command = typer.main.get_group(obj)
        else:
            single = typer.Typer(add_completion=False)
            single.command(self.name)(obj)
            command = typer.main.get_command(single)
        command.name = self.name
        return command


class _Listed(TyperCommand):
    """What the root's help and shell completion see before a sub-command is loaded: its name
    and help line, nothing to run (``LazyGroup.resolve_command`` loads the real one)."""


class LazyGroup(TyperGroup):
    """A Typer group whose sub-commands (``commands_table``, in listing order) are imported
    on first use. Subclass it and set ``commands_table``."""

    commands_table: Sequence[LazyCommand] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = {entry.name: entry for entry in self.commands_table}
        for entry in self.commands_table:
            self.commands[entry.name] = _Listed(name=entry.name, help=entry.help)

    def load(self, name: str) -> _click.Command | None:
        """The real command ``name`` (imported now if it was not yet)."""
        entry = self._lazy.pop(name, None)
        if entry is not None:
            self.commands[name] = entry.load()
        return self.commands.get(name)

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        cmd_name, cmd, rest = super().resolve_command(ctx, args)
        if cmd_name is not None and isinstance(cmd, _Listed):
            cmd = self.load(cmd_name)
        return cmd_name, cmd, rest
