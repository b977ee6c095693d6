"""Fault tests of the stream worker, run as a real subprocess against the real NATS server
(127.0.0.1:4222, a stream of its own per test) and both stores.

A small synthetic platform: the removed accounts and everyone's posts are in the store; the
sign-ups of the active accounts (mirrors among them) arrive on the stream. After each fault the
outcome must equal an uninterrupted run's: every event handled once in effect, no flag lost or
doubled, the same probabilities."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from nats.js.errors import NotFoundError
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from tarazu.adapters.broker import DEAD_REASON, PlatformEventStream
from tarazu.bootstrap import App, bootstrap
from tarazu.demo.scenario import ScenarioSize, build
from tarazu.domain.events import EventKind
from tarazu.entrypoints.cli.stream import build_detector, run_worker
from tarazu.interchange import parse_object
from tests.conftest import PG_ADMIN_URL, _pg, make_settings

NATS_URL = os.environ.get("TARAZU_NATS_URL", "nats://127.0.0.1:4222")
REPO = Path(__file__).resolve().parents[3]
SIZE = ScenarioSize(group_active=12, removed=8, protected=4, ordinary=8, referrals=20)
ACK_WAIT = 5.0  # a killed worker's messages come back after this
#: Events a transaction: smaller than the stream (36 sign-ups), so that a fault strikes with
#: some batches committed and others not (the worker's default takes them all in one)
BATCH = 20


@pytest.fixture(scope="module")
def scenario():
    return build(random.Random(7), SIZE)


def _names() -> tuple[str, str]:
    name = f"TEST_FAULTS_{uuid.uuid4().hex[:8].upper()}"
    return name, f"{name.lower()}.>"


def _preload(app: App, scenario) -> list[dict[str, Any]]:
    """Store the removed accounts and all posts; return the sign-up events to stream."""
    with app.uow() as uow:
        for r in scenario.accounts:
            if r["status"] == "removed":
                uow.platform.upsert_account(parse_object(r))
        for r in scenario.posts:
            uow.platform.upsert_post(parse_object(r))
        uow.commit()
    return [{"type": "account.created", "event_id": f"signup:{r['account_id']}", "record": r}
            for r in scenario.accounts if r["status"] == "active"]


def _publish(stream: str, subjects: str, records: list[dict[str, Any]]) -> None:
    async def run():
        async with PlatformEventStream(NATS_URL, stream=stream, subjects=subjects) as s:
            await s.publish_all(records)

    asyncio.run(run())


def _publish_raw(stream: str, subjects: str, payloads: list[bytes]) -> None:
    async def run():
        async with PlatformEventStream(NATS_URL, stream=stream, subjects=subjects) as s:
            for i, p in enumerate(payloads):
                await s._js.publish(f"{stream.lower()}.x.raw", p,
                                    headers={"Nats-Msg-Id": f"raw{i}"})

    asyncio.run(run())


def _consumer_state(stream: str, subjects: str, durable: str) -> tuple[int, int]:
    """(undelivered, delivered but unacknowledged) messages of the durable consumer."""
    async def run():
        async with PlatformEventStream(NATS_URL, stream=stream, subjects=subjects) as s:
            info = await s._js.consumer_info(stream, durable)
            return info.num_pending, info.num_ack_pending

    return asyncio.run(run())


def _next_message(stream: str, subjects: str, durable: str, within: float) -> str | None:
    """The account of the next sign-up the consumer hands out within ``within`` seconds
    (handed back again at once)."""
    async def run():
        async with PlatformEventStream(NATS_URL, stream=stream, subjects=subjects) as s:
            sub = await s._js.pull_subscribe(subjects, durable=durable, stream=stream)
            try:
                msgs = await sub.fetch(1, timeout=within)
            except TimeoutError:
                return None
            await msgs[0].nak()
            return json.loads(msgs[0].data)["record"]["account_id"]

    return asyncio.run(run())


def _dead_letters(stream: str, subjects: str) -> list[tuple[dict[str, str], bytes]]:
    async def run():
        async with PlatformEventStream(NATS_URL, stream=stream, subjects=subjects) as s:
            return await s.dead_letters()

    return asyncio.run(run())


def _delete(stream: str, subjects: str) -> None:
    async def run():
        async with PlatformEventStream(NATS_URL, stream=stream, subjects=subjects) as s:
            await s.delete()

    asyncio.run(run())


def _worker(app: App, stream: str, subjects: str, *extra: str, log: Path,
            database_url: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TARAZU_HOME": str(app.settings.home),
           "TARAZU_NATS_URL": NATS_URL, "TARAZU_COOKIE_SECURE": "0"}
    if database_url or app.settings.database_url:
        env["TARAZU_DATABASE_URL"] = database_url or app.settings.database_url
    return subprocess.Popen(
        [sys.executable, "-c", "from tarazu.entrypoints.cli import main; main()",
         "stream", "worker", "--stream", stream, "--subjects", subjects, "--durable", "w",
         "--ack-wait", str(ACK_WAIT), "--batch", str(BATCH), *extra],
        env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT, cwd=REPO)


@contextmanager
def _running_worker(app: App, stream: str, subjects: str, log: Path, *extra: str,
                    database_url: str | None = None) -> Iterator[subprocess.Popen]:
    """A worker subprocess, killed on the way out if still running."""
    p = _worker(app, stream, subjects, *extra, log=log, database_url=database_url)
    try:
        yield p
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def _finish(app: App, stream: str, subjects: str, log: Path, timeout: float = 90) -> None:
    """Run a worker with --exit-when-idle to the end; it must succeed."""
    with _running_worker(app, stream, subjects, log, "--exit-when-idle") as p:
        assert p.wait(timeout=timeout) == 0, log.read_text()


def _flags(app: App) -> list[tuple[str, str, float]]:
    """Every MIRROR_FLAG in the log: (account, removed account, probability), sorted."""
    with app.uow() as uow:
        return sorted((rec.event.subject.id, p["removed_account"], p["probability"])
                      for rec, p in uow.events.payloads(EventKind.MIRROR_FLAG.value))


def _stored_active(app: App) -> set[str]:
    with app.uow() as uow:
        return {a.account_id for a in uow.platform.iter_accounts(status="active")}


@contextmanager
def _another_store(app: App, tmp_path: Path) -> Iterator[App]:
    """A second, empty store of the same kind (for the uninterrupted run to compare with)."""
    home = tmp_path / "reference"
    home.mkdir()
    if app.settings.database_url.startswith("sqlite"):
        other = bootstrap(make_settings(home, None))
        try:
            yield other
        finally:
            other.engine.dispose()
        return
    name = f"tarazu_test_ref_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_pg(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    other = bootstrap(make_settings(home, PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name))
    try:
        yield other
    finally:
        other.engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _run_in_process(app: App, stream: str, subjects: str) -> None:
    """A worker in this process (a new detector built from the store, as at a start), until
    nothing is left."""
    detector = build_detector(app)
    asyncio.run(run_worker(app, detector, url=NATS_URL, stream=stream, subjects=subjects,
                           durable="w", until_idle=True, idle_timeout=0.5, ack_wait=ACK_WAIT,
                           batch=BATCH))


def _unscored(conn: Connection, targets: set[str]) -> set[str]:
    """Accounts among ``targets`` stored but without a flag yet: one cheap query."""
    rows = conn.execute(text(
        "SELECT a.account_id FROM accounts a WHERE a.status = 'active' AND NOT EXISTS "
        "(SELECT 1 FROM moderation_events e WHERE e.kind = 'mirror_flag' "
        "AND e.subject_type = 'account' AND e.subject_id = a.platform || ':' || a.account_id)"))
    out = {r[0] for r in rows} & targets
    conn.rollback()
    return out


def _poll_engine(app: App) -> Engine:
    """For looking at the store while the worker is frozen: SQLite gives up at once on a
    lock the frozen worker holds, rather than wait for it."""
    if app.engine.url.get_backend_name() == "sqlite":
        return create_engine(app.engine.url, connect_args={"timeout": 0.1})
    return app.engine


def _stored_count(conn: Connection) -> int:
    n = conn.execute(text("SELECT count(*) FROM accounts WHERE status = 'active'")).scalar_one()
    conn.rollback()
    return int(n)


class _Consumer:
    """The durable consumer's positions, read over one connection kept open (the worker is
    frozen while they are read: the reading must be quick)."""

    def __init__(self, stream: str, subjects: str, durable: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.s = PlatformEventStream(NATS_URL, stream=stream, subjects=subjects)
        self.loop.run_until_complete(self.s.__aenter__())
        self.stream, self.durable = stream, durable

    def positions(self) -> tuple[int, int]:
        """(acknowledged, delivered): the stream sequence up to which every message is
        acknowledged, and the last one delivered; (0, 0) before the consumer exists."""
        try:
            info = self.loop.run_until_complete(
                self.s._js.consumer_info(self.stream, self.durable))
        except NotFoundError:
            return 0, 0
        return info.ack_floor.stream_seq, info.delivered.stream_seq

    def close(self) -> None:
        self.loop.run_until_complete(self.s.__aexit__(None, None, None))
        self.loop.close()


def _stored(conn: Connection) -> set[str]:
    rows = conn.execute(text("SELECT account_id FROM accounts WHERE status = 'active'"))
    out = {r[0] for r in rows}
    conn.rollback()
    return out


def _kill_where_data_could_be_lost(p: subprocess.Popen, app: App, targets: set[str],
                                   order: list[str], stream: str, subjects: str,
                                   timeout: float = 900) -> str | None:
    """Freeze the worker every few milliseconds and look; kill -9 where a careless worker
    loses data:

    - an event acknowledged but its record not stored (acknowledged before the commit);
    - the sign-up of a target stored, its score not yet recorded (stored and scored in two
      transactions);
    - the sign-up of the last target (``order``: the accounts in stream order) in hand:
      delivered, not acknowledged, not stored. Looked for last, so that the two windows
      above, which come before it, are found first when a worker has them.

    Watched until the worker ends or ``timeout``, generous because the worker's start (which
    the watch includes) can take minutes on a loaded machine. Returns why it was killed."""
    seq = {a: n for n, a in enumerate(order, start=1)}
    last = max(targets, key=seq.__getitem__)
    deadline = time.monotonic() + timeout
    consumer = _Consumer(stream, subjects, "w")
    try:
        with _poll_engine(app).connect() as conn:
            while time.monotonic() < deadline and p.poll() is None:
                p.send_signal(signal.SIGSTOP)
                why = None
                try:
                    stored = _stored(conn)
                    acked, delivered = consumer.positions()
                    if acked > len(stored):
                        why = "acknowledged before stored"
                    elif caught := _unscored(conn, targets):
                        why = f"{min(caught)} stored, not scored"
                    elif last not in stored and acked < seq[last] <= delivered:
                        why = f"{last} in hand, not stored"
                except OperationalError:  # frozen while committing: the file is locked
                    conn.rollback()
                if why:
                    p.kill()
                    p.wait()
                    return why
                p.send_signal(signal.SIGCONT)
                time.sleep(0.01)
    finally:
        consumer.close()
    return None


def _uninterrupted_flags(app: App, scenario, tmp_path: Path) -> list[tuple[str, str, float]]:
    """The flags an uninterrupted run over the scenario records, in a store of its own."""
    with _another_store(app, tmp_path) as other:
        events = _preload(other, scenario)
        stream, subjects = _names()
        try:
            _publish(stream, subjects, events)
            _run_in_process(other, stream, subjects)
        finally:
            _delete(stream, subjects)
        return _flags(other)


def test_kill_9_mid_stream_loses_no_flag_and_changes_no_score(app, scenario, tmp_path):
    """Kill the worker (a subprocess) where a careless one loses data — after acknowledging
    an event it has not stored, after storing the sign-up of an account that an
    uninterrupted run flags but before recording its score, or with such a sign-up in hand
    and not yet committed — and restart it: every sign-up is stored, and the log ends up
    with exactly the uninterrupted run's flags, none lost or doubled, with the same
    probabilities."""
    expected = _uninterrupted_flags(app, scenario, tmp_path)
    targets = {subject.split(":", 1)[1] for subject, _, _ in expected}
    assert len(targets) >= 5, expected  # a scenario with mirrors to lose

    events = _preload(app, scenario)
    stream, subjects = _names()
    log = tmp_path / "crash.log"
    try:
        _publish(stream, subjects, events)
        with _running_worker(app, stream, subjects, log) as p:
            victim = _kill_where_data_could_be_lost(
                p, app, targets, [e["record"]["account_id"] for e in events], stream,
                subjects)
        assert victim is not None, log.read_text()
        _run_in_process(app, stream, subjects)  # the restart
        assert _consumer_state(stream, subjects, "w") == (0, 0)
    finally:
        _delete(stream, subjects)
    assert _stored_active(app) == {e["record"]["account_id"] for e in events}
    assert _flags(app) == expected
    with app.uow() as uow:
        assert uow.platform.scoring_backlog() == 0


def test_sigterm_finishes_the_event_in_hand_and_hands_back_the_rest(sqlite_app, scenario,
                                                                    tmp_path):
    app = sqlite_app
    events = _preload(app, scenario)
    stream, subjects = _names()
    log = tmp_path / "term.log"
    try:
        _publish(stream, subjects, events)
        with _running_worker(app, stream, subjects, log) as p:
            deadline = time.monotonic() + 120
            with _poll_engine(app).connect() as conn:
                while time.monotonic() < deadline:
                    p.send_signal(signal.SIGSTOP)  # the stop lands mid-stream, however fast
                    try:
                        if _stored_count(conn) >= 3:
                            break
                    except OperationalError:  # frozen while committing
                        conn.rollback()
                    p.send_signal(signal.SIGCONT)
                    time.sleep(0.005)
            p.send_signal(signal.SIGTERM)
            p.send_signal(signal.SIGCONT)
            assert p.wait(timeout=15) == 0, log.read_text()
        # the rest of the batch was handed back: the next pull gets it at once, in order,
        # not after the acknowledgement time-out
        first_back = _next_message(stream, subjects, "w", within=ACK_WAIT / 2)
        stored = _stored_active(app)
        assert 3 <= len(stored) < len(events), log.read_text()
        order = [e["record"]["account_id"] for e in events]
        assert first_back == order[len(stored)] and set(order[: len(stored)]) == stored
        # nothing stored unscored
        with app.uow() as uow:
            marks = {a for _, a, _ in uow.platform.queued_for_scoring(1000)}
        assert not (marks & stored)
        # the summary is the last JSON document; lines may follow it (the audit checkpoint)
        text = log.read_text()
        report, _ = json.JSONDecoder().raw_decode(text, text.rindex("\n{") + 1)
        assert report["handled"] == len(stored)
        _finish(app, stream, subjects, log)
        assert _stored_active(app) == {e["record"]["account_id"] for e in events}
    finally:
        _delete(stream, subjects)


def test_poison_messages_go_to_the_dead_letter_stream_and_the_stream_goes_on(
        app, scenario, tmp_path):
    events = _preload(app, scenario)[:6]
    bad_event = {"type": "account.created", "event_id": "bad-1",
                 "record": {"type": "account", "platform": "x", "account_id": "zz"}}
    stream, subjects = _names()
    try:
        _publish(stream, subjects, events[:3])
        _publish_raw(stream, subjects, [b"\xff\xfe not json", json.dumps(bad_event).encode()])
        _publish(stream, subjects, events[3:])
        _run_in_process(app, stream, subjects)
        dead = _dead_letters(stream, subjects)
        assert _consumer_state(stream, subjects, "w") == (0, 0)
    finally:
        _delete(stream, subjects)
    assert _stored_active(app) == {e["record"]["account_id"] for e in events}
    reasons = [h[DEAD_REASON] for h, _ in dead]
    assert len(dead) == 2 and dead[0][1] == b"\xff\xfe not json", reasons
    assert reasons[0].startswith("not JSON")
    assert "bad-1" in reasons[1] and "record.status" in reasons[1], reasons


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _nats_server(port: int, store_dir: Path) -> subprocess.Popen:
    """A NATS server of this test's own (the shared one must stay up for the others)."""
    p = subprocess.Popen([shutil.which("nats-server") or "nats-server", "-a", "127.0.0.1",
                          "-p", str(port), "-js", "-sd", str(store_dir)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return p
        time.sleep(0.05)
    p.kill()
    raise RuntimeError("nats-server did not start")


def test_a_broker_outage_pauses_the_worker_and_it_goes_on(sqlite_app, scenario, tmp_path):
    """NATS away for 10 s (longer than the client's old reconnect budget): the worker
    reconnects and handles what was published after the server came back."""
    app = sqlite_app
    events = _preload(app, scenario)[:6]
    port = _free_port()
    url = f"nats://127.0.0.1:{port}"
    stream, subjects = _names()
    server = _nats_server(port, tmp_path / "nats")
    detector = build_detector(app)

    async def publish(records):
        async with PlatformEventStream(url, stream=stream, subjects=subjects) as s:
            await s.publish_all(records)

    async def until_stored(n: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(_stored_active(app)) < n:
            assert time.monotonic() < deadline, f"fewer than {n} stored"
            await asyncio.sleep(0.1)

    async def scenario_run():
        nonlocal server
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(
            app, detector, url=url, stream=stream, subjects=subjects, durable="w",
            stop=stop, idle_timeout=0.3, ack_wait=ACK_WAIT, batch=BATCH))
        try:
            await publish(events[:3])
            await until_stored(3, 30)
            server.terminate()
            server.wait()
            await asyncio.sleep(10)
            assert not worker.done(), worker.exception()
            server = _nats_server(port, tmp_path / "nats")
            await publish(events[3:])
            await until_stored(6, 60)
        finally:
            stop.set()
            report = await asyncio.wait_for(worker, timeout=30)
        return report

    try:
        report = asyncio.run(scenario_run())
    finally:
        server.kill()
        server.wait()
    assert _stored_active(app) == {e["record"]["account_id"] for e in events}
    assert report.handled >= 6 and report.dead == 0


@pytest.fixture
def pg_app(pg_database: str, tmp_path: Path, clock) -> Iterator[App]:
    from tests.conftest import _reset_pg

    _reset_pg(pg_database)
    a = bootstrap(make_settings(tmp_path, pg_database), clock=clock)
    yield a
    a.engine.dispose()


def _wait_for(what: str, check, timeout: float, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what}\n{log.read_text()}"
        time.sleep(0.2)


def test_postgresql_away_mid_stream_the_worker_retries_and_loses_nothing(
        pg_app, scenario, tmp_path):
    """The worker reaches PostgreSQL through a proxy that is cut for 8 s in the middle of
    the stream (every connection closed, new ones refused — the server itself stays up for
    everyone else). The worker survives, retries what failed, and ends with every sign-up
    stored, exactly the uninterrupted run's flags (none lost or doubled, same
    probabilities), no dead letter and nothing left to score."""
    from tests.integration.broker.tcp_proxy import TcpProxy

    app = pg_app
    expected = _uninterrupted_flags(app, scenario, tmp_path)
    assert len(expected) >= 5
    url = make_url(app.settings.database_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432)).restore()
    via_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False)
    events = _preload(app, scenario)
    stream, subjects = _names()
    log = tmp_path / "pg-outage.log"
    try:
        _publish(stream, subjects, events)
        # two events a batch: the cut must find most of the stream not yet stored, however
        # fast the worker goes between the check below and the stop
        with _running_worker(app, stream, subjects, log, "--batch", "2",
                             database_url=via_proxy) as p, app.engine.connect() as conn:
            _wait_for("3 sign-ups stored", lambda: _stored_count(conn) >= 3, 180, log)
            p.send_signal(signal.SIGSTOP)  # cut it where it stands, mid-stream
            stored_at_cut = _stored_count(conn)
            proxy.cut()
            p.send_signal(signal.SIGCONT)
            time.sleep(8)
            assert p.poll() is None, log.read_text()  # the outage did not kill it
            assert _stored_count(conn) == stored_at_cut  # it really could not write
            proxy.restore()
            _wait_for("every sign-up stored",
                      lambda: _stored_count(conn) == len(events), 180, log)
            _wait_for("the stream consumed",
                      lambda: _consumer_state(stream, subjects, "w") == (0, 0), 120, log)
            _wait_for("nothing left to score", lambda: _backlog(conn) == 0, 60, log)
            p.send_signal(signal.SIGTERM)
            assert p.wait(timeout=30) == 0, log.read_text()
        dead = _dead_letters(stream, subjects)
    finally:
        proxy.cut()
        _delete(stream, subjects)
    assert stored_at_cut < len(events)
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith('{"')]
    assert any(x["event"] == "stream.store_unavailable" for x in lines), \
        "the outage never reached the worker"
    assert not any(x["event"] == "stream.event_failed" for x in lines)  # no attempt burnt
    assert dead == []
    assert _stored_active(app) == {e["record"]["account_id"] for e in events}
    assert _flags(app) == expected


def _backlog(conn: Connection) -> int:
    n = conn.execute(text("SELECT count(*) FROM scoring_queue")).scalar_one()
    conn.rollback()
    return int(n)
