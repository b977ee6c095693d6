"""``tarazu demo``: one command from nothing to a working review desk.

It creates demo users, generates the synthetic scenario into ``$TARAZU_HOME/demo/``, loads it,
checks the government's referral list, starts the demo platform (127.0.0.1:8001) and serves the
review UI (127.0.0.1:8000). ``--check`` runs the same pipeline without serving and prints a
summary.

The demo keeps everything in ``$TARAZU_HOME/demo/`` — its own SQLite database, keys and files —
never in the database ``TARAZU_DATABASE_URL`` names. Its session cookie works over plain HTTP
(``TARAZU_COOKIE_SECURE=0``), which is right for localhost only."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from tarazu.adapters.passwords import hash_password
from tarazu.bootstrap import App, bootstrap, demo_settings, read_settings
from tarazu.domain.roles import Role
from tarazu.entrypoints.cli.common import console, fail, print_json

if TYPE_CHECKING:
    from tarazu.demo.signup import StreamWorker

#: Demo logins: user name -> role.
DEMO_USERS = {
    "admin": Role.ADMIN, "reviewer": Role.REVIEWER, "reviewer2": Role.REVIEWER,
    "senior": Role.SENIOR_REVIEWER, "legal": Role.LEGAL, "auditor": Role.AUDITOR,
    "requester": Role.REQUESTER, "flagger": Role.TRUSTED_FLAGGER,
}
#: The platform's machine user (role admin) whose token sends platform events.
PLATFORM_USER = "platform-x"
SET_HELP = ("a size or knob of the synthetic scenario, NAME=VALUE (repeatable), e.g. "
            "careful_share=0.45, signup_only_share=0.33, operators_per_group=5, namesakes=100, "
            "languages=ur=2,ps=1,roman_ur=1,bal=1; see tarazu/demo/scenario/knobs.py")


def stream_worker() -> StreamWorker:
    """The stream worker's parts, for the demo's live sign-up."""
    from tarazu.demo.signup import StreamWorker
    from tarazu.entrypoints.cli import stream

    return StreamWorker(stream.build_detector, stream.run_worker, stream.publish_records)


def create_users(app: App) -> tuple[dict[str, str], str]:
    """Demo users with fresh random passwords (printed once), and the platform's API token."""
    from tarazu.service import users

    passwords = {name: secrets.token_urlsafe(9) for name in DEMO_USERS}
    new = [users.NewUser(name, hash_password(passwords[name]), frozenset({role}),
                         display_name=name.title()) for name, role in DEMO_USERS.items()]
    new.append(users.NewUser(PLATFORM_USER, hash_password(secrets.token_urlsafe(24)),
                             frozenset({Role.ADMIN}), display_name="Demo platform x"))
    token = users.add_users_with_token(app.uow, app.clock.now(), "system:demo", new,
                                       PLATFORM_USER, "demo platform events")
    return passwords, token


def summary(app: App, report: Any, files: Any) -> dict[str, Any]:
    from tarazu.service import audit, case_view, referrals

    board = case_view.read_dashboard(app.uow)
    outcomes = referrals.read_outcome_counts(app.uow)
    chain = audit.verify_chain(app.uow)
    return {
        "home": str(app.settings.home),
        "accounts": board.platform["accounts"], "posts": board.platform["posts"],
        "referral_items": sum(outcomes.values()), "referral_outcomes": outcomes,
        "open_cases_by_queue": board.by_queue, "cases_by_state": board.by_state,
        "mirrors_in_scenario": len(files.truth.mirror_of),
        "pipeline": report.steps,
        "chain": {"verified": chain.ok, "events": chain.checked, "head": chain.head_hash},
    }


