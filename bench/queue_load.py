"""The reviewer's work queue with many open cases on PostgreSQL (issue 18: "1M cases in the
queue"). Each figure is an HTTP request through the real app (ASGI, in process) as a logged-in
reviewer: templates, session check, rate-limit bucket and all.

    python bench/queue_load.py                       # 100,000 open cases (a few minutes)
    python bench/queue_load.py --cases 1000000       # the issue's size
    python bench/queue_load.py --cases 1000000 --keep tarazu_queue_bench   # keep it to re-measure
    python bench/queue_load.py --reuse tarazu_queue_bench                 # measure only

What is seeded. Running a million cases through the use cases would take hours, so the bench
writes the rows the read path uses with COPY, in batches: the case projection
(``subject_status``, with what each case waits for and when it is due), the due dates
(``case_deadlines``), the accounts and posts the cases are about, protected accounts, and a
short event history per case (``moderation_events``), because every queue row folds its
subject's events (report count, sources, a proposal awaiting a second reviewer, an open
appeal). Each case's events are folded
and routed by the domain's own code (``fold``, the default router, the queue's SLA), so the
projection, the due date and the history agree as if the use cases had written them, and the
events are chained as the log chains them.
Not seeded: the outbox, referrals, reports' text, data requests; closed cases (all cases are
open or escalated, the queue's worst case). Spreads: 9 queues by source and language, priority
1-12 (a few heavy subjects), ages up to 30 days (most recent), 20% assigned to one of 40
reviewers, 3% escalated, 1% protected, 1% awaiting a second reviewer, 0.5% appealed; 90%
accounts, 10% posts, on four platforms.

Measured after ANALYZE, per scenario: p50/p95/p99 of the request, the number of SQL statements
it ran, and the statement that took most of its time; ``--explain`` adds that statement's
``EXPLAIN (ANALYZE, BUFFERS)``. A scenario whose first request is slower than ``--slow`` seconds
is measured ``--slow-reps`` times only. The scratch database is dropped at the end unless
``--keep`` is given."""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402

from tarazu.adapters.db.engine import alembic_config  # noqa: E402
from tarazu.adapters.db.status_store import summary_columns  # noqa: E402
from tarazu.adapters.passwords import hash_password  # noqa: E402
from tarazu.bootstrap import App, bootstrap  # noqa: E402
from tarazu.domain import routing  # noqa: E402
from tarazu.domain.case import fold  # noqa: E402
from tarazu.domain.chain import GENESIS, canonical_json, chain, format_time  # noqa: E402
from tarazu.domain.events import (  # noqa: E402
    EventKind,
    ModerationEvent,
    RecordedEvent,
    SubjectRef,
    SubjectType,
)
from tarazu.domain.roles import Role  # noqa: E402
from tarazu.domain.routing import QUEUES  # noqa: E402
from tarazu.entrypoints.logs import configure as configure_logs  # noqa: E402
from tarazu.service.cases import default_router  # noqa: E402
from tarazu.service.queue_filters import case_entry_state  # noqa: E402
from tarazu.service.records import CaseSummary  # noqa: E402
from tarazu.settings import Settings  # noqa: E402

GOAL_P95_MS = 200.0
PLATFORMS = (("microblog", 0.45), ("photos", 0.30), ("chat", 0.15), ("video", 0.10))
REVIEWERS = tuple(f"reviewer{i:02d}" for i in range(40))
PASSWORD = "bench password, not a secret"
EVENT_COLS = ("seq", "event_id", "kind", "subject_type", "subject_id", "actor", "occurred_at",
              "payload", "prev_hash", "hash")
STATUS_COLS = ("subject_type", "subject_id", "review_state", "queue", "priority", "enforcement",
               "protected", "assigned_to", "last_event_at", "last_seq", "entry_state", "due_at",
               "reports", "sources", "last_kind", "pending_decision", "appealed")


