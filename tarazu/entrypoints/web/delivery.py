"""Delivering the outbox from the web process, so the platform hears of a decision within
seconds: once right after the request that made it (a background task), and every few seconds
from a loop that runs while the app is served (which also retries failures, with the outbox's
back-off).

One delivery at a time per app: the request task and the loop never send the same message
twice from this process (and the platform acts once per delivery id anyway)."""

from __future__ import annotations

import logging
import threading

from tarazu.bootstrap import App
from tarazu.periodic import every
from tarazu.service import outbox

log = logging.getLogger("tarazu.delivery")
LOOP_SECONDS = 2.0
_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(container: App) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(id(container), threading.Lock())


def deliver_now(container: App) -> outbox.DeliveryReport:
    """Send what is due; never raises (a failure is recorded on the message and retried)."""
    with _lock_for(container):
        try:
            report = outbox.deliver_due(container.uow, container.platform_adapter(),
                                        container.clock)
        except Exception:  # the loop must survive a bad moment (database busy, ...)
            log.exception("outbox delivery failed")
            return outbox.DeliveryReport(0, 0)
    if report.delivered or report.failed:
        log.info("outbox: %d delivered, %d failed", report.delivered, report.failed)
    return report


#: Lifespan of the served app: deliver every ``LOOP_SECONDS`` until shutdown.
delivery_loop = every(LOOP_SECONDS, lambda api: deliver_now(api.state.container), "delivery")
