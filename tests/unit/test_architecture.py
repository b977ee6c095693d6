"""The layering rules, checked on every test run: the core imports no adapter or entrypoint;
the service layer imports no adapter (it owns its ports); the demo imports no entrypoint (with
no exception); settings are read in the composition root only; an entrypoint never commits a
unit of work (the use case it calls owns its transaction) nor opens one (the use case or query
it calls does)."""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_core_imports_no_adapter_or_entrypoint():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is not installed in this environment"
    r = subprocess.run([exe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "0 broken" in r.stdout
    for contract in ("The service layer imports no adapter, entrypoint or driver KEPT",
                     "The demo and the demo platform import no entrypoint KEPT"):
        assert contract in r.stdout, f"contract missing from the configuration: {contract}"
    demo = next(line for line in r.stdout.splitlines()
                if line.startswith("The demo and the demo platform import no entrypoint"))
    assert "ignored" not in demo, demo


#: Reading the environment, or building settings from it.
ENV_READ = re.compile(r"\bos\.environ\b|\bos\.getenv\b|\bgetenv\(|Settings\.from_env\(")
#: Where that may happen: the settings themselves and the composition root; and the Spark
#: adapter, which sets (does not read) the interpreter its executors start.
MAY_READ = {"tarazu/settings.py", "tarazu/bootstrap.py", "tarazu/adapters/spark_scan.py"}


def test_settings_are_read_in_the_composition_root_only():
    found = [f"{p.relative_to(REPO)}:{n}: {line.strip()}"
             for p in sorted((REPO / "tarazu").rglob("*.py"))
             if str(p.relative_to(REPO)) not in MAY_READ
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if ENV_READ.search(line)]
    assert found == []


def _calls(path: Path, named: frozenset[str]) -> int:
    """Calls in ``path`` of a function or method whose name is in ``named`` (``uow.commit()``,
    ``app.uow()``, ``uow_factory()``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sum(1 for node in ast.walk(tree) if isinstance(node, ast.Call)
               and (node.func.attr if isinstance(node.func, ast.Attribute)
                    else getattr(node.func, "id", None)) in named)


def _entrypoints_calling(named: frozenset[str]) -> dict[str, int]:
    return {str(p.relative_to(REPO)): n
            for p in sorted((REPO / "tarazu" / "entrypoints").rglob("*.py"))
            if (n := _calls(p, named))}


def test_entrypoints_leave_the_commit_to_the_use_case():
    assert _entrypoints_calling(frozenset({"commit"})) == {}


def test_entrypoints_leave_the_unit_of_work_to_the_service():
    """An entrypoint parses input, calls a use case or a query (handing it the unit-of-work
    factory, never calling it) and renders what comes back."""
    assert _entrypoints_calling(frozenset({"uow", "uow_factory"})) == {}
