"""The demo's sign-up through a real NATS JetStream server: the mirror's ``account.created``
reaches the stream worker, which flags it; and the demo deletes the stream it made and no
other (two demos on one broker — a demo beside a test run — once deleted each other's)."""

from __future__ import annotations

import asyncio
import contextlib

import nats
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from tarazu.demo.pipeline import ingest_step
from tarazu.demo.scenario import SMALL, generate
from tarazu.demo.signup import DEMO_STREAM_PREFIX, demo_signup
from tarazu.entrypoints.cli.demo import stream_worker

#: The one name every demo's stream had before each run got a name of its own.
OTHER = DEMO_STREAM_PREFIX


async def _streams(url: str) -> set[str]:
    nc = await nats.connect(url)
    try:
        return {info.config.name for info in await nc.jetstream().streams_info()}
    finally:
        await nc.close()


async def _another_demo_stream(url: str) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name=OTHER, subjects=[OTHER.lower() + ".>"]))
    await js.publish(OTHER.lower() + ".x.account_created", b"{}")
    await nc.close()


async def _messages_then_delete(url: str, name: str) -> int:
    """How many messages stream ``name`` holds (0 when it is gone); then it is deleted."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    try:
        info = await js.stream_info(name)
    except NotFoundError:
        return 0
    finally:
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(name)
        await nc.close()
    return info.state.messages


def test_the_demo_sign_up_is_flagged_and_leaves_other_streams_alone(sqlite_app, tmp_path):
    url = sqlite_app.settings.nats_url
    ingest_step(sqlite_app, generate(3, tmp_path, SMALL))
    asyncio.run(_another_demo_stream(url))
    try:
        before = asyncio.run(_streams(url))
        result = demo_signup(sqlite_app, stream_worker())
        after = asyncio.run(_streams(url))
    finally:
        kept = asyncio.run(_messages_then_delete(url, OTHER))
    assert result["flagged"] is True, result
    assert OTHER in after and kept == 1  # the other demo's stream and its message, untouched
    assert after <= before  # nothing of this demo's left behind
