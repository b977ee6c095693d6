"""Periodic jobs inside a served app (outbox delivery, expiry and notices, data-request
deadlines, the demo platform's event flush): one small lifespan helper instead of a loop per
module."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Any

log = logging.getLogger("tarazu.jobs")


def every(seconds: float, job: Callable[[Any], object], name: str
          ) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """A lifespan that runs ``job(app)`` in a worker thread at start-up and then every
    ``seconds`` until shutdown. A failing round is logged and the loop goes on: a database
    that is busy for a moment must not stop deliveries for good."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        stop = asyncio.Event()

        def one_round() -> None:
            try:
                job(app)
            except Exception:
                log.exception("periodic job %s failed", name)

        async def loop() -> None:
            while not stop.is_set():
                await asyncio.to_thread(one_round)
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), seconds)

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            stop.set()
            await task

    return lifespan
