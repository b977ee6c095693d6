"""Platform accounts and posts: idempotent upserts and reads back into domain records."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Insert,
    Select,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from tarazu.adapters.db.crypto import FieldCipher
from tarazu.adapters.db.tables import accounts, posts, protected_accounts, scoring_queue
from tarazu.adapters.scoring_marks import mark_stamp, overdue_seconds
from tarazu.domain.chain import format_time, parse_time
from tarazu.domain.platform import Account, AccountStatus, Media, Post, verified_protection
from tarazu.service.records import MarkedAccount


# The statements the stream worker runs for every event, built once: building one costs more
# than running it on a local database.
def _by_key(table, id_column: str):  # type: ignore[no-untyped-def]
    return and_(table.c.platform == bindparam("k_platform"),
                table.c[id_column] == bindparam("k_id"))


#: Accounts whose posts one statement reads (a bound value each, well within every driver's
#: limit)
_KEYS_PER_STATEMENT = 1000

def _posts_of_many(platform: str, ids: Sequence[str], limit: int, dialect: str) -> Select:
    """The first ``limit`` posts of each of ``ids`` on ``platform``, account by account, in
    the order :data:`_POST_ORDER`.

    PostgreSQL: each account's posts found by the account index, one lateral subquery per
    id, whatever the table's statistics say. The window form below was planned, on a posts
    table not yet analysed (a store just filled by an import, its workers starting), as a
    scan of every post of the platform for each batch: 0.3 s a statement at 600,000 posts,
    half of a 100k build (BENCHMARKS.md)."""
    if dialect == "postgresql":
        ids_array = bindparam("k_ids", list(ids),
                              type_=postgresql.ARRAY(posts.c.account_id.type))
        keys = func.unnest(ids_array).table_valued("account_id").render_derived(name="k")
        each = (select(posts).where(posts.c.platform == platform,
                                    posts.c.account_id == keys.c.account_id)
                .order_by(*_POST_ORDER).limit(limit).lateral("p"))
        return (select(*(each.c[c.name] for c in posts.c)).select_from(keys)
                .join(each, literal_column("true"))
                .order_by(each.c.account_id, each.c.created_at, each.c.post_id))
    # a window numbers each account's posts
    rank = func.row_number().over(partition_by=posts.c.account_id,
                                  order_by=_POST_ORDER).label("k_rank")
    ranked = (select(posts, rank)
              .where(posts.c.platform == platform, posts.c.account_id.in_(list(ids)))
              .subquery())
    return (select(*(ranked.c[c.name] for c in posts.c)).where(ranked.c.k_rank <= limit)
            .order_by(ranked.c.account_id, ranked.c.k_rank))


_ACCOUNT_HASH = select(accounts.c.record_hash).where(_by_key(accounts, "account_id"))
_POST_HASH = select(posts.c.record_hash).where(_by_key(posts, "post_id"))
#: An account's posts in the order scoring reads them: oldest first, ties by id (so that a
#: score reads the same posts in the same order whichever statement read them).
_POST_ORDER = (posts.c.created_at, posts.c.post_id)
_POSTS_OF = (select(posts).where(_by_key(posts, "account_id")).order_by(*_POST_ORDER)
             .limit(bindparam("k_limit")))
_SCORING_FROM = accounts.outerjoin(scoring_queue, and_(
    scoring_queue.c.platform == accounts.c.platform,
    scoring_queue.c.account_id == accounts.c.account_id)).outerjoin(protected_accounts, and_(
        protected_accounts.c.platform == accounts.c.platform,
        protected_accounts.c.account_id == accounts.c.account_id))
_SCORING_COLUMNS = (scoring_queue.c.queued_at, *accounts.c, protected_accounts.c.category)
_FOR_SCORING = (select(*_SCORING_COLUMNS).select_from(_SCORING_FROM)
                .where(_by_key(accounts, "account_id")))
#: The same and the account's first posts, one row per post (one row without a post when it
#: has none): the stream worker reads both for every event, in one round trip.
_POST_PREFIX = "post_"
_FOR_SCORING_WITH_POSTS = (
    select(*_SCORING_COLUMNS, *(c.label(_POST_PREFIX + c.name) for c in posts.c))
    .select_from(_SCORING_FROM.outerjoin(posts, and_(
        posts.c.platform == accounts.c.platform, posts.c.account_id == accounts.c.account_id)))
    .where(_by_key(accounts, "account_id")).order_by(*_POST_ORDER)
    .limit(bindparam("k_limit")))
_MARK_OF = select(scoring_queue.c.queued_at).where(_by_key(scoring_queue, "account_id"))
_CLEAR_MARK = delete(scoring_queue).where(_by_key(scoring_queue, "account_id"),
                                          scoring_queue.c.queued_at == bindparam("k_at"))
_MARK: dict[str, Insert] = {}  # per dialect


def _pg_upsert(table, keys: tuple[str, ...]) -> Insert:  # type: ignore[no-untyped-def]
    """Insert, or update when the record's fingerprint differs, in one statement: one round
    trip per record instead of two (a read of the fingerprint, then the write). The row
    returned says which (``xmax = 0``: a new row); none comes back when the record is
    unchanged."""
    stmt = postgresql.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={c.name: stmt.excluded[c.name] for c in table.c if c.name not in keys},
        where=table.c.record_hash.is_distinct_from(stmt.excluded.record_hash),
    ).returning(literal_column("xmax = 0").label("added"))


_INSERT = {t.name: insert(t) for t in (accounts, posts)}
#: Many posts in one statement: each row returned names its post.
_PG_UPSERT_POSTS = _pg_upsert(posts, ("platform", "post_id")).returning(
    posts.c.platform, posts.c.post_id)
_PG_UPSERT_ACCOUNT = _pg_upsert(accounts, ("platform", "account_id"))
_PG_UPSERT_POST = _pg_upsert(posts, ("platform", "post_id"))


def _mark(dialect: str) -> Insert:
    """Set the mark, or give the one there a new time and the earlier of the two due times
    (marked again, an account is not scored later than it was due)."""
    if dialect not in _MARK:
        stmt = (postgresql if dialect == "postgresql" else sqlite).insert(scoring_queue)
        due, new = scoring_queue.c.due_at, stmt.excluded.due_at
        _MARK[dialect] = stmt.on_conflict_do_update(
            index_elements=["platform", "account_id"],
            set_={"queued_at": stmt.excluded.queued_at,
                  "due_at": case((or_(due.is_(None), due <= new), due), else_=new)})
    return _MARK[dialect]


def _key(platform: str, record_id: str) -> dict[str, str]:
    return {"k_platform": platform, "k_id": record_id}


def _fingerprint(record: Account | Post) -> str:
    return hashlib.sha256(
        json.dumps(asdict(record), sort_keys=True, default=str).encode()
    ).hexdigest()


def _post_values(p: Post) -> dict[str, Any]:
    return dict(account_id=p.account_id, created_at=_t(p.created_at), text=p.text,
                lang=p.lang, context=p.context, reply_to=p.reply_to,
                mentions=_j(p.mentions), hashtags=_j(p.hashtags), links=_j(p.links),
                media=json.dumps([asdict(m) for m in p.media]))


def _t(t: datetime | None) -> str | None:
    return format_time(t) if t else None


def _j(value: tuple | list) -> str:
    return json.dumps(list(value), ensure_ascii=False)


def _protection(r) -> str | None:  # type: ignore[no-untyped-def]
    """A row's protection: the registry's category (``category``, from the outer join), else
    platform verification (``verified_categories``, None when the account is not stored)."""
    if r.category:
        return r.category
    if r.verified_categories is None:
        return None
    return verified_protection(tuple(json.loads(r.verified_categories)))


_AT = {c.name: i for i, c in enumerate(posts.c)}  # a column's place in a row of the table


def _post_of(v: Sequence[Any]) -> Post:
    """A post from the values of a row of the posts table, in the table's column order."""
    return Post(
        post_id=v[_AT["post_id"]], account_id=v[_AT["account_id"]],
        platform=v[_AT["platform"]], created_at=parse_time(v[_AT["created_at"]]),
        text=v[_AT["text"]], lang=v[_AT["lang"]], context=v[_AT["context"]],
        reply_to=v[_AT["reply_to"]], mentions=tuple(json.loads(v[_AT["mentions"]])),
        hashtags=tuple(json.loads(v[_AT["hashtags"]])), links=tuple(json.loads(v[_AT["links"]])),
        media=tuple(Media(**x) for x in json.loads(v[_AT["media"]])),
    )