# -- the database ---------------------------------------------------------------------------
def _driver(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def admin_exec(admin_url: str, sql: str) -> None:
    eng = create_engine(_driver(admin_url), isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(sql))
    eng.dispose()


def open_app(home: Path, url: str) -> App:
    """The app on ``url``, its schema brought to this version's head (a kept database may
    predate a migration), with the API rate limit out of the way of the bench."""
    app = bootstrap(Settings.from_env({
        "TARAZU_HOME": str(home), "TARAZU_DATABASE_URL": url, "TARAZU_COOKIE_SECURE": "0",
        "TARAZU_API_RATE": "1000000/1000000"}), migrate=False)
    t0 = time.perf_counter()
    command.upgrade(alembic_config(app.engine), "head")
    print(f"  schema at head ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return app


# -- seeding --------------------------------------------------------------------------------
@dataclass
class Seeded:
    """What one generated case writes."""

    events: list[ModerationEvent]
    protected: bool
    account: tuple[str, str] | None  # (platform, account id) of the subject or post's author
    post_id: str | None = None


def _weighted(rng: random.Random, items: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([i for i, _ in items], [w for _, w in items])[0]


def make_case(rng: random.Random, i: int, now: datetime) -> Seeded:
    """One open case with a short history: how it arrived (report, referral, flag), more
    reports, and maybe an assignment, an escalation, a proposal or an appeal."""
    platform = _weighted(rng, PLATFORMS)
    is_post = rng.random() < 0.10
    account_id = f"u{i}"
    ref = SubjectRef(SubjectType.POST if is_post else SubjectType.ACCOUNT,
                     f"{platform}:{'p' if is_post else 'u'}{i}")
    age = min(rng.expovariate(1 / (4 * 86400)), 30 * 86400)  # seconds since it arrived
    t = now - timedelta(seconds=age)
    step = max(age / 8, 1.0)

    def at() -> datetime:
        nonlocal t
        t = min(t + timedelta(seconds=rng.uniform(0, step)), now)
        return t

    events: list[ModerationEvent] = []
    how = rng.random()
    lang = "ps" if rng.random() < 0.05 else rng.choice(("en", "ar", "fr", "ur", "fa"))
    if how < 0.22:
        events.append(ModerationEvent(EventKind.MIRROR_FLAG, ref, "system:mirrors", at(), {
            "removed_account": f"{platform}:removed{rng.randrange(100_000)}",
            "probability": round(rng.uniform(0.6, 0.999), 3)}))
    else:
        source = ("government" if how < 0.27 else "trusted_flagger" if how < 0.42 else "public")
        policy = "VIO-1" if rng.random() < 0.04 else rng.choice(("TER-1", "TER-2", "HAT-1"))
        for _ in range(int(rng.paretovariate(2.5)) + (rng.random() < 0.3)):
            events.append(ModerationEvent(EventKind.REPORT, ref, f"reporter{rng.randrange(10**6)}",
                                          at(), {"source": source, "policy": policy,
                                                 "lang": lang, "priority": rng.randint(1, 3)}))
    r = rng.random()
    if r < 0.01:
        events.append(ModerationEvent(EventKind.DECISION, ref, rng.choice(REVIEWERS), at(), {
            "action": "remove", "policy": "TER-1", "reason": "bench", "needs_confirmation": True}))
    elif r < 0.015:
        decision = ModerationEvent(EventKind.DECISION, ref, rng.choice(REVIEWERS), at(), {
            "action": "label", "policy": "TER-2", "reason": "bench"})
        events += [decision, ModerationEvent(EventKind.APPEAL, ref, "user", at(), {
            "decision_id": decision.event_id, "statement": "bench"})]
    elif r < 0.045:
        events.append(ModerationEvent(EventKind.ESCALATE, ref, rng.choice(REVIEWERS), at(),
                                      {"reason": "bench"}))
    if rng.random() < 0.20:
        events.append(ModerationEvent(EventKind.ASSIGN, ref, rng.choice(REVIEWERS), at(),
                                      {"assignee": rng.choice(REVIEWERS)}))
    return Seeded(events, rng.random() < 0.01, (platform, account_id),
                  f"p{i}" if is_post else None)


class Chain:
    """The log's chain, continued across batches as the event store would continue it."""

    def __init__(self) -> None:
        self.last: RecordedEvent | None = None

    def link(self, e: ModerationEvent) -> RecordedEvent:
        rec = chain(self.last, e)
        if self.last is None:
            assert rec.prev_hash == GENESIS
        self.last = rec
        return rec


def _copy(cur: Any, table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def seed(app: App, cases: int, now: datetime, batch: int = 10_000, rng_seed: int = 18) -> None:
    rng = random.Random(rng_seed)
    links = Chain()
    started = time.perf_counter()
    raw = app.engine.raw_connection()
    try:
        conn = raw.driver_connection
        for lo in range(0, cases, batch):
            ev_rows, st_rows, dl_rows, acc_rows, post_rows, prot_rows = [], [], [], [], [], []
            for i in range(lo, min(lo + batch, cases)):
                c = make_case(rng, i, now)
                ref = c.events[0].subject
                recs = [links.link(e) for e in c.events]
                for e, r in zip(c.events, recs, strict=True):
                    ev_rows.append((r.seq, e.event_id, e.kind.value, ref.type.value, ref.id,
                                    e.actor, format_time(e.occurred_at),
                                    canonical_json(dict(e.payload)), r.prev_hash, r.hash))
                state = fold(ref, c.events)
                queue = default_router(state, c.protected)
                due = routing.due_at(state, queue)
                st_rows.append((ref.type.value, ref.id, state.review_state, queue,
                                state.priority, state.enforcement, c.protected,
                                state.assigned_to, format_time(state.last_event_at),
                                recs[-1].seq, case_entry_state(state),
                                format_time(due) if due else None,
                                *summary_columns(CaseSummary.of(state)).values()))
                dl_rows.append((ref.type.value, ref.id, queue, format_time(due) if due else None))
                platform, account_id = c.account  # type: ignore[misc]
                created = format_time(c.events[0].occurred_at - timedelta(days=rng.randint(1,
                                                                                          900)))
                acc_rows.append((platform, account_id, f"handle_{i}", f"Name {i}", "a bio",
                                 "[]", created, "active", "", "[]", "[]", "[]", f"{i:064x}"))
                if c.post_id:
                    post_rows.append((platform, c.post_id, account_id, created, "post text",
                                      "en", "", "[]", "[]", "[]", "[]", f"{i:064x}"))
                if c.protected:
                    prot_rows.append((platform, account_id, "journalist", "platform",
                                      "bench", created, ""))
            with conn.transaction(), conn.cursor() as cur:
                _copy(cur, "moderation_events", EVENT_COLS, ev_rows)
                _copy(cur, "subject_status", STATUS_COLS, st_rows)
                _copy(cur, "case_deadlines", ("subject_type", "subject_id", "queue", "due_at"),
                      dl_rows)
                _copy(cur, "accounts", ("platform", "account_id", "handle", "display_name",
                                        "bio", "links", "created_at", "status",
                                        "removal_reason", "verified_categories", "following",
                                        "followers", "record_hash"), acc_rows)
                _copy(cur, "posts", ("platform", "post_id", "account_id", "created_at", "text",
                                     "lang", "context", "mentions", "hashtags", "links",
                                     "media", "record_hash"), post_rows)
                _copy(cur, "protected_accounts", ("platform", "account_id", "category",
                                                  "source", "added_by", "added_at", "note"),
                      prot_rows)
            done = min(lo + batch, cases)
            spent = time.perf_counter() - started
            print(f"  seeded {done:,}/{cases:,} cases, {links.last.seq:,} events "  # type: ignore[union-attr]
                  f"({done / spent:,.0f} cases/s, ~{(cases - done) / (done / spent):,.0f} s "
                  "left)", file=sys.stderr, flush=True)
        last = links.last
        assert last is not None
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("UPDATE chain_head SET seq = %s, hash = %s WHERE id = 1",
                        (last.seq, last.hash))
            # the counters the projection keeps as it saves a case (as migrations 0011 and
            # 0014 fill them): open cases per queue, and per queue and hour they fall due
            cur.execute("INSERT INTO queue_counts (queue, cases) SELECT COALESCE(queue, ''), "
                        "count(*) FROM subject_status WHERE review_state IN ('open', "
                        "'escalated') GROUP BY COALESCE(queue, '')")
            cur.execute("INSERT INTO queue_due_counts (queue, due_hour, cases) SELECT "
                        "COALESCE(queue, ''), substr(due_at, 1, 13), count(*) FROM "
                        "subject_status WHERE review_state IN ('open', 'escalated') AND "
                        "due_at IS NOT NULL GROUP BY COALESCE(queue, ''), substr(due_at, 1, 13)")
    finally:
        raw.close()


def analyze(app: App) -> None:
    raw = app.engine.raw_connection()
    try:
        conn = raw.driver_connection
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    finally:
        raw.close()


# -- measuring ------------------------------------------------------------------------------
@dataclass
class SqlLog:
    """Statements run while on, with the time each took (to name what a page waits for)."""

    on: bool = False
    count: int = 0
    spent: dict[str, float] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    def install(self, engine: Any) -> None:
        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            conn.info["bench_t0"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if self.on:
                self.count += 1
                took = time.perf_counter() - conn.info["bench_t0"]
                self.spent[statement] = self.spent.get(statement, 0.0) + took
                self.params[statement] = parameters

    @contextmanager
    def recording(self) -> Iterator[None]:
        self.spent.clear()
        self.params.clear()
        self.count = 0
        self.on = True
        try:
            yield
        finally:
            self.on = False

    def top(self) -> tuple[str, float, Any]:
        stmt, spent = max(self.spent.items(), key=lambda kv: kv[1])
        return stmt, spent, self.params[stmt]


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


@dataclass
class Result:
    name: str
    path: str
    reps: int
    p50: float
    p95: float
    p99: float
    statements: int
    top_sql: str
    top_ms: float
    plan: list[str] = field(default_factory=list)

    @property
    def meets(self) -> bool:
        return self.p95 <= GOAL_P95_MS


def explain(app: App, stmt: str, params: Any) -> list[str]:
    with app.engine.connect() as c:
        rows = c.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + stmt, params).all()
        c.rollback()
    return [r[0] for r in rows]


def measure(app: App, log: SqlLog, name: str, path: str, call: Callable[[], Any],
            after: Callable[[], Any], reps: int, slow: float, slow_reps: int,
            want_plan: bool) -> Result:
    with log.recording():
        t0 = time.perf_counter()
        call()  # also the warm-up
        first = time.perf_counter() - t0
    after()
    stmts = log.count
    top_sql, top_s, top_params = log.top()
    n = slow_reps if first > slow else reps
    times = [first * 1000] if first > slow else []
    while len(times) < n:
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
        after()
    plan = explain(app, top_sql, top_params) if want_plan else []
    return Result(name, path, len(times), percentile(times, 0.5), percentile(times, 0.95),
                  percentile(times, 0.99), stmts, " ".join(top_sql.split())[:160],
                  top_s * 1000, plan)


def reviewer_client(app: App) -> Any:
    """A TestClient on the app, logged in as a reviewer (CSRF token in its headers)."""
    from fastapi.testclient import TestClient

    from tarazu.entrypoints.web.app import create_app
    from tarazu.entrypoints.web.security import SESSION_COOKIE

    with app.uow() as uow:
        uow.users.add("bench", hash_password(PASSWORD), frozenset({Role.REVIEWER}),
                      app.clock.now())
        for name in REVIEWERS:  # the people cases are assigned to
            if not uow.users.by_name(name):
                uow.users.add(name, "x", frozenset({Role.REVIEWER}), app.clock.now())
        uow.commit()
    client = TestClient(create_app(app))
    r = client.post("/login", data={"username": "bench", "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    with app.uow() as uow:
        row = uow.users.session(client.cookies[SESSION_COOKIE], app.clock.now())
    client.headers["X-CSRF-Token"] = row.csrf_token
    return client


def scenarios(app: App, client: Any, deep_page: int, today: datetime) -> list[tuple]:
    """(name, path, the request, and optionally an untimed step after each)."""
    def get(path: str) -> Callable[[], Any]:
        def call() -> Any:
            r = client.get(path)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
            return r
        return call

    out = [("queue page, all queues, page 1", "/queue", get("/queue")),
           ("API queue, page 1", "/api/queue", get("/api/queue"))]
    for q in QUEUES:
        out.append((f"queue page: {q}", f"/queue/{q}", get(f"/queue/{q}")))
    for state in ("open", "escalated", "awaiting_second", "appealed"):
        out.append((f"filter state={state}", f"/queue?state={state}",
                    get(f"/queue?state={state}")))
    out.append(("filter due=overdue", "/queue?due=overdue", get("/queue?due=overdue")))
    due_by = (today + timedelta(days=1)).date().isoformat()
    out.append(("filter due_by=tomorrow", f"/queue?due_by={due_by}",
                get(f"/queue?due_by={due_by}")))
    week_ago = (today - timedelta(days=7)).date().isoformat()  # few cases: most are recent
    out.append(("filter due_by=a week ago", f"/queue?due_by={week_ago}",
                get(f"/queue?due_by={week_ago}")))
    out.append((f"deep page {deep_page:,} (offset {(deep_page - 1) * 50:,})",
                f"/queue?page={deep_page}", get(f"/queue?page={deep_page}")))
    out.append((f"API deep page {deep_page:,}", f"/api/queue?page={deep_page}",
                get(f"/api/queue?page={deep_page}")))
    out.append(("API queue summary", "/api/queues", get("/api/queues")))
    out.append(("API queue entries: general", "/api/queues/general",
                get("/api/queues/general")))

    taken: list[str] = []

    def take_next() -> Any:
        """Take the first unassigned case of the general queue, as "take next" would."""
        r = client.get("/api/queue?queue=general&per_page=50")
        item = next(i for i in r.json()["items"] if not i["assigned_to"])
        path = f"/api/cases/{item['subject_type']}/{item['subject_id']}/assign"
        r = client.post(path, json={"assignee": ""})
        assert r.status_code == 200, r.text
        taken.append(path)
        return r

    def give_back() -> None:
        """Untimed: release the case taken, so every run finds the same queue."""
        r = client.post(taken.pop(), json={"assignee": None})
        assert r.status_code == 200, r.text
    out.append(("take next case (read page, assign)", "/api/queue?queue=general + "
                "POST .../assign", take_next, give_back))
    return out


# -- the run --------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> list[Result]:
    admin = args.pg_url
    name = args.reuse or args.keep or f"tarazu_queue_bench_{uuid.uuid4().hex[:8]}"
    url = admin.rsplit("/", 1)[0] + "/" + name
    home = Path(tempfile.mkdtemp(prefix="tarazu-queue-bench-"))
    if not args.reuse:
        admin_exec(admin, f'CREATE DATABASE "{name}"')
    app = None
    try:
        app = open_app(home, url)
        now = app.clock.now()
        if not args.reuse:
            print(f"seeding {args.cases:,} open cases into {name}", file=sys.stderr)
            t0 = time.perf_counter()
            seed(app, args.cases, now)
            analyze(app)
            print(f"  seeded and analysed in {time.perf_counter() - t0:,.0f} s",
                  file=sys.stderr)
        else:
            analyze(app)
        with app.engine.connect() as c:
            open_cases = c.execute(text("SELECT count(*) FROM subject_status WHERE "
                                        "review_state IN ('open', 'escalated')")).scalar_one()
        if args.seed_only:
            print(f"{open_cases:,} open cases in {name}", file=sys.stderr)
            return []
        log = SqlLog()
        log.install(app.engine)
        client = reviewer_client(app)
        deep = max(1, open_cases // 2 // 50)
        results = []
        for label, path, call, *after in scenarios(app, client, deep, now):
            if args.only and not any(o in label for o in args.only):
                continue
            try:
                res = measure(app, log, label, path, call, after[0] if after else lambda: None,
                              args.reps, args.slow, args.slow_reps, args.explain)
            except Exception as e:  # report the others; say which one could not be measured
                print(f"  {label}: not measured: {e!r}", file=sys.stderr, flush=True)
                continue
            results.append(res)
            print(f"  {label}: p50 {res.p50:,.0f} ms, p95 {res.p95:,.0f} ms "
                  f"({res.reps} runs, {res.statements} statements)", file=sys.stderr,
                  flush=True)
        print_report(results, open_cases, args)
        return results
    finally:
        if app is not None:
            app.engine.dispose()
        if not (args.keep or args.reuse):
            admin_exec(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def print_report(results: list[Result], open_cases: int, args: argparse.Namespace) -> None:
    print(f"\n{open_cases:,} open cases; load average {os.getloadavg()[0]:.2f} "
          f"{os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; "
          f"goal p95 <= {GOAL_P95_MS:.0f} ms per request\n")
    print("| request | runs | p50 ms | p95 ms | p99 ms | goal p95 <= 200 ms | SQL statements "
          "| slowest statement (ms in one run) |")
    print("|---|---:|---:|---:|---:|---|---:|---|")
    for r in results:
        print(f"| {r.name} (`{r.path}`) | {r.reps} | {r.p50:,.0f} | {r.p95:,.0f} | "
              f"{r.p99:,.0f} | {'met' if r.meets else 'missed'} | {r.statements:,} | "
              f"{r.top_ms:,.0f}: `{r.top_sql[:90]}` |")
    if args.explain:
        for r in results:
            print(f"\n## {r.name}\n{r.top_sql}\n" + "\n".join(r.plan))
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in results], indent=1))


def main() -> None:
    with open(os.devnull, "w") as devnull:
        configure_logs(devnull)  # the app logs each request, as it does in service
        _main()


def _main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--reps", type=int, default=30, help="requests per scenario")
    p.add_argument("--slow", type=float, default=2.0,
                   help="a scenario slower than this (s) on its first request ...")
    p.add_argument("--slow-reps", type=int, default=3, help="... is measured this many times")
    p.add_argument("--only", nargs="*", help="scenarios whose name contains one of these")
    p.add_argument("--explain", action="store_true",
                   help="EXPLAIN ANALYZE the slowest statement of each scenario")
    p.add_argument("--keep", metavar="DB", help="seed into this database and keep it")
    p.add_argument("--reuse", metavar="DB", help="measure a database seeded with --keep")
    p.add_argument("--seed-only", action="store_true", help="seed (with --keep), measure nothing")
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--pg-url", default=os.environ.get(
        "TARAZU_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="an admin URL of the server (the scratch database is made beside it)")
    run(p.parse_args())


if __name__ == "__main__":
    main()
