"""The NATS names a set of shards and its merger agree on, in a module that loads nothing
else, so that commands can show them as defaults without importing the NATS client."""

#: Prefix of the subjects shards answer calls on: ``<prefix>.<shard name>.<call>``.
SUBJECT = "tarazu.mirrors.shard"
#: The stream and subjects of the shards' removals and withdrawals (one subject per shard).
FEED_STREAM, FEED = "TARAZU_SHARD_FEED", "tarazu.mirrors.feed"
