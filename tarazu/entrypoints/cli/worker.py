"""``tarazu worker``: the process that runs the background jobs (see
:mod:`tarazu.entrypoints.jobs`), separate from ``tarazu serve``."""

from __future__ import annotations

import signal
import threading

import typer

from tarazu.entrypoints.cli.common import console, get_app, print_json


def worker_cmd(once: bool = typer.Option(
        False, help="run one round of every job and exit (for cron or a health check)")
               ) -> None:
    """Run the background jobs: outbox delivery, notices, expiries, data-request deadlines,
    audit checkpoints."""
    from tarazu.entrypoints.jobs import JOBS, run_jobs, run_round

    container = get_app()
    if once:
        results = run_round(container)
        print_json(results)
        if not all(results.values()):
            raise typer.Exit(1)
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    console.print("tarazu worker: " + ", ".join(f"{j.name} every {j.seconds:g} s" for j in JOBS)
                  + " (Ctrl-C or SIGTERM stops)")
    run_jobs(container, stop)
