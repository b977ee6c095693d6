"""`make test` on a fresh machine: the Makefile's install step runs the system set-up script,
which names what is missing (and stops) when it cannot install it itself."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "system-deps.sh"


def test_make_test_and_demo_run_the_system_setup_first():
    for target in ("test", "demo"):
        # --no-print-directory: run from `make test` itself, make would print where it enters
        plan = subprocess.run(["make", "-n", "--no-print-directory", target,
                               "VENV=.no-such-venv"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.splitlines()
        assert plan[0] == "scripts/system-deps.sh", (target, plan[:3])


def _path_without(tmp_path: Path, missing: str) -> str:
    """A PATH holding the tools the script uses, except ``missing``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "id", "ls", "sort", "tail", "seq", "sleep", "python3", "pg_isready",
                 "pkg-config", "java", "chromium", "nats-server", "npm", "cat"):
        found = shutil.which(tool, path="/usr/bin:/usr/sbin:/bin")  # the system's python3
        if found and tool != missing:
            (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


@pytest.mark.skipif(not shutil.which("setpriv") or os.geteuid() != 0,
                    reason="needs root to run the script as an ordinary user")
def test_without_root_it_prints_the_install_command_and_stops(tmp_path):
    for d in [tmp_path, *tmp_path.parents][:4]:  # pytest's own folders are private (0700)
        d.chmod(d.stat().st_mode | 0o011)
    env = {"PATH": _path_without(tmp_path, "chromium")}
    r = subprocess.run([shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups",
                        "bash", str(SCRIPT)], env=env, capture_output=True, text=True)
    assert r.returncode == 1
    assert "  sudo apt-get update && sudo apt-get install -y chromium\n" in r.stderr, r.stderr


def test_when_everything_is_there_it_does_nothing():
    r = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == "" and r.stderr == ""
