"""Writing a bench's current figures into BENCHMARKS.md: the table under a heading, and the
run notes under it (when, on what machine, at what load, with which command), in place.

BENCHMARKS.md holds one current table per area with the goal beside each figure, and prose
written by hand around it (what the data is, what the figures mean, what is left). A bench's
``--write`` must change only what the run measured, so everything else in the file stays
byte for byte as it was: the heading, the text above the table, and what follows the run
notes (the ``Data`` paragraph and the bullets)."""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
#: the width the file's prose is wrapped at
WIDTH = 95


def _fenced(line: str) -> bool:
    return line.lstrip().startswith("```")


def _indented(line: str) -> bool:
    return line.startswith(("    ", "\t")) and bool(line.strip())


def _headings(lines: list[str]) -> list[int]:
    """Indexes of the heading lines, leaving out ``#`` lines inside fenced code."""
    out, inside = [], False
    for i, line in enumerate(lines):
        if _fenced(line):
            inside = not inside
        elif not inside and line.startswith("#"):
            out.append(i)
    return out


def _notes_end(lines: list[str], start: int, stop: int) -> int:
    """Where the run notes after a table end: past the first code block (indented or fenced)
    that follows the table, with the paragraphs before it. A bullet, a table or the section's
    end met first means there are no notes to replace (``start`` is returned)."""
    i = start
    while i < stop:
        line = lines[i]
        if _fenced(line):
            j = i + 1
            while j < stop and not _fenced(lines[j]):
                j += 1
            return min(j + 1, stop)
        if _indented(line):
            while i < stop and _indented(lines[i]):
                i += 1
            return i
        if line.startswith(("- ", "* ", "|")):
            return start
        i += 1
    return start


def replace_table(doc: str, heading: str, table: str, notes: str | None = None) -> str:
    """``doc`` with the first table under the heading that starts with ``heading`` replaced
    by ``table``; with ``notes``, the run notes under that table too (the paragraphs after it
    down to and including the first code block: see ``_notes_end``), or the notes put right
    under the table when it has none. Everything else is returned unchanged.

    The heading is matched by its start so that a bench can name a heading whose end is
    prose (``### Scenario family``). Raises ``ValueError`` if no heading or more than one
    starts so, or if the section has no table."""
    lines = doc.split("\n")
    heads = _headings(lines)
    found = [i for i in heads if lines[i].startswith(heading)]
    if len(found) != 1:
        raise ValueError(f"{len(found)} headings start with {heading!r}")
    top = found[0]
    stop = next((i for i in heads if i > top), len(lines))
    first = next((i for i in range(top + 1, stop) if lines[i].startswith("|")), None)
    if first is None:
        raise ValueError(f"no table under {heading!r}")
    last = first
    while last < stop and lines[last].startswith("|"):
        last += 1
    new = table.strip("\n").split("\n")
    if notes is None:
        return "\n".join(lines[:first] + new + lines[last:])
    end = _notes_end(lines, last, stop)
    return "\n".join(lines[:first] + new + ["", *notes.strip("\n").split("\n")] + lines[end:])


def write_table(heading: str, table: str, notes: str | None = None,
                path: Path = BENCHMARKS) -> None:
    """``replace_table`` on the file at ``path``."""
    doc = path.read_text(encoding="utf-8")
    path.write_text(replace_table(doc, heading, table, notes), encoding="utf-8")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> str:
    """The machine as the run notes name it: cores, CPU, memory, Python."""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(x for x in f if x.startswith("MemTotal:")).split()[1])
        memory = f", {kb / 2**20:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        memory = ""
    return (f"{os.cpu_count()} cores ({cpu_model()}){memory}, "
            f"Python {platform.python_version()}")


def arguments(argv: list[str] | None = None) -> list[str]:
    """The arguments a bench ran with, but ``--write`` and its path (where the figures went
    is not how they were measured)."""
    out, words = [], list((sys.argv if argv is None else argv)[1:])
    while words:
        w = words.pop(0)
        if w == "--write":
            if words and not words[0].startswith("-"):
                words.pop(0)
        elif not w.startswith("--write="):
            out.append(w)
    return out


def command_line(argv: list[str] | None = None) -> str:
    """The command that ran, as the file shows it: ``python bench/NAME.py ARGS``, with
    ``nice -n N`` before it when the process ran at a lower priority (the file's speed figures
    say how they were run)."""
    argv = sys.argv if argv is None else argv
    niceness = os.nice(0) if hasattr(os, "nice") else 0
    words = ["python", f"bench/{Path(argv[0]).name}", *arguments(argv)]
    return ("" if niceness <= 0 else f"nice -n {niceness} ") + shlex.join(words)


def code_version() -> str:
    """The commit the bench ran on (``+ changes`` when the worktree differed from it)."""
    def git(*words: str) -> str:
        return subprocess.run(["git", *words], cwd=BENCHMARKS.parent, capture_output=True,
                              text=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD") or "unknown"
        return commit + (" + changes" if git("status", "--porcelain", "--untracked-files=no")
                         else "")
    except OSError:
        return "unknown"


def load_range(samples: list[float]) -> str:
    """``low–high`` of 1-minute load averages (one figure when they round alike)."""
    if not samples:
        return f"{os.getloadavg()[0]:.1f}"
    low, high = f"{min(samples):.1f}", f"{max(samples):.1f}"
    return low if low == high else f"{low}–{high}"


def judged(shown: str, parts: dict[str, bool]) -> str:
    """A figure beside its goal, as the file shows it: bold, and met or missed (naming the
    part that missed when only some did, as ``p99 missed``)."""
    missed = [name for name, met in parts.items() if not met]
    verdict = ("met" if not missed else "missed" if len(missed) == len(parts)
               else " and ".join(missed) + " missed")
    return f"**{shown}** ({verdict})"


def run_notes(where: str, commands: list[str]) -> str:
    """The lines under a table: ``DATE, WHERE.`` (wrapped as the file's prose is) and the
    commands as an indented block."""
    said = textwrap.fill(f"{date.today().isoformat()}, {where}.", width=WIDTH,
                         break_long_words=False, break_on_hyphens=False)
    return (f"{said}\n\n"
            + "\n".join(f"    {c}" for c in commands))


def add_write_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--write [PATH]``: replace this bench's table in BENCHMARKS.md (or in a copy of it at
    PATH, to look at before the real file changes)."""
    parser.add_argument("--write", nargs="?", type=Path, const=BENCHMARKS, default=None,
                        metavar="PATH", help=f"replace {what} in BENCHMARKS.md (or in PATH)")
