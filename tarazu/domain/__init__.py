"""The core domain: platform records, moderation events on subjects, the audit chain.

Nothing in here performs I/O or imports an adapter (database, web, broker, Spark)."""
