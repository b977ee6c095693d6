"""Commands of the spine: platform data, audit chain, referrals, users, outbox."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from tarazu.adapters.passwords import hash_password
from tarazu.domain.roles import Role, parse_roles
from tarazu.entrypoints.cli.common import (
    cli_actor,
    console,
    fail,
    get_app,
    print_json,
    progress_bar,
)
from tarazu.referrals.model import Requester
from tarazu.referrals.parse import ReferralFileError, parse_csv, parse_json
from tarazu.service import audit, ingest, outbox, referrals, users
from tarazu.textfiles import count_lines, read_text

audit_app = typer.Typer(help="The tamper-evident audit chain.", no_args_is_help=True)
referrals_app = typer.Typer(help="Referral requests from authorities and flaggers.",
                            no_args_is_help=True)
users_app = typer.Typer(help="Users, roles and API tokens.", no_args_is_help=True)
outbox_app = typer.Typer(help="Messages to the platform.", no_args_is_help=True)


def ingest_cmd(path: Path = typer.Argument(..., exists=True, dir_okay=False,
                                          help="interchange JSONL, optionally .gz"),
               show_errors: int = typer.Option(20, help="how many errors to print")) -> None:
    """Load accounts and posts in the interchange format. Bad records are reported with line
    and field and skipped; good ones are kept; re-importing the same file changes nothing."""
    app = get_app()
    with progress_bar(f"ingest {path.name}", count_lines(path)) as bar:
        report = ingest.ingest_file(app.uow, path, progress=lambda n: bar.advance(0, n))
    for kind, found in (("errors", report.errors), ("repeated ids", report.repeats)):
        for err in found[:show_errors]:
            console.print(f"[yellow]{path.name}:[/yellow] {err}")
        if len(found) > show_errors:
            console.print(f"... and {len(found) - show_errors} more {kind}")
    print_json(report.summary())
    if report.errors:
        raise typer.Exit(2)


@audit_app.command("verify")
def audit_verify(public_key: Path | None = typer.Option(
        None, exists=True, dir_okay=False,
        help="the published checkpoint public key (PEM) to verify the checkpoints with")
) -> None:
    """Check the whole chain, and that it still holds what the latest signed checkpoint saw;
    exit non-zero naming the first bad event (or the broken checkpoint)."""
    app = get_app()
    log = app.checkpoints()
    if public_key is not None:
        log.public_key_path = public_key
    report = audit.verify_chain(app.uow, log)
    cp = report.checkpoint
    out = {"ok": report.ok, "checked": report.checked, "head_seq": report.head_seq,
           "head_hash": report.head_hash,
           "checkpoint": {"number": cp.number, "seq": cp.seq, "time": cp.time,
                          "key_id": cp.key_id} if cp else None}
    if report.problem:
        console.print(f"[red]audit chain broken at {report.problem}[/red]")
        out |= {"first_bad_event": report.problem.seq, "reason": report.problem.reason}
    if report.checkpoint_problem:
        console.print(f"[red]checkpoint log: {report.checkpoint_problem}[/red]")
        out["checkpoint_problem"] = report.checkpoint_problem
    if report.ok and cp is None and report.head_seq:
        console.print("[yellow]no signed checkpoint yet: run `tarazu audit checkpoint`[/yellow]")
    print_json(out)
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the chain head and append it to the checkpoint log (outside the database). The
    served app does this every minute and every command that appends events does it on exit;
    this command is for cron jobs and for the first checkpoint."""
    app = get_app()
    try:
        cp = audit.take_checkpoint(app.uow, app.clock, app.checkpoints())
    except audit.CheckpointRefused as e:
        fail(f"no checkpoint taken: {e}")
        return
    print_json(cp.to_json() if cp else {"taken": False,
                                        "reason": "no events since the last checkpoint"})


