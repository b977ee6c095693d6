"""The demo platform's web app: the enforcement webhook tarazu calls, read-only views of its
state and action log, and endpoints to create accounts and posts (which it reports to tarazu).

It binds to localhost in the demo and has no users: it stands in for a real platform, whose
own authentication would guard everything but the webhook (guarded by its HMAC signature)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import BackgroundTasks, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from tarazu.adapters.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)
from tarazu.demo_platform.emitter import EventEmitter
from tarazu.demo_platform.enforcement import BadMessage, apply_message, platform_event
from tarazu.demo_platform.store import PlatformStore
from tarazu.interchange import InvalidRecord, parse_object, read_file
from tarazu.periodic import every

log = logging.getLogger("tarazu.demo_platform")
FLUSH_SECONDS = 2.0
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def load_interchange(store: PlatformStore, path: str | Path) -> dict[str, int]:
    """Load accounts and posts from an interchange file (bad lines skipped and counted);
    loading the same file again changes nothing. Nothing is emitted: tarazu ingests the same
    file."""
    counts = {"accounts": 0, "posts": 0, "errors": 0}
    with store.tx() as c:
        for parsed in read_file(path):
            if parsed.error or parsed.raw is None:
                counts["errors"] += 1
                continue
            kind = parsed.raw["type"]
            store.put(c, kind, parsed.raw)
            counts[kind + "s"] += 1
    return counts


def create_platform_app(store: PlatformStore, secret: bytes,
                        emitter: EventEmitter | None = None,
                        now: Callable[[], datetime] = lambda: datetime.now(UTC),
                        unix_time: Callable[[], float] = time.time) -> FastAPI:
    """``emitter`` is None when no tarazu should hear of events (then they wait in the
    table)."""

    def flush(_: object = None) -> None:
        """Send queued events to tarazu; on failure they wait for the next round."""
        if emitter is not None:
            try:
                emitter.flush(store)
            except Exception:
                log.exception("sending events to tarazu failed")

    lifespan = every(FLUSH_SECONDS, flush, "platform events") if emitter is not None else None
    api = FastAPI(title="demo platform", docs_url=None, redoc_url=None, lifespan=lifespan)
    api.state.store = store

    @api.post("/api/enforcement")
    async def enforcement(request: Request, tasks: BackgroundTasks) -> JSONResponse:
        body = await request.body()
        h = request.headers
        delivery = h.get(DELIVERY_HEADER, "")
        if not delivery.strip():
            raise HTTPException(400, f"header {DELIVERY_HEADER} is required")
        if not verify_signature(secret, h.get(TIMESTAMP_HEADER, ""), delivery, body,
                                h.get(SIGNATURE_HEADER, ""), now=unix_time()):
            raise HTTPException(401, "bad or stale signature")
        try:
            msg = json.loads(body)
            if not isinstance(msg, dict):
                raise ValueError("not an object")
        except ValueError:
            raise HTTPException(400, "the body must be a JSON object") from None
        try:
            answer = await asyncio.to_thread(apply_message, store, delivery, msg, now())
        except BadMessage as e:
            raise HTTPException(e.status, str(e)) from None
        tasks.add_task(flush)  # after the response: tarazu is not kept waiting
        return JSONResponse(answer)

    @api.get("/api/accounts/{account_id}")
    def account(account_id: str) -> dict[str, Any]:
        item = store.find("account", account_id)
        if item is None:
            raise HTTPException(404, f"no account {account_id!r}")
        return item.to_dict()

    @api.get("/api/posts/{post_id}")
    def post(post_id: str) -> dict[str, Any]:
        item = store.find("post", post_id)
        if item is None:
            raise HTTPException(404, f"no post {post_id!r}")
        return item.to_dict()

    @api.get("/api/actions")
    def actions(limit: int = 500) -> dict[str, Any]:
        return {"actions": store.actions(limit)}

    async def _create(request: Request, tasks: BackgroundTasks, kind: str) -> dict[str, Any]:
        try:
            raw = await request.json()
            raw = {**raw, "type": kind}
            parse_object(raw)
        except InvalidRecord as e:
            raise HTTPException(422, f"field '{e.field}': {e.message}") from None
        except (ValueError, TypeError):
            raise HTTPException(400, "the body must be a JSON object") from None
        with store.tx() as c:
            if not store.put(c, kind, raw):
                raise HTTPException(409, f"{kind} already exists")
            store.queue_event(c, platform_event(f"{kind}.created", raw, now()))
        tasks.add_task(flush)
        return {"ok": True, "type": f"{kind}.created"}

    @api.post("/api/accounts", status_code=201)
    async def create_account(request: Request, tasks: BackgroundTasks) -> dict[str, Any]:
        return await _create(request, tasks, "account")

    @api.post("/api/posts", status_code=201)
    async def create_post(request: Request, tasks: BackgroundTasks) -> dict[str, Any]:
        return await _create(request, tasks, "post")

    @api.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "platform_home.html", {
            "counts": store.counts(), "actions": store.actions(100),
            "changed": store.not_active(100)})

    @api.get("/healthz")
    def healthz() -> dict[str, bool]:
        return {"ok": True}

    return api
