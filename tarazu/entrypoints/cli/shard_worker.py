"""``tarazu stream shard``: one shard of the removed set, served over NATS request–reply.

A shard holds and counts only its own removed accounts (``linkage.shards``); it takes their
removals and withdrawals from the shard feed on JetStream, one subject per shard, and saves
its part as a snapshot with the feed position it reflects, so a restarted worker loads it
and takes only what came after (``linkage.shard_feed``). It answers once it has taken every
event published before it started; its first line on stdout says so:
``ready <accounts held> snapshot <position loaded> position <position>``."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import typer

from tarazu.adapters.shard_subjects import FEED, FEED_STREAM, SUBJECT
from tarazu.entrypoints import logs
from tarazu.entrypoints.logs import get_logger

log = get_logger("tarazu.shards")


def shard_cmd(
    shard: int = typer.Option(..., min=0, help="this worker's shard, from 0"),
    of: int = typer.Option(..., min=1, help="how many shards the removed set is split into"),
    model: str = typer.Option("default", help="the model (a packaged name or a file): "
                              "every shard and the merger must score with the same one"),
    feed_stream: str = typer.Option(FEED_STREAM, help="the JetStream stream of the "
                                    "removed set's removals and withdrawals"),
    feed_prefix: str = typer.Option(FEED, help="its subjects' prefix (one "
                                    "subject per shard)"),
    subject: str = typer.Option(SUBJECT, help="prefix of the subjects the "
                                "shard answers on"),
    snapshot: Path | None = typer.Option(None, help="the shard's snapshot: loaded at the "
                                         "start when usable, saved once caught up and then "
                                         "every --snapshot-every events"),
    snapshot_every: int = typer.Option(1000, min=0, help="events taken between two "
                                       "snapshots (0: only once caught up)"),
    url: str = typer.Option("nats://127.0.0.1:4222", envvar="TARAZU_NATS_URL",
                            help="the NATS server"),
) -> None:
    """Serve one shard of the removed set over NATS: its removals and withdrawals from the
    shard feed, its part saved as a snapshot. SIGTERM stops it."""
    from tarazu.adapters.shard_nats import ShardFeed, serve_shard
    from tarazu.linkage import LinkerConfig, load_model
    from tarazu.linkage.shard_feed import load_shard, save_shard
    from tarazu.linkage.shard_protocol import ShardHandler
    from tarazu.linkage.shards import ShardLinker, shard_names
    from tarazu.linkage.snapshot import SnapshotUnusable
    from tarazu.linkage.warm import warm_up
    from tarazu.service.memory import bulk_build

    logs.configure()  # JSON lines on stderr: stdout's first line is the ready line
    if shard >= of:
        raise typer.BadParameter(f"shard {shard} of {of}: shards are numbered 0 to {of - 1}",
                                 param_hint="--shard")
    name = shard_names(of)[shard]
    linker = ShardLinker(load_model(model), LinkerConfig())
    loaded = 0
    if snapshot is not None and snapshot.exists():
        try:
            with bulk_build(collect=False):  # as the service starts from its snapshot
                loaded = load_shard(snapshot, linker).position
        except SnapshotUnusable as e:
            log.warning("shard.snapshot_unusable", shard=name, reason=str(e))
    warm_up(linker.model, linker.config)
    taken = 0

    def save() -> None:
        if snapshot is not None:
            save_shard(snapshot, linker, {"shard": name})

    def applied() -> None:
        nonlocal taken
        taken += 1
        if snapshot_every and taken % snapshot_every == 0:
            save()

    def ready() -> None:
        save()
        log.info("shard.ready", shard=name, held=len(linker.removed), loaded=loaded,
                 position=linker.position)
        print(f"ready {len(linker.removed)} snapshot {loaded} position {linker.position}",
              flush=True)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        feed = ShardFeed(None, shard_names(of), feed_stream, feed_prefix)
        await serve_shard(ShardHandler(linker), url, name, stop, ready=ready, feed=feed,
                          applied=applied, prefix=subject)

    asyncio.run(run())
    save()  # what it took since the last snapshot
