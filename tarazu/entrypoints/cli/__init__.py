"""The ``tarazu`` command. Each capability registers its own sub-app here, one line each.

Sub-apps are imported only when they run (see ``lazy``), so ``tarazu --help`` and light
commands start without loading the linker, SQLAlchemy or FastAPI. The help line beside each
entry is the one the root listing shows; a test checks it against the loaded command's.
"""

from __future__ import annotations

import typer

from tarazu.entrypoints.cli.common import checkpoint_on_exit
from tarazu.entrypoints.cli.lazy import LazyCommand, LazyGroup

_CLI = "tarazu.entrypoints.cli."


class TarazuCommands(LazyGroup):
    commands_table = (
        LazyCommand("ingest", _CLI + "core:ingest_cmd",
                    "Load accounts and posts in the interchange format. Bad records are reported "
                    "with line\nand field and skipped; good ones are kept; re-importing the same "
                    "file changes nothing."),
        LazyCommand("serve", _CLI + "core:serve_cmd", "Serve the review UI and the API."),
        LazyCommand("worker", _CLI + "worker:worker_cmd",
                    "Run the background jobs: outbox delivery, notices, expiries, data-request "
                    "deadlines,\naudit checkpoints."),
        LazyCommand("screen", _CLI + "screening:screen_cmd",
                    "Print, per text, the designation matches with score, alias matched, stance "
                    "and reasons."),
        LazyCommand("hash", _CLI + "banks:hash_cmd",
                    "Print a file's hashes: PDQ with its quality (photos) and MD5; text hashes "
                    "with --text."),
        LazyCommand("demo", _CLI + "demo:demo_cmd",
                    "Run the demo: synthetic platform, 481-item referral list, review UI, demo "
                    "platform."),
        LazyCommand("scenario", _CLI + "demo:scenario_cmd",
                    "Write one draw of the synthetic scenario family: data.jsonl (interchange "
                    "format),\nreferrals.json, truth.jsonl, roles.jsonl and settings.json. The "
                    "defaults are the demo's\ndraw; --set changes a size or a knob (sign-up-only "
                    "mirrors, careful operators, operators\nper group, group assets, scripts and "
                    "languages, hard negatives)."),
        LazyCommand("db", _CLI + "db:app", "Database schema."),
        LazyCommand("audit", _CLI + "core:audit_app", "The tamper-evident audit chain."),
        LazyCommand("referrals", _CLI + "core:referrals_app",
                    "Referral requests from authorities and flaggers."),
        LazyCommand("users", _CLI + "core:users_app", "Users, roles and API tokens."),
        LazyCommand("outbox", _CLI + "core:outbox_app", "Messages to the platform."),
        LazyCommand("designations", _CLI + "designations:app",
                    "Designated organisations and their listings."),
        LazyCommand("names", _CLI + "screening:names_app", "Name matching."),
        LazyCommand("banks", _CLI + "banks:app", "Banks of hashes of verified violating media."),
        LazyCommand("datarequests", _CLI + "datarequests:app",
                    "Lawful data requests: intake, checks, notices, counts."),
        LazyCommand("stream", _CLI + "stream:app",
                    "Platform events on NATS JetStream (streaming mirror detection)."),
        LazyCommand("mirrors", _CLI + "mirrors_ops:app",
                    "Mirror accounts: rank the removed accounts a new account may continue."),
        LazyCommand("platform", _CLI + "platform:app",
                    "The demo platform (a stand-in for a real platform)."),
        LazyCommand("protected", _CLI + "protected:app",
                    "Protected accounts (journalists, NGOs, officials...)."),
        LazyCommand("cases", _CLI + "cases:app", "Review queues and the jobs of due process."),
        LazyCommand("export", _CLI + "export:app", "Transparency exports."),
        LazyCommand("appeals", _CLI + "appeals:app", "Appeals of decisions."),
        LazyCommand("report", _CLI + "report:app", "Reports computed from the event log."),
    )


#: Every command that completes and grew the audit chain signs a checkpoint on exit.
app = typer.Typer(help="tarazu: trust and safety with due process.", no_args_is_help=True,
                  cls=TarazuCommands, pretty_exceptions_show_locals=False,
                  result_callback=checkpoint_on_exit)


@app.callback()
def _root() -> None:
    """The sub-commands live in ``TarazuCommands``; this makes the root a group."""


def main() -> None:
    app()
