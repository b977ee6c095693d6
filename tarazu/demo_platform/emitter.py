"""Sending the platform's events to tarazu (``POST {tarazu}/api/platform/events`` with a bearer
token). Events wait in the platform's own table until tarazu accepts them, so a tarazu that is
down or busy gets them later, in order."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from tarazu.demo_platform.store import PlatformStore

log = logging.getLogger("tarazu.demo_platform")


class EventEmitter:
    def __init__(self, tarazu_url: str, token: str, client: httpx.Client | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.url = tarazu_url.rstrip("/") + "/api/platform/events"
        self.token = token
        self.client = client or httpx.Client(timeout=10.0)
        self.now = now

    def flush(self, store: PlatformStore) -> tuple[int, int]:
        """Send waiting events in order; stop at the first failure (order matters: a post
        must not arrive before its account). Returns (sent, failed)."""
        sent = 0
        for seq, event in store.unsent():
            try:
                r = self.client.post(self.url, json=event,
                                     headers={"Authorization": f"Bearer {self.token}"})
            except httpx.HTTPError as e:
                store.mark_failed(seq, f"{e.__class__.__name__}: {e}")
                return sent, 1
            if r.status_code >= 300:
                error = f"HTTP {r.status_code}: {r.text[:300]}"
                log.warning("tarazu refused event %s: %s", event.get("event_id"), error)
                if 400 <= r.status_code < 500 and r.status_code not in (401, 403, 429):
                    store.mark_sent(seq, self.now().isoformat(), error)  # stays bad: skip it
                    continue
                store.mark_failed(seq, error)
                return sent, 1
            store.mark_sent(seq, self.now().isoformat())
            sent += 1
        return sent, 0
