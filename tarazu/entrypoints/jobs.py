"""The background jobs and the worker that runs them.

Outbox delivery, the due-process jobs (timed actions that ended, notices of decisions that took
effect), data-request deadlines and audit checkpoints run in the worker role (``tarazu
worker``), one process however many web processes serve. A web process runs them too only
when told to (``TARAZU_WEB_RUNS_JOBS=1``: a single-process install, the demo without its
worker), so adding web processes never multiplies the jobs.

Each job is one round that never raises: a database busy for a moment is logged, and the next
round tries again."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tarazu.bootstrap import App
from tarazu.service import audit, expiry, notices, outbox
from tarazu.service import datarequests as dr

log = logging.getLogger("tarazu.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    seconds: float  # how often a round runs
    run: Callable[[App], object]


def deliver_outbox(container: App) -> outbox.DeliveryReport:
    """Send what is due. One delivery at a time per container: a web process that delivers
    right after a request and its loop never send the same message twice."""
    with container.delivery_lock:
        report = outbox.deliver_due(container.uow, container.platform_adapter(),
                                    container.clock)
    if report.delivered or report.failed:
        log.info("outbox: %d delivered, %d failed", report.delivered, report.failed)
    return report


def due_process_round(container: App) -> None:
    """Timed actions that have ended are expired; notices of decisions in effect are sent."""
    expiry.expire_due(container.uow, container.clock)
    notices.send_due(container.uow, container.clock, container.settings.public_url)


def data_request_round(container: App) -> dr.DueReport:
    report = dr.run_due(container.uow, container.clock)
    if report.notices or report.overdue or report.preservations_ended:
        log.info("data requests: %s", report.to_dict())
    return report


def checkpoint_round(container: App) -> None:
    """Sign the head if the chain grew. A refusal is logged as an error: the chain no longer
    holds what an earlier checkpoint signed."""
    try:
        cp = audit.take_checkpoint(container.uow, container.clock, container.checkpoints())
    except audit.CheckpointRefused as e:
        log.error("audit checkpoint refused: %s", e)
        return
    if cp is not None:
        log.info("audit checkpoint #%d: event #%d signed", cp.number, cp.seq)


#: Every background job, with how often it runs.
JOBS: tuple[Job, ...] = (
    Job("delivery", 2.0, deliver_outbox),
    Job("due-process", 60.0, due_process_round),
    Job("data-requests", 300.0, data_request_round),
    Job("audit checkpoint", 60.0, checkpoint_round),
)


def run_once(container: App, job: Job) -> bool:
    """One round of ``job``; False (and the error logged) when it failed."""
    try:
        job.run(container)
    except Exception:
        log.exception("job %s failed", job.name)
        return False
    return True


def run_round(container: App, jobs: Sequence[Job] = JOBS) -> dict[str, bool]:
    """One round of every job, in order (``tarazu worker --once``; a cron-driven install)."""
    return {job.name: run_once(container, job) for job in jobs}


def run_jobs(container: App, stop: threading.Event, jobs: Sequence[Job] = JOBS) -> None:
    """Run every job once at start (even if ``stop`` is set meanwhile: a process that starts
    has done one round when it ends), then each at its own interval until ``stop`` is set.
    One thread: a slow round delays the others rather than piling up beside them."""
    due: dict[str, float] = {}
    for job in jobs:
        run_once(container, job)
        due[job.name] = time.monotonic() + job.seconds
    while not stop.wait(max(0.0, min(due.values(), default=0.0) - time.monotonic())):
        for job in jobs:
            if due[job.name] <= time.monotonic():
                run_once(container, job)
                due[job.name] = time.monotonic() + job.seconds
            if stop.is_set():
                return


class JobThread:
    """The jobs in a background thread of this process (the demo; a web process told to run
    them); ``stop`` waits for the round in progress to end."""

    def __init__(self, container: App, jobs: Sequence[Job] = JOBS) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=run_jobs, args=(container, self._stop, jobs),
                                        name="tarazu-jobs", daemon=True)

    def start(self) -> JobThread:
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
