"""Table definitions (SQLAlchemy Core). The domain does not inherit from these: repositories
map rows to frozen domain values.

Other modules of this package add their tables to the same ``metadata``."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tarazu.domain.case import UNDER_REVIEW

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# The append-only, hash-chained log of moderation events. Rows are never updated or deleted.
moderation_events = Table(
    "moderation_events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=False),
    Column("event_id", String(32), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("subject_type", String(16), nullable=False),
    Column("subject_id", String(300), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("occurred_at", String(32), nullable=False),
    Column("payload", Text, nullable=False),
    Column("idempotency_key", String(200), nullable=True, unique=True),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_moderation_events_subject", "subject_type", "subject_id", "seq"),
    Index("ix_moderation_events_kind", "kind", "seq"),
)

# One row: the current head of the chain. Locked FOR UPDATE by every append (serialises writers).
chain_head = Table(
    "chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("hash", String(64), nullable=False),
)

# Projection of the log: one row per subject with its folded state, for queues and counts.
subject_status = Table(
    "subject_status",
    metadata,
    Column("subject_type", String(16), primary_key=True),
    Column("subject_id", String(300), primary_key=True),
    Column("review_state", String(16), nullable=False),
    Column("queue", String(64), nullable=True),
    Column("priority", Integer, nullable=False, default=0),
    Column("enforcement", String(32), nullable=True),
    Column("protected", Boolean, nullable=False, default=False),
    Column("assigned_to", String(200), nullable=True),
    Column("last_event_at", String(32), nullable=True),
    Column("last_seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    # What the case waits for (open, escalated, awaiting_second, appealed), folded from its
    # events when the row is written, so the queue's state filter is a WHERE, not a fold.
    Column("entry_state", String(16), nullable=True),
    # When the case is due (its queue's SLA from when it entered review; None without one),
    # the same value as ``case_deadlines``, kept here so the queue's due filters and overdue
    # counts are a WHERE on the projection, not a join or a check row by row.
    Column("due_at", String(32), nullable=True),
    # What the queue shows of the case (``CaseSummary``), folded when the row is written, so a
    # page of the queue reads no event: its reports, their sources (comma-separated), the kind
    # of its last event, whether a decision awaits a second reviewer, whether it is appealed.
    Column("reports", Integer, nullable=True),
    Column("sources", String(300), nullable=True),
    Column("last_kind", String(32), nullable=True),
    Column("pending_decision", Boolean, nullable=True),
    Column("appealed", Boolean, nullable=True),
    Index("ix_subject_status_queue", "review_state", "queue", "priority"),
)

#: The review states of a case waiting in a queue (what :meth:`StatusStore.queue` lists).
OPEN_STATES = tuple(s.value for s in UNDER_REVIEW)  # plain strings for SQL and DDL
_WAITING = subject_status.c.review_state.in_(OPEN_STATES)
# The queue's order, over open cases only, so a page is read off the index instead of sorting
# every open case: all queues, and one named queue. ``subject_type`` ends each, so the keys of
# a deep page are read from the index alone.
_ORDER = (subject_status.c.priority.desc(), subject_status.c.last_event_at,
          subject_status.c.subject_id, subject_status.c.subject_type)
Index("ix_subject_status_open_order", *_ORDER, postgresql_where=_WAITING, sqlite_where=_WAITING)
Index("ix_subject_status_open_queue_order", subject_status.c.queue, *_ORDER,
      postgresql_where=_WAITING, sqlite_where=_WAITING)
# The same order within one entry state, so a page filtered by state reads only matching cases.
Index("ix_subject_status_open_state_order", subject_status.c.entry_state, *_ORDER,
      postgresql_where=_WAITING, sqlite_where=_WAITING)
Index("ix_subject_status_open_queue_state_order", subject_status.c.queue,
      subject_status.c.entry_state, *_ORDER, postgresql_where=_WAITING, sqlite_where=_WAITING)
# Open cases by due date (then queue): the overdue counts read the overdue range of it alone,
# and a due filter that few cases match reads its matches from here instead of walking the
# queue's order.
Index("ix_subject_status_open_due", subject_status.c.due_at, subject_status.c.queue,
      postgresql_where=_WAITING, sqlite_where=_WAITING)

# Open cases per queue ("" for cases no queue took), kept by the projection in the transaction
# that changes a case, so the queue page's tabs read a few rows instead of counting every open
# case. Writers are already serialised by the chain head, so the counters add no contention.
queue_counts = Table(
    "queue_counts",
    metadata,
    Column("queue", String(64), primary_key=True),
    Column("cases", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
)

# Open cases per queue and the hour they fall due (UTC, "2026-12-05T11"), kept the same way: the
# overdue counts add up the hours that have passed and count only the current hour's cases
# row by row, so they cost the same whatever the number of overdue cases. A row that drops to
# zero is deleted, so the table holds only hours in which some open case falls due.
queue_due_counts = Table(
    "queue_due_counts",
    metadata,
    Column("queue", String(64), primary_key=True),
    Column("due_hour", String(13), primary_key=True),
    Column("cases", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
)

# Platform data in the interchange format. Identifiers are personal data: encrypted at rest.
accounts = Table(
    "accounts",
    metadata,
    Column("platform", String(64), primary_key=True),
    Column("account_id", String(200), primary_key=True),
    Column("handle", String(300), nullable=False),
    Column("display_name", Text, nullable=False, default=""),
    Column("bio", Text, nullable=False, default=""),
    Column("links", Text, nullable=False, default="[]"),
    Column("avatar_pdq", String(64), nullable=True),
    Column("created_at", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("removed_at", String(32), nullable=True),
    Column("removal_reason", Text, nullable=False, default=""),
    Column("identifiers_enc", LargeBinary, nullable=True),
    Column("verified_categories", Text, nullable=False, default="[]"),
    Column("following", Text, nullable=False, default="[]"),
    Column("followers", Text, nullable=False, default="[]"),
    Column("record_hash", String(64), nullable=False),
    Index("ix_accounts_handle", "platform", "handle"),
)

posts = Table(
    "posts",
    metadata,
    Column("platform", String(64), primary_key=True),
    Column("post_id", String(200), primary_key=True),
    Column("account_id", String(200), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("lang", String(16), nullable=False, default=""),
    Column("context", Text, nullable=False, default=""),
    Column("reply_to", String(200), nullable=True),
    Column("mentions", Text, nullable=False, default="[]"),
    Column("hashtags", Text, nullable=False, default="[]"),
    Column("links", Text, nullable=False, default="[]"),
    Column("media", Text, nullable=False, default="[]"),
    Column("record_hash", String(64), nullable=False),
    Index("ix_posts_account", "platform", "account_id", "created_at"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("roles", String(200), nullable=False),
    Column("display_name", String(200), nullable=False, default=""),
    Column("organisation", String(200), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", String(32), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32), nullable=True),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
)

# Referral requests and their items, as received; outcomes of checks are events on the log.
referral_requests = Table(
    "referral_requests",
    metadata,
    Column("request_id", String(200), primary_key=True),
    Column("requester_type", String(32), nullable=False),
    Column("country", String(8), nullable=False, default=""),
    Column("agency", String(300), nullable=False, default=""),
    Column("requester", Text, nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("submitted_by", String(100), nullable=True),
    Column("document_sha256", String(64), nullable=False),
)

referral_items = Table(
    "referral_items",
    metadata,
    Column("request_id", String(200), primary_key=True),
    Column("line", Integer, primary_key=True, autoincrement=False),
    Column("account_ref", String(500), nullable=False),
    Column("platform", String(64), nullable=False),
    Column("account_id", String(200), nullable=True),
    Column("item", Text, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("reasons", Text, nullable=False, default="[]"),
)

# Transactional outbox: enforcement webhooks and other pushes, written with the event.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(200), nullable=False),
    Column("destination", String(64), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("event_seq", BigInteger().with_variant(Integer, "sqlite"), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", String(32), nullable=False),
    Column("delivered_at", String(32), nullable=True),
    Column("last_error", Text, nullable=True),
    # What the message is about (``account:<platform>:<id>``): a subject's messages reach
    # the platform in the order they were written — a notice never before its enforcement.
    Column("subject_key", String(300), nullable=True),
    UniqueConstraint("idempotency_key", "destination"),
    Index("ix_outbox_pending", "delivered_at", "next_attempt_at"),
    Index("ix_outbox_subject", "destination", "subject_key", "id"),
)

# Protected accounts: journalists, news organisations, NGOs, officials. Any action against one
# needs a senior reviewer and none is automatic. Sources: platform verification, imported
# lists, staff.
protected_accounts = Table(
    "protected_accounts",
    metadata,
    Column("platform", String(64), primary_key=True),
    Column("account_id", String(200), primary_key=True),
    Column("category", String(64), nullable=False),
    Column("source", String(64), nullable=False),
    Column("added_by", String(200), nullable=False),
    Column("added_at", String(32), nullable=False),
    Column("note", Text, nullable=False, default=""),
)

# Accounts whose record or posts changed since mirror detection last looked at them, whatever
# path stored them (bulk import, HTTP event, stream). Written in the same transaction as the
# change; the stream worker drains it and deletes a row in the transaction that records the
# score, so a crash between storing and scoring leaves the row, and the account is scored.
scoring_queue = Table(
    "scoring_queue",
    metadata,
    Column("platform", String(64), primary_key=True),
    Column("account_id", String(200), primary_key=True),
    Column("queued_at", String(32), nullable=False),
    # From when the worker may score the account: its mark's time for a change scored as
    # soon as possible, later for a post (a burst of posts is scored once); an account
    # marked again keeps the earlier of the two. None (a mark older than the column): now.
    Column("due_at", String(32), nullable=True),
    Index("ix_scoring_queue_queued_at", "queued_at"),
    Index("ix_scoring_queue_due_at", "due_at"),
)
