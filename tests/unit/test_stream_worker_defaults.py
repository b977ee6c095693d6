"""The stream worker's defaults are the configuration its throughput goal was measured with:
an operator who starts it without options gets what BENCHMARKS.md reports."""

from __future__ import annotations

import inspect

import typer.main

from tarazu.entrypoints.cli import stream


def test_the_worker_commits_a_hundred_events_at_a_time_by_default():
    command = typer.main.get_command(stream.app).commands["worker"]  # type: ignore[attr-defined]
    batch = next(p for p in command.params if p.name == "batch")
    assert batch.default == stream.DEFAULT_BATCH == 100
    assert inspect.signature(stream.run_worker).parameters["batch"].default == 100
    assert inspect.signature(stream.WorkerHandler).parameters["batch"].default == 100
