"""Start-up time of the ``tarazu`` command: the root help, a sub-app's help and light commands.

Runs each command ``--runs`` times in a fresh process (after one warm-up run that fills the
bytecode cache) and prints the median and the fastest wall time against the goal (≤ 0.5 s,
issue: the CLI imports lazily). ``db status`` runs on a scratch SQLite database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

GOAL_S = 0.5
COMMANDS = (
    ["--help"],
    ["db", "--help"],
    ["db", "status"],
    ["platform", "--help"],
    ["mirrors", "--help"],
)


#: what the ``tarazu`` console script runs, with the interpreter running this script
TARAZU = [sys.executable, "-c", "from tarazu.entrypoints.cli import main; main()"]


def time_command(args: list[str], runs: int, env: dict[str, str]) -> list[float]:
    cmd = TARAZU + args
    subprocess.run(cmd, env=env, capture_output=True, check=True)  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = os.environ | {"TARAZU_HOME": home,
                            "TARAZU_DATABASE_URL": f"sqlite:///{home}/startup.db"}
        print(f"load average {os.getloadavg()[0]:.2f}; {opts.runs} runs each")
        print("| command | median (s) | fastest (s) | goal |")
        print("|---|---|---|---|")
        for args in COMMANDS:
            times = time_command(args, opts.runs, env)
            print(f"| `tarazu {' '.join(args)}` | {statistics.median(times):.2f} | "
                  f"{min(times):.2f} | ≤ {GOAL_S} s |")


if __name__ == "__main__":
    main()
