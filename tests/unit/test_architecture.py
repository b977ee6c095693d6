"""The layering rules, checked on every test run: the core imports no adapter or entrypoint;
the service layer imports no adapter (it owns its ports); the demo imports no entrypoint."""

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