@audit_app.command("public-key")
def audit_public_key() -> None:
    """Print the checkpoint public key (PEM) to publish; auditors verify with it."""
    from tarazu.adapters.checkpoints import key_id, public_pem

    log = get_app().checkpoints()
    key = log.public_key()
    if key is None:
        fail("no checkpoint key yet: run `tarazu audit checkpoint` first")
        return
    console.print(f"key id {key_id(key)}")
    sys.stdout.write(public_pem(key))


@audit_app.command("head")
def audit_head() -> None:
    """Print the chain head (sequence number and hash) for anchoring outside the system."""
    seq, digest = audit.chain_head(get_app().uow)
    print_json({"seq": seq, "hash": digest})


@referrals_app.command("import")
def referrals_import(
    path: Path = typer.Argument(..., exists=True, dir_okay=False),
    out: Path | None = typer.Option(None, help="write one JSON line per item here"),
    request_id: str | None = typer.Option(None, help="for CSV: the request id"),
    requester_type: str = typer.Option("government", help="for CSV: requester type"),
    country: str = typer.Option("", help="for CSV: requesting country (ISO code)"),
    agency: str = typer.Option("", help="for CSV: requesting agency"),
    platform: str = typer.Option("default", help="platform for items that name none"),
) -> None:
    """Check every item of a referral request (JSON or CSV) and open cases for those that
    pass."""
    app = get_app()
    raw = path.read_bytes()
    decoded = read_text(path)
    now = app.clock.now()
    try:
        if path.suffix.lower() == ".csv":
            req = Requester(requester_type, country, agency)
            request, errors = parse_csv(decoded.text, request_id or path.stem, req, now,
                                        platform, unreadable=decoded.problems)
        else:
            if decoded.problems:
                fail(decoded.fail_message(path.name))
            request, errors = parse_json(decoded.text, now, platform)
        with progress_bar(f"check {request.request_id}", len(request.items)) as bar:
            result = referrals.import_request(app.uow, app.clock, request, errors, raw,
                                              app.designation_lookup(),
                                              progress=lambda n: bar.advance(0, n))
    except (ReferralFileError, referrals.DuplicateRequest) as e:
        fail(f"{path.name}: {e}")
        return
    for err in result.errors:
        console.print(f"[yellow]{path.name}:[/yellow] {err}")
    if out:
        with open(out, "w", encoding="utf-8") as f:
            for r in result.results:
                f.write(json.dumps(r.to_json(), ensure_ascii=False) + "\n")
            for err in result.errors:
                f.write(json.dumps({"line": err.line, "account": None, "outcome": "returned",
                                    "reasons": ["invalid_item"], "error": str(err)}) + "\n")
    print_json({"request_id": result.request_id, "already_imported": result.already_imported,
                **result.counts()})


BY = typer.Option(None, help="who is acting (default cli:<user>)")


def _password_hash(password: str) -> str:
    try:
        return hash_password(password)
    except ValueError as e:
        fail(str(e))
        raise  # unreachable


@users_app.command("add")
def users_add(username: str, roles: str = typer.Option(..., help="comma-separated roles"),
              password: str = typer.Option(..., prompt=True, hide_input=True),
              display_name: str = "", organisation: str = "", by: str | None = BY) -> None:
    """Create or update a user (an update is a password reset too: it ends the user's
    sessions and revokes their tokens). Recorded as an event."""
    try:
        role_set = parse_roles(roles)
    except ValueError:
        fail(f"unknown role in {roles!r}; roles: {', '.join(r.value for r in Role)}")
        return
    app = get_app()
    pw = _password_hash(password)
    user = users.save_user(app.uow, app.clock.now(), cli_actor(by), username, pw, role_set,
                           display_name, organisation)
    print_json({"id": user.id, "username": user.username,
                "roles": sorted(r.value for r in user.roles)})


def _user_change(change, *args) -> object:  # type: ignore[no-untyped-def]
    app = get_app()
    try:
        return change(app.uow, app.clock.now(), *args)
    except users.UserError as e:
        fail(str(e))
        raise  # unreachable


