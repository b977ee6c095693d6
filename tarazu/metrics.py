"""The process's own counters and histograms, which an operator watches to know the pipeline
keeps up (exposed with the store's queue depths by ``adapters.metrics``).

They live in ``prometheus_client``'s process-wide registry and are counted in the process that
does the work: the stream worker counts the events it handles, whichever process delivers the
outbox counts the deliveries. The service layer counts through this module, which needs no
adapter. Labels carry no personal data and no value taken from input that could grow without
bound: a bank's name (set by an administrator), a result from a fixed list."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

#: Content type of the text exposition format.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

EVENTS_IN = Counter(
    "tarazu_stream_events", "Platform events taken from the stream, by what became of them "
    "(handled; failed: handed back for redelivery; dead: set aside on the dead-letter "
    "subject).", ["stream", "result"])
CONSUMER_LAG = Gauge(
    "tarazu_stream_consumer_lag_messages", "Messages on the stream not yet delivered to this "
    "worker's durable consumer (JetStream's own count, as of the last message or fetch).",
    ["stream"])
FLAG_LATENCY = Histogram(
    "tarazu_signup_to_flag_seconds", "From an account's creation on the platform (the event's "
    "created_at) to its mirror flag being committed.",
    buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0))
SCORED = Counter("tarazu_mirror_accounts_scored", "Accounts scored for mirror detection, by "
                 "whether a flag was raised.", ["flagged"])
WEBHOOK_DELIVERIES = Counter(
    "tarazu_webhook_deliveries", "Outbox messages sent to the platform, by result "
    "(delivered, failed).", ["result"])
WEBHOOK_RETRIES = Counter(
    "tarazu_webhook_retries", "Sends of outbox messages that had failed before (any result).")
HASH_MATCHES = Counter("tarazu_hash_matches", "Banked hashes matched, by bank.", ["bank"])
