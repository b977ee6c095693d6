"""Delivering the outbox right after the request that filled it, when this web process runs
the background jobs (``TARAZU_WEB_RUNS_JOBS=1``); otherwise the worker (``tarazu worker``)
sends it within its delivery interval and the web process sends nothing."""

from __future__ import annotations

import logging

from tarazu.bootstrap import App
from tarazu.entrypoints.jobs import deliver_outbox
from tarazu.service import outbox

log = logging.getLogger("tarazu.delivery")


def deliver_now(container: App) -> outbox.DeliveryReport | None:
    """Send what is due, if this process delivers at all; never raises (a failure is recorded
    on the message and retried)."""
    if not container.settings.web_runs_jobs:
        return None
    try:
        return deliver_outbox(container)
    except Exception:  # a background task: the request has been answered already
        log.exception("outbox delivery failed")
        return None
