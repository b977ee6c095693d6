"""The demo's sign-up: a mirror of a removed account signs up while tarazu watches, and the
stream worker flags it within seconds.

The worker itself is a process an entrypoint runs (``tarazu stream worker``); the demo drives
it from the outside, so the entrypoint that runs the demo hands its parts in as a
:class:`StreamWorker` and the demo imports no entrypoint."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from tarazu.adapters.broker import PlatformEventStream
from tarazu.bootstrap import App
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.platform import Account, AccountStatus

T = TypeVar("T")

#: Each run of the demo's sign-up publishes to a stream of its own, deleted afterwards: it
#: leaves the platform's stream alone, and two demos on one broker (a demo and a test run,
#: say) never delete each other's stream.
DEMO_STREAM_PREFIX = "TARAZU_DEMO_EVENTS"


def demo_stream() -> str:
    """The name of a new demo stream, unlike any other run's."""
    return f"{DEMO_STREAM_PREFIX}_{uuid.uuid4().hex[:12].upper()}"


@dataclass(frozen=True)
class StreamWorker:
    """The parts of the stream worker the demo drives (see ``tarazu.entrypoints.cli.stream``):
    ``build_detector(app, recall=...)``, the coroutine ``run_worker(app, detector, url=...,
    stream=..., subjects=..., durable=..., stop=..., idle_timeout=...)`` and the coroutine
    ``publish_records(url, records, stream, subjects)``."""

    build_detector: Callable[..., Any]
    run_worker: Callable[..., Coroutine[Any, Any, Any]]
    publish_records: Callable[..., Coroutine[Any, Any, Any]]


def signup_record(a: Account, at: Any) -> dict[str, Any]:
    """A new account continuing removed account ``a``: a handle variant, the same name,
    picture, bio and links, created now (interchange record)."""
    return {"type": "account", "platform": a.platform, "account_id": f"{a.account_id}-signup",
            "handle": a.handle.rstrip("0123456789") + "_2", "display_name": a.display_name,
            "bio": a.bio, "links": list(a.links), "avatar_pdq": a.avatar_pdq,
            "created_at": at.isoformat().replace("+00:00", "Z"), "status": "active"}


def run_coroutine(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run`` that also works when the caller already runs an event loop (a served
    app, a browser-driving test): then the coroutine gets its own loop in a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def demo_signup(container: App, worker: StreamWorker, timeout: float = 20.0
                ) -> dict[str, Any]:
    """Start a stream worker, publish the sign-up of a mirror of one removed account as the
    platform would (``account.created`` on JetStream) and wait for its flag; report how
    long it took. Idempotent: a re-run finds the flag already there."""
    with container.uow() as uow:
        removed = next((a for a in uow.platform.iter_accounts(status=AccountStatus.REMOVED)
                        if a.avatar_pdq and a.links), None)
    if removed is None:
        return {"skipped": "no removed account with a picture and links"}
    rec = signup_record(removed, container.clock.now())
    ref = SubjectRef.account(rec["platform"], rec["account_id"])
    detector = worker.build_detector(container, recall=False)  # one sign-up, then it ends
    url = container.settings.nats_url

    def flag() -> dict[str, Any] | None:
        with container.uow() as uow:
            return next((dict(e.payload) for e in uow.events.for_subject(ref)
                         if e.kind is EventKind.MIRROR_FLAG), None)

    async def run() -> dict[str, Any]:
        stop = asyncio.Event()
        stream = demo_stream()
        subjects = stream.lower() + ".>"
        task = asyncio.create_task(worker.run_worker(
            container, detector, url=url, stream=stream, subjects=subjects,
            durable="demo", stop=stop, idle_timeout=0.2))
        t0 = time.monotonic()
        found = None
        try:
            await worker.publish_records(url, [{"type": "account.created",
                                                "event_id": f"demo-signup:{rec['account_id']}",
                                                "record": rec}], stream, subjects)
            while (found := flag()) is None and time.monotonic() - t0 < timeout:
                await asyncio.sleep(0.1)
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=10)
            async with PlatformEventStream(url, stream=stream, subjects=subjects) as s:
                await s.delete()
        return {"account": ref.id, "flagged": found is not None,
                "seconds": round(time.monotonic() - t0, 2),
                "removed_account": (found or {}).get("removed_account"),
                "probability": (found or {}).get("probability")}

    try:
        return run_coroutine(run)
    except OSError as e:
        return {"skipped": f"NATS not reachable at {url}: {e}"}