def demo_cmd(
    check: bool = typer.Option(False, "--check", help="run the pipeline, print a summary, "
                                                      "do not serve"),
    port: int = typer.Option(8000, help="port of the review UI"),
    platform_port: int = typer.Option(8001, help="port of the demo platform"),
    seed: int = typer.Option(2025, help="seed of the synthetic scenario"),
    fresh: bool = typer.Option(False, "--fresh", help="start from an empty demo database"),
    settings: list[str] = typer.Option([], "--set", help=SET_HELP),
) -> None:
    """Run the demo: synthetic platform, 481-item referral list, review UI, demo platform.

    Everything lives in $TARAZU_HOME/demo/ (its own SQLite database, never
    TARAZU_DATABASE_URL); session cookies work over plain HTTP there (localhost only)."""
    from tarazu.demo.pipeline import run_pipeline
    from tarazu.demo.scenario import generate

    size, knobs = _scenario_settings(settings)
    home = read_settings().home / "demo"
    home.mkdir(parents=True, exist_ok=True)
    if fresh:
        for f in home.glob("*.db*"):
            f.unlink()
    settings = demo_settings(home, platform_port, port)
    app = bootstrap(settings)
    try:
        files = generate(seed, home, size, knobs=knobs)
        report = run_pipeline(app, files, progress=lambda s: console.print(f"demo: {s} ..."),
                              stream=stream_worker())
    except ValueError as e:
        fail(str(e))
        return
    result = summary(app, report, files)
    if check:
        print_json(result)
        if not result["chain"]["verified"]:
            raise typer.Exit(1)
        return
    _serve(app, files, port, platform_port, result)


def _scenario_settings(settings: list[str]) -> tuple[Any, Any]:
    from tarazu.demo.scenario import Knobs, ScenarioSize, apply_settings

    try:
        return apply_settings(ScenarioSize(), Knobs(), settings)
    except ValueError as e:
        fail(str(e))
        raise  # unreachable


def scenario_cmd(
    out: Path = typer.Argument(..., file_okay=False, help="folder to write the scenario into"),
    seed: int = typer.Option(2025, help="seed of the draw (same seed and settings, same files)"),
    settings: list[str] = typer.Option([], "--set", help=SET_HELP),
) -> None:
    """Write one draw of the synthetic scenario family: data.jsonl (interchange format),
    referrals.json, truth.jsonl, roles.jsonl and settings.json. The defaults are the demo's
    draw; --set changes a size or a knob (sign-up-only mirrors, careful operators, operators
    per group, group assets, scripts and languages, hard negatives)."""
    from tarazu.demo.scenario import generate

    size, knobs = _scenario_settings(settings)
    try:
        files = generate(seed, out, size, knobs=knobs)
    except ValueError as e:
        fail(str(e))
        return
    t = files.truth
    print_json({"folder": str(files.folder), "accounts": len(files.scenario.accounts),
                "posts": len(files.scenario.posts), "mirrors": len(t.mirror_of),
                "careful": len(t.careful), "signup_only": len(t.signup_only),
                "roles": t.role_counts(), "settings": files.scenario.settings})


def _serve(app: App, files: Any, port: int, platform_port: int, result: dict[str, Any]
           ) -> None:
    import uvicorn

    from tarazu.demo.servers import ServerThread, port_in_use
    from tarazu.entrypoints.cli.platform import build_platform
    from tarazu.entrypoints.jobs import JobThread
    from tarazu.entrypoints.web.app import create_app

    for p in (port, platform_port):
        if port_in_use(p):
            fail(f"port {p} on 127.0.0.1 is in use (choose another with --port / "
                 "--platform-port)")
    passwords, token = create_users(app)
    platform_app, _ = build_platform(app.settings.home / "platform.db",
                                     app.settings.webhook_secret, files.data,
                                     f"http://127.0.0.1:{port}", token)
    platform = ServerThread(platform_app, port=platform_port).start()
    url = f"http://127.0.0.1:{port}"
    console.print(f"\n[bold]tarazu demo[/bold] — {result['accounts']} accounts, "
                  f"{result['referral_items']} referral items checked "
                  f"{result['referral_outcomes']}")
    console.print(f"  review UI:      [bold]{url}[/bold]")
    console.print(f"  demo platform:  {platform.url}  (action log; GET /api/actions)")
    console.print(f"  data:           {app.settings.home}")
    console.print("  logins (DEMO ONLY, new each run; session cookies over plain HTTP):")
    for name, pw in passwords.items():
        console.print(f"    {name:<10} {pw:<14} {DEMO_USERS[name].value}")
    console.print("  worker:         outbox delivery, notices, expiries (as `tarazu worker`)")
    console.print("  Ctrl-C stops all three.\n")
    jobs = JobThread(app).start()  # the worker role: decisions reach the demo platform
    try:
        uvicorn.run(create_app(app), host="127.0.0.1", port=port, log_level="warning",
                    proxy_headers=False)
    finally:
        jobs.stop()
        platform.stop()