@users_app.command("password")
def users_password(username: str,
                   password: str = typer.Option(..., prompt=True, hide_input=True,
                                                confirmation_prompt=True),
                   by: str | None = BY) -> None:
    """Reset a user's password: every session of theirs ends and every token is revoked."""
    pw = _password_hash(password)
    ended, revoked = _user_change(users.change_password, cli_actor(by), username, pw)
    print_json({"username": username, "sessions_ended": ended, "tokens_revoked": revoked})


@users_app.command("disable")
def users_disable(username: str, by: str | None = BY) -> None:
    """Disable a user: they can no longer log in; sessions end, tokens are revoked."""
    _user_change(users.change_active, cli_actor(by), username, False)
    print_json({"username": username, "active": False})


@users_app.command("enable")
def users_enable(username: str, by: str | None = BY) -> None:
    """Enable a disabled user again (they need a new token: the old ones stay revoked)."""
    _user_change(users.change_active, cli_actor(by), username, True)
    print_json({"username": username, "active": True})


@users_app.command("token")
def users_token(username: str, name: str = "cli", by: str | None = BY) -> None:
    """Issue an API token for a user (printed once; only its hash is kept)."""
    print(_user_change(users.new_token, cli_actor(by), username, name))


@users_app.command("revoke-token")
def users_revoke_token(username: str,
                       name: str | None = typer.Option(None, help="only tokens of this name "
                                                       "(default: all of the user's)"),
                       by: str | None = BY) -> None:
    """Revoke a user's API tokens: a revoked token is refused from the next request on."""
    n = _user_change(users.end_tokens, cli_actor(by), username, name)
    print_json({"username": username, "revoked": n})


@outbox_app.command("deliver")
def outbox_deliver() -> None:
    """Send due messages to the platform (retries with back-off)."""
    app = get_app()
    r = outbox.deliver_due(app.uow, app.platform_adapter(), app.clock)
    print_json({"delivered": r.delivered, "failed": r.failed})


@outbox_app.command("deliver-now")
def outbox_deliver_now() -> None:
    """The platform is back: send every undelivered message now, without waiting out its
    back-off (each subject's messages still go in order)."""
    app = get_app()
    r = outbox.deliver_now(app.uow, app.platform_adapter(), app.clock)
    left = outbox.undelivered(app.uow)
    print_json({"delivered": r.delivered, "failed": r.failed, "undelivered": left})


def serve_cmd(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the review UI and the API.

    Links in notices use TARAZU_PUBLIC_URL; without it, the address served here (not a fixed
    port)."""
    import uvicorn

    from tarazu.bootstrap import read_settings
    from tarazu.entrypoints import logs
    from tarazu.entrypoints.web.app import create_app

    app = get_app(settings=read_settings(TARAZU_PUBLIC_URL=f"http://{host}:{port}"))
    logs.configure()
    # X-Forwarded-For is read by the app, from TARAZU_TRUSTED_PROXIES only (not uvicorn's
    # default of believing 127.0.0.1). No uvicorn access log: it writes the caller's address
    # and the raw path (personal data); the app logs each request as JSON without them.
    uvicorn.run(create_app(app), host=host, port=port, log_level="info",
                proxy_headers=False, access_log=False, log_config=None)


@audit_app.command("anchor")
def audit_anchor(out: Path = typer.Option(..., help="where to write the anchor document")
                 ) -> None:
    """Verify the chain and write its head (seq, hash, time, count) as a JSON document to
    publish outside tarazu; ``check-anchor`` later proves history was not rewritten."""
    from tarazu.service import exports

    app = get_app()
    try:
        doc = exports.make_anchor(app.uow, app.clock)
    except ValueError as e:
        fail(str(e))
        return
    out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print_json(doc)


@audit_app.command("check-anchor")
def audit_check_anchor(path: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Check that the current chain verifies and still holds the anchored head at its seq."""
    from tarazu.service import exports

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        fail(f"{path.name}: not a JSON anchor document ({e})")
        return
    result = exports.check_anchor(get_app().uow, doc if isinstance(doc, dict) else {})
    print_json({"ok": result.ok, "reason": result.reason})
    if not result.ok:
        raise typer.Exit(1)
