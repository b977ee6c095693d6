"""`tarazu banks ...` and `tarazu hash`: curate hash banks, match files, scan stored posts."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from tarazu.entrypoints.cli.common import (
    cli_actor,
    console,
    fail,
    get_app,
    print_json,
    progress_bar,
)
from tarazu.service import hashmatch
from tarazu.signals import get_signal_type
from tarazu.signals.base import HashResult
from tarazu.signals.hashing import hash_file_bytes, hash_text_all
from tarazu.textfiles import read_text

app = typer.Typer(help="Banks of hashes of verified violating media.", no_args_is_help=True)

_HEX = re.compile(r"^[0-9a-fA-F]+$")


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out = {}
    for v in values:
        key, sep, val = v.partition("=")
        if not sep or not key.strip():
            fail(f"{what} {v!r}: expected NAME=VALUE")
        out[key.strip()] = val.strip()
    return out


def _thresholds(values: list[str]) -> dict[str, int]:
    out = {}
    for name, val in _pairs(values, "--threshold").items():
        try:
            st = get_signal_type(name)
            out[st.get_name()] = st.check_threshold(int(val))
        except ValueError as e:
            fail(f"--threshold {name}={val}: {e}")
    return out


def _guess_type(signal: str) -> str:
    s = signal.strip()
    if _HEX.match(s) and len(s) == 64:
        return "pdq"
    if _HEX.match(s) and len(s) == 32:
        return "md5"
    fail(f"cannot tell the signal type of {signal[:20]!r}: pass --type")
    raise AssertionError


def _content_hashes(target: str, text: bool) -> tuple[list[HashResult], list[str]]:
    path = Path(target)
    if text:
        if not path.is_file():
            return hash_text_all(target)
        decoded = read_text(path)
        if decoded.problems:
            fail(decoded.fail_message(path.name))
        return hash_text_all(decoded.text)
    return hash_file_bytes(path.read_bytes())


@app.command("create")
def create_cmd(
    name: str,
    negative: bool = typer.Option(False, help="an allow-list: its matches suppress others"),
    threshold: list[str] = typer.Option([], help="per signal type, e.g. pdq=20 (repeatable)"),
    source: str = typer.Option("manual", help='e.g. "manual", "TCAP-style feed"'),
    designation: str | None = typer.Option(None, help="designation id the bank relates to"),
    description: str = "",
    disabled: bool = typer.Option(False, help="create it disabled"),
    by: str | None = typer.Option(None, help="who is acting (default cli:<user>)"),
) -> None:
    """Create a bank."""
    app_ = get_app()
    try:
        bank = hashmatch.new_bank(
            app_.uow, name, by=cli_actor(by), at=app_.clock.now(), negative=negative,
            thresholds=_thresholds(threshold), source=source, designation_id=designation,
            description=description, enabled=not disabled)
    except ValueError as e:
        fail(str(e))
        return
    print_json({"bank": bank.name, "id": bank.bank_id, "negative": bank.negative,
                "enabled": bank.enabled, "thresholds": dict(bank.thresholds)})


@app.command("set")
def set_cmd(name: str, enabled: bool | None = typer.Option(None, "--enable/--disable"),
            threshold: list[str] = typer.Option([], help="e.g. pdq=20 (repeatable)"),
            by: str | None = typer.Option(None, help="who is acting (default cli:<user>)"),
            ) -> None:
    """Enable or disable a bank, or change its thresholds (an event in the chain)."""
    app_ = get_app()
    try:
        bank = hashmatch.change_bank(app_.uow, name, by=cli_actor(by), at=app_.clock.now(),
                                     enabled=enabled, thresholds=_thresholds(threshold) or None)
    except KeyError as e:
        fail(str(e.args[0]))
        return
    print_json({"bank": bank.name, "enabled": bank.enabled, "thresholds": dict(bank.thresholds)})


@app.command("list")
def list_cmd() -> None:
    """Every bank with its settings and number of live hashes."""
    print_json([{"id": b.bank_id, "name": b.name, "enabled": b.enabled,
                 "negative": b.negative, "thresholds": dict(b.thresholds),
                 "source": b.source, "designation_id": b.designation_id,
                 "entries": n} for b, n in hashmatch.banks_with_counts(get_app().uow)])


@app.command("add")
def add_cmd(
    bank: str,
    target: str = typer.Argument(..., help="a file to hash, or a hash"),
    type_: str | None = typer.Option(None, "--type", help="signal type of a hash"),
    text: bool = typer.Option(False, help="the file (or argument) is text: bank text hashes"),
    meta: list[str] = typer.Option([], help="metadata NAME=VALUE (repeatable)"),
    by: str | None = None,
) -> None:
    """Bank a file's hashes (PDQ of a photo, MD5 of any file; text hashes with --text) or a
    given hash."""
    app_ = get_app()
    metadata = _pairs(meta, "--meta")
    if text or Path(target).is_file():
        results, notes = _content_hashes(target, text)
        if not text:
            metadata.setdefault("file", Path(target).name)
    else:
        results, notes = [HashResult(type_ or _guess_type(target), target)], []
    notes += [f"{r.signal_type}: quality {r.quality} is too low, not banked"
              for r in results if not r.usable]
    usable = [r for r in results if r.usable]
    try:
        banked = hashmatch.bank_signals(
            app_.uow, app_.clock, bank, [(r.signal_type, r.signal, r.quality) for r in usable],
            by=cli_actor(by), metadata=metadata)
    except ValueError as e:
        fail(str(e))
        return
    added = [{"entry_id": eid, "signal_type": r.signal_type, "signal": r.signal,
              "quality": r.quality, "new": new} for r, (eid, new) in zip(usable, banked,
                                                                         strict=True)]
    for n in notes:
        console.print(f"[yellow]note:[/yellow] {n}")
    if not added:
        fail("nothing was banked")
    print_json(added)


@app.command("import")
def import_cmd(bank: str, path: Path = typer.Argument(..., exists=True, dir_okay=False),
               by: str | None = None) -> None:
    """Import a CSV of `signal_type,signal[,...]` (ThreatExchange / HMA layout)."""
    app_ = get_app()
    decoded = read_text(path)
    try:
        report = hashmatch.import_bank_csv(app_.uow, bank, decoded.text, by=cli_actor(by),
                                           at=app_.clock.now(), unreadable=decoded.problems)
    except ValueError as e:
        fail(f"{path.name}: {e}")
        return
    for err in report.errors:
        console.print(f"[yellow]{path.name}:[/yellow] {err}")
    print_json({"bank": bank, **report.summary()})


@app.command("remove")
def remove_cmd(entry_id: int, by: str | None = None) -> None:
    """Remove a banked hash (it stays on record, stamped as removed)."""
    app_ = get_app()
    if not hashmatch.unbank_signal(app_.uow, entry_id, by=cli_actor(by), at=app_.clock.now()):
        fail(f"no live bank entry {entry_id}")
    print_json({"removed": entry_id})


@app.command("match")
def match_cmd(target: str = typer.Argument(..., help="a file, or a hash"),
              type_: str | None = typer.Option(None, "--type"),
              text: bool = typer.Option(False, help="match the file (or argument) as text"),
              ) -> None:
    """Match a file or a hash against the enabled banks (records nothing)."""
    if text or Path(target).is_file():
        results, notes = _content_hashes(target, text)
        signals = [(r.signal_type, r.signal) for r in results if r.usable]
        for n in notes:
            console.print(f"[yellow]note:[/yellow] {n}")
    else:
        signals = [(type_ or _guess_type(target), target)]
    matcher = hashmatch.refresh_matcher(get_app().uow, hashmatch.HashMatcher())
    for s in matcher.skipped:
        console.print(f"[yellow]skipped corrupt hash:[/yellow] bank {s.bank} entry "
                      f"{s.entry_id}: {s.error}")
    try:
        print_json(matcher.match(signals).as_dict())
    except ValueError as e:
        fail(str(e))


@app.command("scan")
def scan_cmd() -> None:
    """Match every stored post against the enabled banks; record each match as an event."""
    app_ = get_app()
    total = hashmatch.posts_to_scan(app_.uow)
    matcher = hashmatch.HashMatcher()
    with progress_bar("scan posts", total) as bar:
        report = hashmatch.scan_posts(app_.uow, matcher, app_.clock.now,
                                      progress=lambda n: bar.advance(0, n))
    for s in matcher.skipped:
        console.print(f"[yellow]skipped corrupt hash:[/yellow] bank {s.bank} entry "
                      f"{s.entry_id}: {s.error}")
    for err in report.errors:
        console.print(f"[yellow]bad media hash:[/yellow] {err}")
    print_json(report.summary())


@app.command("feedback")
def feedback_cmd(entry_id: int, verdict: str = typer.Argument(
                     ..., help="true_positive or false_positive"),
                 event: str | None = typer.Option(None, help="the match event id"),
                 note: str = "", by: str | None = None) -> None:
    """Record whether a match was right, for threshold tuning and the hash provider."""
    app_ = get_app()
    try:
        fid = hashmatch.give_feedback(app_.uow, entry_id, verdict, by=cli_actor(by),
                                      at=app_.clock.now(), event_id=event, note=note)
    except ValueError as e:
        fail(str(e))
        return
    print_json({"feedback_id": fid})


@app.command("export-feedback")
def export_feedback_cmd(out: Path, all_: bool = typer.Option(False, "--all",
                                                             help="include exported rows")
                        ) -> None:
    """Write feedback not yet exported as CSV for the hash provider."""
    app_ = get_app()
    data = hashmatch.export_feedback_to(app_.uow, app_.clock.now(),
                                        lambda text: out.write_text(text, encoding="utf-8"),
                                        include_exported=all_)
    console.print(f"{out}: {data.count(chr(10)) - 1} verdicts")


def hash_cmd(path: Path = typer.Argument(..., exists=True, dir_okay=False),
             text: bool = typer.Option(False, help="hash the file as text")) -> None:
    """Print a file's hashes: PDQ with its quality (photos) and MD5; text hashes with --text."""
    results, notes = _content_hashes(str(path), text)
    for n in notes:
        console.print(f"[yellow]note:[/yellow] {n}")
    sys_out = [{"signal_type": r.signal_type, "signal": r.signal, "quality": r.quality,
                "usable": r.usable} for r in results]
    print_json(sys_out)