@dataclass(frozen=True)
class PostRows:
    """Rows of the posts table as plain tuples (picklable), decoded into posts when asked:
    by the worker process that builds profiles from them, not by the reading one."""

    keys: list[tuple[str, str]]
    rows: list[tuple[Any, ...]]

    def decode(self) -> dict[tuple[str, str], list[Post]]:
        out: dict[tuple[str, str], list[Post]] = {k: [] for k in self.keys}
        for values in self.rows:
            p = _post_of(values)
            out[(p.platform, p.account_id)].append(p)
        return out


class PlatformStore:
    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    # -- writes ------------------------------------------------------------------------------
    def upsert_account(self, a: Account, mark: bool = True) -> str:
        """Insert or update; returns 'added', 'updated' or 'unchanged' (re-imports are no-ops).
        A change marks the account for scoring, unless the caller (``mark=False``) scores it
        in this same transaction."""
        change = self._upsert(
            _PG_UPSERT_ACCOUNT, _ACCOUNT_HASH, accounts.c.account_id,
            {"platform": a.platform, "account_id": a.account_id}, _fingerprint(a),
            lambda: dict(
                handle=a.handle, display_name=a.display_name, bio=a.bio, links=_j(a.links),
                avatar_pdq=a.avatar_pdq, created_at=_t(a.created_at), status=a.status,
                removed_at=_t(a.removed_at), removal_reason=a.removal_reason,
                identifiers_enc=self.cipher.encrypt_json(a.identifiers),
                verified_categories=_j(a.verified_categories), following=_j(a.following),
                followers=_j(a.followers)))
        if mark and change != "unchanged":
            self.queue_for_scoring(a.platform, a.account_id)
        return change

    def upsert_post(self, p: Post, mark: bool = True) -> str:
        """As :meth:`upsert_account`; the mark is its author's."""
        change = self._upsert(
            _PG_UPSERT_POST, _POST_HASH, posts.c.post_id,
            {"platform": p.platform, "post_id": p.post_id}, _fingerprint(p),
            lambda: _post_values(p))
        if mark and change != "unchanged":
            self.queue_for_scoring(p.platform, p.account_id)
        return change

    def upsert_posts(self, ps: Sequence[Post], mark: bool = True) -> list[str]:
        """:meth:`upsert_post` of each, in order; on PostgreSQL in one statement (a stream
        worker stores the posts of a batch together). No post may come twice."""
        if self.conn.dialect.name != "postgresql" or len(ps) < 2:
            return [self.upsert_post(p, mark) for p in ps]
        rows = self.conn.execute(_PG_UPSERT_POSTS, [
            {"platform": p.platform, "post_id": p.post_id, **_post_values(p),
             "record_hash": _fingerprint(p)} for p in ps]).all()
        done = {(r.platform, r.post_id): "added" if r.added else "updated" for r in rows}
        changes = [done.get((p.platform, p.post_id), "unchanged") for p in ps]
        if mark:
            for p in {(p.platform, p.account_id): p for p, c in zip(ps, changes, strict=True)
                      if c != "unchanged"}.values():
                self.queue_for_scoring(p.platform, p.account_id)
        return changes

    def _upsert(self, pg_upsert: Insert, read_hash, id_column,  # type: ignore[no-untyped-def]
                key: dict[str, str], fp: str, values: Callable[[], dict[str, Any]]) -> str:
        """Store a record unless its fingerprint ``fp`` is the one stored: 'added',
        'updated' or 'unchanged'. PostgreSQL in one statement (a round trip to the server
        per event counts for a stream worker); elsewhere (SQLite, in process) a read of the
        stored fingerprint, then the insert or update."""
        table = id_column.table
        if self.conn.dialect.name == "postgresql":
            r = self.conn.execute(pg_upsert, {**key, **values(), "record_hash": fp}).first()
            return "unchanged" if r is None else "added" if r.added else "updated"
        platform, record_id = key.values()
        old = self.conn.execute(read_hash, _key(platform, record_id)).scalar()
        if old == fp:
            return "unchanged"
        if old is None:
            self.conn.execute(_INSERT[table.name], {**key, **values(), "record_hash": fp})
            return "added"
        self.conn.execute(update(table).where(table.c.platform == platform,
                                              id_column == record_id)
                          .values(**values(), record_hash=fp))
        return "updated"

    def set_status(self, platform: str, account_id: str, status: str,
                   at: datetime | None = None, reason: str = "") -> None:
        """Record what the platform did (removed / reinstated) as platform data."""
        removed = status == AccountStatus.REMOVED
        self.conn.execute(update(accounts).where(
            accounts.c.platform == platform, accounts.c.account_id == account_id).values(
            status=status, removed_at=_t(at) if removed else None,
            removal_reason=reason if removed else "", record_hash="changed"))
        self.queue_for_scoring(platform, account_id)

    # -- the scoring queue (see tables.scoring_queue) ----------------------------------------
    def queue_for_scoring(self, platform: str, account_id: str, delay: float = 0.0) -> None:
        """Mark the account for mirror detection, in the caller's transaction, due in
        ``delay`` seconds. A mark that is already there gets a new time, so a worker that
        read the old one (and is scoring the record as it was) does not clear it; and keeps
        its due time when that is earlier."""
        now = datetime.now(UTC)
        self.conn.execute(_mark(self.conn.dialect.name), {
            "platform": platform, "account_id": account_id, "queued_at": mark_stamp(now),
            "due_at": mark_stamp(now + timedelta(seconds=delay))})

    def queue_many_for_scoring(self, keys: Iterable[tuple[str, str]], delay: float = 0.0
                               ) -> None:
        """:meth:`queue_for_scoring` of each (platform, account id), in one statement."""
        now = datetime.now(UTC)
        due = mark_stamp(now + timedelta(seconds=delay))
        rows = [{"platform": p, "account_id": a, "queued_at": mark_stamp(now), "due_at": due}
                for p, a in sorted(set(keys))]
        if rows:
            self.conn.execute(_mark(self.conn.dialect.name), rows)

    def account_statuses(self, keys: Iterable[tuple[str, str]]
                         ) -> dict[tuple[str, str], str]:
        """The status of each stored account among ``keys``, in one query."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        rows = self.conn.execute(
            select(accounts.c.platform, accounts.c.account_id, accounts.c.status)
            .where(tuple_(accounts.c.platform, accounts.c.account_id).in_(wanted)))
        return {(r.platform, r.account_id): r.status for r in rows}

    def queued_for_scoring(self, limit: int = 100) -> list[tuple[str, str, str]]:
        """The marks due now, the longest due first: (platform, account id, queued at)."""
        due = func.coalesce(scoring_queue.c.due_at, scoring_queue.c.queued_at)
        rows = self.conn.execute(
            select(scoring_queue).where(or_(
                scoring_queue.c.due_at.is_(None),
                scoring_queue.c.due_at <= mark_stamp(datetime.now(UTC))))
            .order_by(due, scoring_queue.c.platform, scoring_queue.c.account_id).limit(limit))
        return [(r.platform, r.account_id, r.queued_at) for r in rows]

    def account_for_scoring(self, platform: str, account_id: str, posts: int = 0
                            ) -> MarkedAccount | None:
        """The record (identifiers decrypted: the caller scores it and logs the read), the
        protection, any scoring mark of an account and (``posts`` > 0) up to that many of
        its first posts, in one statement — the stream worker reads them for every event;
        only a mark (posts ahead of their author) when the account is not stored; None when
        neither is there."""
        key = _key(platform, account_id)
        if posts > 0:
            rows = self.conn.execute(_FOR_SCORING_WITH_POSTS, {**key, "k_limit": posts}).all()
            if rows:
                r = rows[0]
                return MarkedAccount(
                    r.queued_at, self._account(r, True), _protection(r),
                    [self._post(x, _POST_PREFIX) for x in rows
                     if x._mapping[_POST_PREFIX + "post_id"] is not None])
        elif (r := self.conn.execute(_FOR_SCORING, key).first()) is not None:
            return MarkedAccount(r.queued_at, self._account(r, True), _protection(r))
        at = self.conn.execute(_MARK_OF, key).scalar()
        return MarkedAccount(at, None, None) if at is not None else None

    def clear_scoring_mark(self, platform: str, account_id: str, queued_at: str) -> bool:
        """Clear the mark read as ``queued_at``; a newer one (the record changed meanwhile)
        stays."""
        return bool(self.conn.execute(
            _CLEAR_MARK, {**_key(platform, account_id), "k_at": queued_at}).rowcount)

    def clear_scoring_marks(self, keys: list[tuple[str, str]], before: str) -> None:
        """Clear the marks of these accounts set before ``before`` (a batch scan read their
        records then)."""
        for platform, account_id in keys:
            self.conn.execute(delete(scoring_queue).where(
                scoring_queue.c.platform == platform, scoring_queue.c.account_id == account_id,
                scoring_queue.c.queued_at <= before))

    def scoring_backlog(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(scoring_queue))
                   .scalar_one())

    def longest_overdue(self) -> float:
        now = datetime.now(UTC)
        first = self.conn.execute(
            select(func.min(func.coalesce(scoring_queue.c.due_at, scoring_queue.c.queued_at)))
        ).scalar_one()
        return overdue_seconds(first, now)

    # -- reads -------------------------------------------------------------------------------
    def _account(self, r, with_identifiers: bool) -> Account:  # type: ignore[no-untyped-def]
        return Account(
            account_id=r.account_id, platform=r.platform, handle=r.handle,
            display_name=r.display_name, bio=r.bio, links=tuple(json.loads(r.links)),
            avatar_pdq=r.avatar_pdq, created_at=parse_time(r.created_at), status=r.status,
            removed_at=parse_time(r.removed_at) if r.removed_at else None,
            removal_reason=r.removal_reason,
            identifiers=(self.cipher.decrypt_json(r.identifiers_enc) or {})
            if with_identifiers else {},
            verified_categories=tuple(json.loads(r.verified_categories)),
            following=tuple(json.loads(r.following)), followers=tuple(json.loads(r.followers)),
        )

    def get_account(self, platform: str, account_id: str, with_identifiers: bool = False
                    ) -> Account | None:
        """Identifiers are personal data: decrypted only when a caller asks (and logs it)."""
        r = self.conn.execute(select(accounts).where(
            accounts.c.platform == platform, accounts.c.account_id == account_id)).first()
        return self._account(r, with_identifiers) if r else None

    def handles(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The handle of each known ``(platform, account id)``, in one query (a queue page
        names fifty accounts)."""
        wanted = set(keys)
        if not wanted:
            return {}
        rows = self.conn.execute(
            select(accounts.c.platform, accounts.c.account_id, accounts.c.handle)
            .where(tuple_(accounts.c.platform, accounts.c.account_id).in_(wanted)))
        return {(r.platform, r.account_id): r.handle for r in rows}

    def find_account(self, platform: str, ref: str) -> Account | None:
        """Resolve '@handle', a profile URL or an account id to an account."""
        ref = ref.strip()
        if "://" in ref:
            ref = ref.rstrip("/").rsplit("/", 1)[-1]
        handle = ref.lstrip("@")
        r = self.conn.execute(select(accounts).where(
            accounts.c.platform == platform,
            or_(accounts.c.account_id == ref,
                func.lower(accounts.c.handle) == handle.lower(),
                func.lower(accounts.c.handle) == ("@" + handle).lower()))).first()
        return self._account(r, False) if r else None

    def iter_accounts(self, status: str | None = None, platform: str | None = None,
                      with_identifiers: bool = False) -> Iterator[Account]:
        q = select(accounts).order_by(accounts.c.platform, accounts.c.account_id)
        if status:
            q = q.where(accounts.c.status == status)
        if platform:
            q = q.where(accounts.c.platform == platform)
        for r in self.conn.execute(q):
            yield self._account(r, with_identifiers)

    def removed_keys(self) -> set[tuple[str, str]]:
        """(platform, account id) of every removed account: two short columns, nothing
        decrypted, so a worker can compare it with what it holds every few seconds."""
        rows = self.conn.execute(select(accounts.c.platform, accounts.c.account_id)
                                 .where(accounts.c.status == AccountStatus.REMOVED.value))
        return {(r.platform, r.account_id) for r in rows}

    def posts_of(self, platform: str, account_id: str, limit: int = 200) -> list[Post]:
        rows = self.conn.execute(_POSTS_OF, {**_key(platform, account_id),
                                             "k_limit": limit})
        return [self._post(r) for r in rows]

    def posts_of_many(self, keys: Sequence[tuple[str, str]], limit: int = 200
                      ) -> dict[tuple[str, str], list[Post]]:
        return self.posts_of_many_rows(keys, limit).decode()

    def posts_of_many_rows(self, keys: Sequence[tuple[str, str]], limit: int = 200
                           ) -> PostRows:
        """One statement for many accounts' first posts, not one round trip each (a round
        trip to PostgreSQL cost more than reading the posts did: BENCHMARKS.md). One
        platform a statement, its account ids a list: a list of (platform, id) pairs was
        planned as a scan of every post against each pair."""
        wanted = list(dict.fromkeys((pl, a) for pl, a in keys))
        by_platform: dict[str, list[str]] = {}
        for pl, a in wanted:
            by_platform.setdefault(pl, []).append(a)
        rows: list[tuple[Any, ...]] = []
        for platform, ids in by_platform.items():
            for at in range(0, len(ids), _KEYS_PER_STATEMENT):
                q = _posts_of_many(platform, ids[at : at + _KEYS_PER_STATEMENT], limit,
                                   self.conn.dialect.name)
                rows.extend(tuple(r) for r in self.conn.execute(q))
        return PostRows(wanted, rows)

    def get_post(self, platform: str, post_id: str) -> Post | None:
        r = self.conn.execute(select(posts).where(
            posts.c.platform == platform, posts.c.post_id == post_id)).first()
        return self._post(r) if r else None

    @staticmethod
    def _post(r, prefix: str = "") -> Post:  # type: ignore[no-untyped-def]
        """A post from a row of the posts table, or from its columns labelled ``prefix`` +
        name in a wider row."""
        m = r._mapping
        return _post_of([m[prefix + c.name] for c in posts.c])

    def count(self) -> dict[str, int]:
        return {
            "accounts": self.conn.execute(select(func.count()).select_from(accounts)).scalar_one(),
            "posts": self.conn.execute(select(func.count()).select_from(posts)).scalar_one(),
        }

    # -- protection --------------------------------------------------------------------------
    def protect(self, platform: str, account_id: str, category: str, source: str,
                added_by: str, at: datetime, note: str = "") -> bool:
        key = and_(protected_accounts.c.platform == platform,
                   protected_accounts.c.account_id == account_id)
        if self.conn.execute(select(protected_accounts.c.category).where(key)).first():
            return False
        self.conn.execute(insert(protected_accounts).values(
            platform=platform, account_id=account_id, category=category, source=source,
            added_by=added_by, added_at=format_time(at), note=note))
        return True

    def protected_registry(self) -> list[dict[str, Any]]:
        """The protected-accounts registry (imported and staff entries; platform-verified
        accounts are protected by their verified category and are not listed here)."""
        rows = self.conn.execute(select(protected_accounts).order_by(
            protected_accounts.c.platform, protected_accounts.c.account_id))
        return [dict(r._mapping) for r in rows]

    def protection(self, platform: str, account_id: str) -> str | None:
        """The category that protects the account, from the registry or platform verification.
        One statement for a stored account (the stream worker asks for every account it
        scores); the registry alone for one not stored."""
        registry = and_(protected_accounts.c.platform == accounts.c.platform,
                        protected_accounts.c.account_id == accounts.c.account_id)
        r = self.conn.execute(
            select(protected_accounts.c.category, accounts.c.verified_categories)
            .select_from(accounts.outerjoin(protected_accounts, registry))
            .where(accounts.c.platform == platform, accounts.c.account_id == account_id)
        ).first()
        if r is None:
            return self.conn.execute(select(protected_accounts.c.category).where(
                protected_accounts.c.platform == platform,
                protected_accounts.c.account_id == account_id)).scalar()
        return _protection(r)
