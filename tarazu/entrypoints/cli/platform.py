"""``tarazu platform serve``: run the demo platform (a stand-in for a real one) that receives
tarazu's enforcement webhooks and reports its accounts and posts back to tarazu."""

from __future__ import annotations

from pathlib import Path

import typer

from tarazu.entrypoints.cli.common import console, fail

app = typer.Typer(help="The demo platform (a stand-in for a real platform).",
                  no_args_is_help=True)


def build_platform(db: Path, secret: bytes, data: Path | None = None,
                   tarazu_url: str | None = None, token: str | None = None):  # type: ignore[no-untyped-def]
    """The demo platform's app on its own SQLite file, loaded from ``data`` if given."""
    from tarazu.demo_platform.app import create_platform_app, load_interchange
    from tarazu.demo_platform.emitter import EventEmitter
    from tarazu.demo_platform.store import PlatformStore

    store = PlatformStore(db)
    loaded = load_interchange(store, data) if data else None
    emitter = EventEmitter(tarazu_url, token) if tarazu_url and token else None
    return create_platform_app(store, secret, emitter), loaded


@app.command("serve")
def serve(
    port: int = typer.Option(8001, help="port to listen on (127.0.0.1)"),
    data: Path | None = typer.Option(None, exists=True, dir_okay=False,
                                     help="interchange JSONL to load accounts and posts from"),
    db: Path | None = typer.Option(None, help="the platform's own SQLite file "
                                              "(default: $TARAZU_HOME/demo-platform.db)"),
    tarazu_url: str = typer.Option("http://127.0.0.1:8000", help="where to send events"),
    token: str = typer.Option("", envvar="TARAZU_PLATFORM_TOKEN",
                              help="API token of a tarazu user with role admin (events are "
                                   "kept, not sent, without one)"),
) -> None:
    """Serve the demo platform. The webhook secret is tarazu's (TARAZU_WEBHOOK_SECRET or the
    one generated in $TARAZU_HOME)."""
    import uvicorn

    from tarazu.bootstrap import read_settings

    settings = read_settings()
    if data is not None and not data.exists():
        fail(f"{data}: no such file")
    platform_app, loaded = build_platform(db or settings.home / "demo-platform.db",
                                          settings.webhook_secret, data, tarazu_url,
                                          token or None)
    if loaded:
        console.print(f"loaded {loaded}")
    uvicorn.run(platform_app, host="127.0.0.1", port=port, log_level="info")
