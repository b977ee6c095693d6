"""The CLI imports a sub-command's module only when that sub-command runs, and lists the same
commands, help lines and options as when everything was imported up front."""

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from tarazu.entrypoints.cli import TarazuCommands, app

HEAVY = ("numpy", "sklearn", "scipy", "sqlalchemy", "alembic", "fastapi", "followthemoney",
         "tarazu.linkage", "tarazu.signals", "tarazu.bootstrap")


def _modules_loaded_by(code: str, env: dict[str, str] | None = None) -> set[str]:
    code += "\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout
    return set(out.split())


def test_root_help_imports_no_heavy_dependency():
    loaded = _modules_loaded_by(
        "from tarazu.entrypoints.cli import app\n"
        "from typer.testing import CliRunner\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0")
    assert sorted(m for m in HEAVY if m in loaded) == []


@pytest.mark.parametrize("sub_app", ["platform", "db"])
def test_a_light_sub_apps_help_loads_only_its_own_module(sub_app):
    loaded = _modules_loaded_by(
        "from tarazu.entrypoints.cli import app\n"
        "from typer.testing import CliRunner\n"
        f"assert CliRunner().invoke(app, ['{sub_app}', '--help']).exit_code == 0")
    assert f"tarazu.entrypoints.cli.{sub_app}" in loaded
    assert "tarazu.entrypoints.cli.mirrors" not in loaded
    assert sorted(m for m in HEAVY if m in loaded) == []


def test_the_mirrors_help_loads_no_linker():
    """The linker loads numpy, scikit-learn and datasketch (seconds); the help of the mirror
    commands needs none of it."""
    loaded = _modules_loaded_by(
        "from tarazu.entrypoints.cli import app\n"
        "from typer.testing import CliRunner\n"
        "assert CliRunner().invoke(app, ['mirrors', '--help']).exit_code == 0")
    assert "tarazu.entrypoints.cli.mirrors_ops" in loaded
    assert sorted(m for m in HEAVY if m in loaded) == []


def test_the_mirrors_max_full_default_is_the_linkers():
    from tarazu.entrypoints.cli.mirrors import MAX_FULL
    from tarazu.linkage import LinkerConfig

    assert LinkerConfig.max_full == MAX_FULL


def test_db_status_loads_the_engine_but_not_the_service_layer(tmp_path):
    env = os.environ | {"TARAZU_HOME": str(tmp_path),
                        "TARAZU_DATABASE_URL": f"sqlite:///{tmp_path / 'status.db'}"}
    loaded = _modules_loaded_by(
        "from tarazu.entrypoints.cli import app\n"
        "from typer.testing import CliRunner\n"
        "result = CliRunner().invoke(app, ['db', 'status'])\n"
        "assert result.exit_code == 0 and '\"head\"' in result.output, result.output", env)
    assert "sqlalchemy" in loaded
    # the settings come from the composition root, which wires nothing when imported
    assert sorted(m for m in HEAVY + ("tarazu.service",)
                  if m in loaded and m not in ("sqlalchemy", "alembic", "tarazu.bootstrap")) == []


def test_importing_the_composition_root_wires_nothing():
    loaded = _modules_loaded_by("import tarazu.bootstrap")
    assert sorted(m for m in HEAVY + ("tarazu.service", "tarazu.adapters")
                  if m in loaded and m != "tarazu.bootstrap") == []


@pytest.mark.parametrize("entry", TarazuCommands.commands_table, ids=lambda e: e.name)
def test_listed_help_line_is_the_loaded_commands_own(entry):
    """The root listing shows the registry's line; it must be the command's own first
    paragraph, as the root showed when it imported everything."""
    real = entry.load()
    assert real.name == entry.name
    assert not real.hidden and not real.deprecated and real.short_help is None
    assert entry.help == (real.help or "").split("\n\n")[0].strip()


@pytest.mark.parametrize("entry", TarazuCommands.commands_table, ids=lambda e: e.name)
def test_every_sub_command_resolves_and_shows_its_own_help(entry):
    result = CliRunner().invoke(app, [entry.name, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"Usage: root {entry.name}" in result.output
    assert entry.help.split("\n")[0] in result.output


def test_root_help_lists_every_registered_command():
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    listed = [line.strip("│ ").split(" ")[0] for line in result.output.splitlines()
              if line.startswith("│ ") and not line.startswith("│  ")]
    commands = [w for w in listed if not w.startswith("-")]
    assert commands == [e.name for e in TarazuCommands.commands_table]
