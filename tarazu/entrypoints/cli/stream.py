"""``tarazu stream``: platform events on NATS JetStream.

``worker`` is the streaming half of mirror detection: a durable consumer that stores each
account or post the platform sends, keeps the reference set of removed accounts current and
scores the account concerned within seconds, opening or updating its case. ``publish`` puts
interchange records (or platform event envelopes) from a JSONL file on the stream, for demos
and tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.exc import SQLAlchemyError

from tarazu.adapters.broker import (
    BROKER_UNAVAILABLE,
    STREAM,
    SUBJECTS,
    ConsumeReport,
    PlatformEventStream,
    PoisonMessage,
    PublishReport,
    PublishStopped,
    Unavailable,
)
from tarazu.adapters.db.engine import unavailable
from tarazu.adapters.metrics import FLAG_LATENCY, SCORED
from tarazu.adapters.shard_subjects import FEED, FEED_STREAM, SUBJECT
from tarazu.bootstrap import App
from tarazu.entrypoints.cli.common import fail, get_app, print_json, progress_bar
from tarazu.entrypoints.cli.mirror_start import start_detector
from tarazu.entrypoints.cli.shard_worker import shard_cmd
from tarazu.entrypoints.logs import get_logger
from tarazu.service import mirrors
from tarazu.service.mirrors.sharded import FeedUnavailable, ShardedDetector
from tarazu.service.mirrors.snapshot import fill_reference_set, sync_reference_set
from tarazu.service.platform_events import PlatformEventError
from tarazu.textfiles import LineProblem, iter_lines

app = typer.Typer(help="Platform events on NATS JetStream (streaming mirror detection).",
                  no_args_is_help=True)
DURABLE = "tarazu-mirrors"
#: Events handled in one transaction by default: at 500 events/s one commit per 100 events is
#: what keeps up (BENCHMARKS.md, stream load), and a batch of 100 takes a fraction of the
#: flag-latency goal to handle.
DEFAULT_BATCH = 100
#: How long a drain of the scoring queue may run when the stream is quiet: an event arriving
#: meanwhile waits at most that long.
IDLE_DRAIN_SECONDS = 1.0
log = get_logger("tarazu.worker")


class ShardSet:
    """The shard workers (``tarazu stream shard``) holding the reference set for a worker
    started with ``--shards``: one connection for their calls and their feed, kept across
    rebuilds of the detector."""

    def __init__(self, url: str, of: int, subject: str, feed_stream: str, feed_prefix: str,
                 timeout: float) -> None:
        from tarazu.adapters.shard_nats import NatsShards
        from tarazu.linkage.shards import shard_names

        self.conn = NatsShards(url, shard_names(of), timeout=timeout, prefix=subject)
        self.feed_stream, self.feed_prefix = feed_stream, feed_prefix
        self._linkers: list[Any] = []

    def detector(self, loaded: mirrors.LoadedModel) -> ShardedDetector:
        """A detector scoring through the shards (asked at once), its set as the feed says."""
        from tarazu.linkage.linker import LinkerConfig
        from tarazu.linkage.shards import ShardedLinker

        config = mirrors.MirrorConfig()
        linker = ShardedLinker(loaded.model, self.conn.ports(),
                               LinkerConfig(top_k=config.top_k), parallel=True)
        self._linkers.append(linker)
        return ShardedDetector(loaded, linker, self.conn.feed(self.feed_stream,
                                                                self.feed_prefix), config)

    def close(self) -> None:
        for linker in self._linkers:
            linker.close()
        self.conn.close()


def build_detector(container: App, show_progress: bool = False, recall: bool = True,
                   shards: ShardSet | None = None) -> mirrors.MirrorDetector:
    """The newest model over the reference set in the store, with every stored active
    account counted as a possible successor (so a score does not depend on what this process
    saw before; ``recall=False`` skips that first pass over all active accounts, for a
    process that scores one sign-up and ends), warmed up (the first comparison loads the
    name analyser, which takes seconds; better before the first event than during).
    ``shards``: the reference set is held by them, brought in line with the store through
    their feed (no snapshot of the set in this process)."""
    loaded = mirrors.model_in_use(container.uow, container.settings.home)
    if shards is None:
        detector = mirrors.MirrorDetector(loaded)
        start_detector(container, detector, show_progress)
    else:
        detector = shards.detector(loaded)
        fill_reference_set(container.uow, detector, None, clock=container.clock)
    if recall and show_progress:
        with progress_bar("active accounts", None) as bar:
            mirrors.recall_successors(container.uow, detector,
                                      lambda n, t: bar.update(0, completed=n, total=t))
    elif recall:
        mirrors.recall_successors(container.uow, detector)
    detector.warm_up()
    return detector


class WorkerHandler:
    """The worker's handler of a batch of events (a broker ``BatchHandler``): one unit of
    work per batch. A malformed event is a :class:`PoisonMessage` (set aside on
    the dead-letter subject with the record and field named) — redelivering it cannot fix
    it; a database that is away raises :class:`Unavailable`; any other failure raises, so
    the batch comes again.

    When a batch of several events fails after the detector took some of them in (a
    removal indexed, a sign-up recorded as a possible successor) but before the commit, the
    detector no longer matches the store, and the redelivered batch would be scored against
    events that, as far as the store knows, never happened. The detector is then built
    again from the store before the next batch, as at a restart.

    With ``rescore_after`` a post marks its active author for scoring that many seconds
    later (see :func:`mirrors.handle_stream_records`); the marks that are due are scored
    between batches within a time budget, so that a sign-up never waits behind a queue of
    re-scores: a drain lasts at most ``drain_slice`` seconds, and the time the worker spends
    draining is at most ``drain_share`` of its time while events are waiting (the last fetch
    was a full batch), at most half of it when it keeps up. Re-scores are what gives way
    when the worker has not the time for all: they come later than due, each account once
    however many posts it made meanwhile; new events are never held back for them.

    Removals and withdrawals decided by other processes (a reviewer, an import, the HTTP
    endpoint) mark their accounts, and reach the reference set through the same drain. The
    full comparison of the set with the store (:func:`sync_reference_set`, which reads every
    removed account's key) runs only every ``sync_every`` seconds, as a safety net."""

    def __init__(self, container: App, detector: mirrors.MirrorDetector,
                 sync_every: float = 300.0,
                 on_outcome: Callable[[mirrors.StreamOutcome], None] | None = None,
                 rebuild: Callable[[], mirrors.MirrorDetector] | None = None,
                 rescore_after: float | None = None, drain_share: float = 0.1,
                 drain_slice: float = 0.25, batch: int = DEFAULT_BATCH,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.container = container
        self.detector = detector
        self.sync_every = sync_every
        self.on_outcome = on_outcome
        self.rebuild = rebuild or (lambda: build_detector(container))
        self.rescore_after = rescore_after
        self.batch = batch
        self.stale = False
        self.rebuilds = 0
        self._monotonic = monotonic
        self._last_sync = monotonic()
        self.budget = mirrors.DrainBudget(drain_share, drain_slice, last=self._last_sync)

    def __call__(self, records: list[dict[str, Any]], should_stop: Callable[[], bool]
                 ) -> list[BaseException | None]:
        c = self.container
        try:
            if self.stale:
                self.detector = self.rebuild()
                self.stale = False
                self.rebuilds += 1
                log.warning("worker.detector_rebuilt", reason="a batch failed before its "
                            "commit", reference_set=self.detector.size)
            if time.monotonic() - self._last_sync > self.sync_every:
                sync_reference_set(c.uow, self.detector, c.clock)
                self._last_sync = time.monotonic()
            before = self.detector.changes
            try:
                outs = mirrors.handle_stream_records(c.uow, c.clock, self.detector, records,
                                                     should_stop, self.rescore_after)
            except BaseException:
                self.stale = len(records) > 1 and self.detector.changes != before
                raise
        except SQLAlchemyError as e:
            if unavailable(e):  # nothing was committed: the same batch is tried again
                raise Unavailable(f"database: {type(e).__name__}") from e
            raise
        except FeedUnavailable as e:  # as when the store is away: not the events' fault
            raise Unavailable(str(e)) from e
        now = c.clock.now()
        results: list[BaseException | None] = []
        for record, out in zip(records, outs, strict=False):
            if isinstance(out, PlatformEventError):
                rid = record.get("event_id") or record.get("account_id") \
                    or record.get("post_id")
                results.append(PoisonMessage(f"event {rid}: {out}"))
                continue
            observe_outcome(out, record, now)
            if self.on_outcome:
                self.on_outcome(out)
            results.append(None)
        if not should_stop():  # the batch is committed: a failure here is the drain's
            self.drain_between(behind=len(records) >= self.batch)
        return results

    def drain_between(self, behind: bool) -> None:
        """Drain the due marks for as long as :attr:`budget` allows."""
        start = self._monotonic()
        if (seconds := self.budget.earn(start, behind)) > 0:
            self.drain(self.batch, seconds=seconds)
            end = self._monotonic()
            self.budget.spend(end - start, end)

    def drain(self, limit: int, seconds: float | None = None) -> bool:
        """Score up to ``limit`` accounts whose marks are due (stored by other paths — a bulk
        import, the HTTP endpoint — or posts' authors), starting no score after ``seconds``
        (the first is always scored); False when the store was away."""
        c = self.container
        deadline = None if seconds is None else self._monotonic() + seconds

        def should_stop() -> bool:
            return deadline is not None and self._monotonic() >= deadline

        try:
            for scored, reference in mirrors.drain_scoring_queue(
                    c.uow, c.clock, self.detector, limit=limit, should_stop=should_stop):
                if self.on_outcome:
                    self.on_outcome(mirrors.StreamOutcome("", "scoring-queue", "queued",
                                                          scored, reference))
        except SQLAlchemyError as e:
            if not unavailable(e):
                raise
            log.warning("worker.store_unavailable", error=type(e).__name__)
            return False
        except FeedUnavailable as e:
            log.warning("worker.shard_feed_unavailable", error=str(e))
            return False
        return True


def signup_to_flag_seconds(record: dict[str, Any], now: datetime) -> float | None:
    """Seconds from the account's creation (as the event states it) to ``now``; None when
    the event does not carry an account with a readable ``created_at``."""
    rec = record.get("record") if isinstance(record.get("record"), dict) else record
    if rec.get("type", "account") != "account" or not isinstance(rec.get("created_at"), str):
        return None
    try:
        created = datetime.fromisoformat(rec["created_at"])
    except ValueError:
        return None
    if created.tzinfo is None:
        return None
    return max(0.0, (now - created).total_seconds())


def observe_outcome(out: mirrors.StreamOutcome, record: dict[str, Any], now: datetime) -> None:
    """Metrics of one handled event: an account scored, and — when it raised a flag — the
    time from the account's sign-up to the committed flag."""
    s = out.scored
    if s is None:
        return
    SCORED.labels(str(bool(s.flagged)).lower()).inc()
    if s.flagged and (latency := signup_to_flag_seconds(record, now)) is not None:
        FLAG_LATENCY.observe(latency)


def _report(out: mirrors.StreamOutcome) -> None:
    """One log line per flag or change of the reference set: no account or handle in it
    (logs leave the access controls); the decision id leads to the case."""
    s = out.scored
    if s and s.flagged:
        log.info("mirror.flagged", flags=len(s.flagged),
                 probability=s.top[1] if s.top else None, decision_id=s.decision_id,
                 decision_status=s.decision_status, withheld=s.withheld is not None)
    elif out.reference:
        log.info("mirror.reference_set", change=out.reference, event_type=out.type)


async def run_worker(container: App, detector: mirrors.MirrorDetector, *, url: str,
                     stream: str = STREAM, subjects: str = SUBJECTS, durable: str = DURABLE,
                     stop: asyncio.Event | None = None, idle_timeout: float = 1.0,
                     until_idle: bool | None = None, ack_wait: float = 30.0,
                     batch: int = DEFAULT_BATCH,
                     on_outcome: Callable[[mirrors.StreamOutcome], None] | None = None,
                     rescore_after: float | None = None,
                     rescore_share: float = 0.1,
                     rebuild: Callable[[], mirrors.MirrorDetector] | None = None
                     ) -> ConsumeReport:
    """Consume until ``stop`` is set or, with ``until_idle`` (the default without ``stop``),
    until nothing is left: no message pending or unacknowledged, no account waiting to be
    scored. Up to ``batch`` events are handled in one unit of work and acknowledged after
    its commit. When the stream is quiet the worker scores accounts stored by other paths (a
    bulk import, the HTTP endpoint). Losing the broker — for any length of time — pauses
    it: it connects again with a growing delay and goes on. ``rescore_after``: see
    :class:`WorkerHandler` (None: a post's author is scored at once); ``rescore_share``:
    its ``drain_share``; ``rebuild``: the detector built again (see :class:`WorkerHandler`;
    by default as :func:`build_detector` builds it)."""
    handler = WorkerHandler(container, detector, on_outcome=on_outcome,
                            rebuild=rebuild, rescore_after=rescore_after,
                            drain_share=rescore_share, batch=batch)
    total = ConsumeReport()

    def drain() -> int:
        if not handler.drain(50, seconds=IDLE_DRAIN_SECONDS):
            return 1  # not idle: the backlog is unknown until the database answers
        try:
            return mirrors.scoring_backlog(container.uow)
        except SQLAlchemyError as e:
            if not unavailable(e):
                raise
            log.warning("worker.store_unavailable", error=type(e).__name__)
            return 1

    delay = 0.5
    while True:
        try:
            async with PlatformEventStream(url, stream=stream, subjects=subjects) as s:
                delay = 0.5
                r = await s.consume_batches(handler, durable, batch=batch,
                                            idle_timeout=idle_timeout, stop=stop,
                                            until_idle=until_idle, ack_wait=ack_wait,
                                            on_idle=drain)
            _add(total, r)
            return total
        except BROKER_UNAVAILABLE as e:
            if stop is not None and stop.is_set():
                return total
            log.warning("stream.broker_unreachable", error=type(e).__name__,
                        retry_in_seconds=round(delay, 1))
            total.reconnects += 1
            await _sleep_or_stop(delay, stop)
            delay = min(delay * 2, 30.0)


def _add(total: ConsumeReport, r: ConsumeReport) -> None:
    for k, v in vars(r).items():
        setattr(total, k, getattr(total, k) + v)


async def _sleep_or_stop(seconds: float, stop: asyncio.Event | None) -> None:
    if stop is None:
        await asyncio.sleep(seconds)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def publish_records(url: str, records: list[dict[str, Any]], stream: str = STREAM,
                          subjects: str = SUBJECTS) -> PublishReport:
    async with PlatformEventStream(url, stream=stream, subjects=subjects) as s:
        return await s.publish_all(records)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every line must be a JSON object; a bad line is named and nothing is published."""
    out = []
    for n, line in iter_lines(path):
        if isinstance(line, LineProblem):  # not UTF-8, or a damaged archive
            raise ValueError(f"{path.name} {line}")
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path.name} line {n}: invalid JSON: {e.msg}") from None
        if not isinstance(obj, dict) or "type" not in obj:
            raise ValueError(f"{path.name} line {n}: field 'type': an interchange record "
                             "or a platform event is an object with a type")
        out.append(obj)
    return out


@app.command("worker")
def worker_cmd(
    durable: str = typer.Option(DURABLE, help="durable consumer name (resumes where it left)"),
    stream: str = typer.Option(STREAM, help="JetStream stream name"),
    subjects: str = typer.Option(SUBJECTS, help="subjects of the stream"),
    exit_when_idle: bool = typer.Option(False, help="stop once nothing is left: no message "
                                        "pending or unacknowledged, no account to score"),
    ack_wait: float = typer.Option(30.0, help="seconds before a message fetched by a worker "
                                   "that died is delivered again"),
    batch: int = typer.Option(DEFAULT_BATCH, min=1, help="events handled in one transaction (and "
                              "in flight at most): larger batches commit less often, smaller "
                              "ones flag the first event of a batch sooner"),
    rescore_posts_after: float = typer.Option(30.0, min=0, help="seconds after a post "
                                              "before its author is scored again (a burst "
                                              "of posts costs one score; sign-ups and "
                                              "profile changes are scored at once); 0 "
                                              "scores at every post"),
    rescore_share: float = typer.Option(0.1, min=0, max=1, help="share of the worker's "
                                        "time that re-scores may take while events are "
                                        "waiting; they give way to new events, never the "
                                        "other way round"),
    metrics_port: int | None = typer.Option(None, help="serve Prometheus metrics on this "
                                            "port (off by default)"),
    metrics_addr: str = typer.Option("127.0.0.1", help="address for --metrics-port "
                                     "(loopback by default: metrics are not for everyone)"),
    shards: int = typer.Option(0, min=0, help="score through this many shard workers "
                               "(`tarazu stream shard --of N`) holding the reference set, "
                               "publishing its changes to their feed; 0: hold it here"),
    shard_subject: str = typer.Option(SUBJECT, help="prefix of the subjects "
                                      "the shards answer on (their --subject)"),
    feed_stream: str = typer.Option(FEED_STREAM, help="the JetStream stream of the "
                                    "shards' feed (their --feed-stream)"),
    feed_prefix: str = typer.Option(FEED, help="its subjects' prefix "
                                    "(their --feed-prefix)"),
    shard_timeout: float = typer.Option(2.0, min=0.01, help="seconds a shard may take to "
                                        "answer a call; a shard that does not makes the "
                                        "score incomplete, never acted on automatically"),
) -> None:
    """Consume platform events: store each record, keep the reference set current, and score
    new or changed accounts for mirror detection within seconds. SIGTERM or Ctrl-C stops it
    gracefully: the event in hand is finished and the batch's handled events committed, the
    rest handed back. Logs are JSON lines on stderr."""
    from tarazu.entrypoints import logs

    logs.configure()
    container = get_app()
    if metrics_port is not None:
        from tarazu.adapters import metrics

        metrics.serve(container.uow, metrics_port, metrics_addr)
        log.info("worker.metrics", port=metrics_port, addr=metrics_addr)
    shard_set = ShardSet(container.settings.nats_url, shards, shard_subject, feed_stream,
                         feed_prefix, shard_timeout) if shards else None
    detector = build_detector(container, show_progress=True, shards=shard_set)
    log.info("worker.started", model=detector.loaded.model_id, reference_set=detector.size,
             stream=stream, durable=durable, shards=shards)

    async def main() -> ConsumeReport:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        return await run_worker(container, detector, url=container.settings.nats_url,
                                stream=stream, subjects=subjects, durable=durable, stop=stop,
                                until_idle=exit_when_idle, ack_wait=ack_wait,
                                batch=batch, on_outcome=_report,
                                rescore_after=rescore_posts_after or None,
                                rescore_share=rescore_share,
                                rebuild=lambda: build_detector(container, shards=shard_set))

    try:
        report = asyncio.run(main())
    finally:
        if shard_set is not None:
            shard_set.close()
    print_json({"handled": report.handled, "failed": report.failed, "dead": report.dead,
                "handed_back": report.handed_back, "reconnects": report.reconnects,
                "store_waits": report.waits})


app.command("shard")(shard_cmd)


@app.command("publish")
def publish_cmd(
    path: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="JSONL of interchange records or platform events"),
    stream: str = typer.Option(STREAM, help="JetStream stream name"),
    subjects: str = typer.Option(SUBJECTS, help="subjects of the stream"),
) -> None:
    """Publish records to the platform event stream (idempotent: a record published twice is
    one message; the second is counted as a duplicate)."""
    try:
        records = read_jsonl(path)
    except ValueError as e:
        fail(str(e))
        return
    container = get_app(migrate=False)
    url = container.settings.nats_url
    try:
        r = asyncio.run(publish_records(url, records, stream, subjects))
    except PublishStopped as e:
        fail(f"{path.name}: {e}; the {e.done.published + e.done.duplicates} records before "
             "it were published. Publish the file again: what landed is dropped as a "
             "duplicate.")
        return
    except OSError as e:
        fail(f"cannot reach NATS at {url}: {e}")
        return
    except BROKER_UNAVAILABLE as e:  # what is left of them: NATS answered, and refused
        fail(f"NATS at {url} refused stream {stream!r} ({subjects}): "
             f"{type(e).__name__}: {e}")
        return
    print_json({"published": r.published, "duplicates": r.duplicates, "stream": stream})
