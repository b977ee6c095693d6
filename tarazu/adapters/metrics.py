"""Prometheus metrics: what an operator watches to know the pipeline keeps up.

Counters and histograms live in the process that does the work (the stream worker counts the
events it handles, whichever process delivers the outbox counts the deliveries) and are kept
in ``prometheus_client``'s process-wide registry. Queue depths are read from the database at
scrape time by :class:`StoreDepths`, so every process that exposes metrics reports the same
depths and none keeps a copy that could go stale.

Labels carry no personal data and no value taken from input that could grow without bound:
a bank's name (set by an administrator), a queue's name (from the routing table), a result
from a fixed list."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from prometheus_client import REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from tarazu.metrics import (  # noqa: F401 — re-exported: the counters exposed here
    CONSUMER_LAG,
    CONTENT_TYPE,
    EVENTS_IN,
    FLAG_LATENCY,
    HASH_MATCHES,
    SCORED,
    WEBHOOK_DELIVERIES,
    WEBHOOK_RETRIES,
)

Uow = Callable[[], AbstractContextManager[Any]]


class StoreDepths(Collector):
    """Queue depths read from the database at each scrape: accounts waiting for mirror
    scoring, open cases per review queue, undelivered outbox messages. A database that does
    not answer is reported as ``tarazu_store_up 0`` (the depths are then absent) instead of
    failing the whole scrape, so the process's own counters still reach Prometheus."""

    def __init__(self, uow: Uow) -> None:
        self.uow = uow

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("tarazu_store_up", "1 when the database answered this scrape.")
        try:
            with self.uow() as uow:
                scoring = uow.platform.scoring_backlog()
                overdue = uow.platform.longest_overdue()
                queues = uow.status.queue_counts()
                outbox = uow.outbox.pending_count()
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield _gauge("tarazu_scoring_queue_depth", "Accounts stored and waiting to be scored "
                     "for mirror detection.", scoring)
        yield _gauge("tarazu_scoring_overdue_seconds", "Seconds since the longest-waiting "
                     "scoring mark fell due (0: the worker is keeping up with its re-scores).",
                     overdue)
        review = GaugeMetricFamily("tarazu_review_queue_depth", "Open or escalated cases per "
                                   "review queue.", labels=["queue"])
        for name, n in sorted(queues.items()):
            review.add_metric([name], n)
        yield review
        yield _gauge("tarazu_outbox_depth", "Outbox messages not yet delivered to the "
                     "platform.", outbox)


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    g = GaugeMetricFamily(name, doc)
    g.add_metric([], value)
    return g


class _Together(Collector):
    """This process's counters and the store's depths, as one registry to expose."""

    def __init__(self, parts: Iterable[Collector]) -> None:
        self.parts = list(parts)

    def collect(self) -> Iterator[Metric]:
        for p in self.parts:
            yield from p.collect()


def registry_for(uow: Uow) -> Collector:
    """What a process exposes: its own counters plus the depths read from ``uow``'s store."""
    return _Together([REGISTRY, StoreDepths(uow)])


def exposition(uow: Uow) -> bytes:
    """The text exposition of :func:`registry_for` (the web app's ``/metrics`` body)."""
    return generate_latest(registry_for(uow))  # type: ignore[arg-type]


def serve(uow: Uow, port: int, addr: str = "127.0.0.1") -> None:
    """Expose the metrics of a process that has no web app (the stream worker) on
    ``addr:port`` from a daemon thread. Loopback by default: metrics are not for everyone."""
    from prometheus_client import start_http_server

    start_http_server(port, addr=addr, registry=registry_for(uow))  # type: ignore[arg-type]
