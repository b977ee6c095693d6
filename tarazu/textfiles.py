"""Reading the text files people hand to tarazu (platform exports, lists, referrals), so that a
bad byte, a broken archive or an oversized field costs one named line and never the file.

Every importer reads through here: files are decoded as UTF-8 line by line (a line that is not
UTF-8 is reported by number and left out; its neighbours are kept), gzip is recognised by its
magic bytes (a truncated or corrupt archive keeps the lines read before the damage and reports
where it stopped), and CSV rows are read one by one with the error of a malformed or oversized
row named by its line. Pure standard library, so the core parsers may use it too."""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
#: The longest CSV field read (Python's own default); a longer one is a named error.
CSV_FIELD_LIMIT = 131072


@dataclass(frozen=True)
class LineProblem:
    """A line that could not be read at all (encoding, compression, CSV framing)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class FieldProblem:
    """One bad field of one record people hand in, named so that they can find and fix it:
    where the record is (``line`` 3 of a file, ``item`` 3 of a list, a ``record`` known by its
    name such as a stored post; nowhere for a document of one record such as a data request),
    which field, what is wrong. The one record type for this everywhere (interchange files,
    referral lists, hash-bank CSVs, data requests, the hashes of stored posts); the good
    records are kept."""

    line: int | None
    field: str
    message: str
    unit: str = "line"  # what ``line`` counts: the lines of a file, or the items of a list
    record: str = ""  # the record's name, where it has one rather than a number

    def __str__(self) -> str:
        where = (f"{self.record}: " if self.record
                 else f"{self.unit} {self.line}: " if self.line is not None else "")
        return f"{where}field '{self.field}': {self.message}"


@dataclass
class DecodedText:
    """A file's text with unreadable lines blanked (so line numbers stay true) and named."""

    text: str
    problems: list[LineProblem] = field(default_factory=list)

    def fail_message(self, name: str) -> str:
        """For whole-document formats (JSON, XML), where one bad line spoils the document."""
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"{name}: {first}{more}"


def value_problem(value: str, limit: int) -> str | None:
    """What is wrong with one field's value, in words: longer than ``limit`` characters, or
    holding a NUL (which PostgreSQL cannot store and no text needs); None if nothing."""
    if len(value) > limit:
        return f"is {len(value)} characters long; at most {limit} are accepted"
    if "\x00" in value:
        return "contains a NUL character"
    return None


def decode_line(raw: bytes, line: int) -> str | LineProblem:
    """One line as text, or the problem naming the first byte that is not UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return LineProblem(line, f"not UTF-8 text (byte 0x{raw[e.start]:02x} at position "
                                 f"{e.start + 1}); save the file as UTF-8")
    return text.removeprefix("\ufeff") if line == 1 else text


@contextmanager
def _open(path: Path) -> Iterator[BinaryIO | LineProblem]:
    """The file's bytes, decompressed when it is gzip; a problem when it claims to be gzip and
    is not."""
    with open(path, "rb") as f:
        head = f.read(2)
        f.seek(0)
        if head == GZIP_MAGIC:
            with gzip.GzipFile(fileobj=f, mode="rb") as g:
                yield g  # type: ignore[misc]
        elif path.suffix.lower() == ".gz":
            yield LineProblem(1, "the file is named .gz but is not gzip-compressed")
        else:
            yield f


def iter_lines(path: str | Path) -> Iterator[tuple[int, str | LineProblem]]:
    """(line number, text or problem) for every line of a plain or gzip file. A damaged
    archive ends the iteration with a problem after the last line that could be read."""
    n = 0
    with _open(Path(path)) as stream:
        if isinstance(stream, LineProblem):
            yield stream.line, stream
            return
        try:
            for n, raw in enumerate(stream, start=1):  # noqa: B007 - n is read after the loop
                yield n, decode_line(raw, n)
        except (EOFError, OSError, zlib.error) as e:
            yield n + 1, LineProblem(
                n + 1, f"the compressed file is damaged or truncated here ({e}); the "
                       f"{n} line(s) before it were read")


def count_lines(path: str | Path) -> int | None:
    """How many lines a plain or gzip file has (for a progress bar); None if unreadable."""
    with _open(Path(path)) as stream:
        if isinstance(stream, LineProblem):
            return None
        try:
            return sum(1 for _ in stream)
        except (EOFError, OSError, zlib.error):
            return None


def read_text(path: str | Path) -> DecodedText:
    """The whole file as text (see :func:`iter_lines`), unreadable lines blank and named."""
    lines: list[str] = []
    problems: list[LineProblem] = []
    for n, got in iter_lines(path):
        if isinstance(got, LineProblem):
            problems.append(got)
            if n <= len(lines) + 1:
                lines.append("\n")
        else:
            lines.append(got)
    return DecodedText("".join(lines), problems)


def csv_rows(text: str, field_limit: int = CSV_FIELD_LIMIT
             ) -> Iterator[tuple[int, list[str] | LineProblem]]:
    """(line number where the row starts, cells or problem) for every CSV row. A field longer
    than ``field_limit`` characters or a malformed row is a problem; reading goes on after it."""
    previous = csv.field_size_limit(field_limit)
    try:
        reader = csv.reader(io.StringIO(text))
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                message = str(e)
                if "field limit" in message:
                    message = f"a field is longer than {field_limit} characters"
                yield start, LineProblem(start, f"unreadable CSV row: {message}")
                continue
            yield start, row
    finally:
        csv.field_size_limit(previous)


def csv_records(text: str, field_limit: int = CSV_FIELD_LIMIT
                ) -> tuple[list[str] | None, Iterator[tuple[int, dict[str, str] | LineProblem]]]:
    """Header and (line, {column: value} or problem) for a CSV file with a header row; blank
    rows are skipped. The header is None for an empty file."""
    rows = csv_rows(text, field_limit)
    header: list[str] | None = None
    for _, first in rows:
        if isinstance(first, LineProblem) or any(c.strip() for c in first):
            header = [] if isinstance(first, LineProblem) else [c.strip() for c in first]
            break

    def records() -> Iterator[tuple[int, dict[str, str] | LineProblem]]:
        for n, row in rows:
            if isinstance(row, LineProblem):
                yield n, row
            elif any(c.strip() for c in row):
                yield n, dict(zip(header or [], row, strict=False))

    return header, records()
