"""Reading the platform interchange format (JSONL, optionally gzip) into domain records.

Each bad record yields a :class:`RecordError` naming the line and the field; good records are
never lost because a neighbour was bad."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from tarazu.domain.platform import Account, Media, Post

HEX = set("0123456789abcdef")


@dataclass(frozen=True)
class RecordError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: field '{self.field}': {self.message}"


class InvalidRecord(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ParsedLine:
    line: int
    record: Account | Post | None
    error: RecordError | None
    raw: dict[str, Any] | None = None


def open_text(path: str | Path) -> TextIO:
    """Open a .jsonl or .jsonl.gz file as UTF-8 text."""
    p = Path(path)
    if p.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(p, "rb"), encoding="utf-8")
    return open(p, encoding="utf-8")


def parse_time(value: Any, field: str, required: bool = True) -> datetime | None:
    if value in (None, ""):
        if required:
            raise InvalidRecord(field, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidRecord(field, f"must be an ISO 8601 time string, got {type(value).__name__}")
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRecord(field, f"is not an ISO 8601 time: {value!r}") from None
    if t.tzinfo is None:
        raise InvalidRecord(field, f"has no time zone: {value!r}")
    return t


def _str(obj: dict[str, Any], field: str, required: bool = False) -> str:
    v = obj.get(field)
    if v is None or v == "":
        if required:
            raise InvalidRecord(field, "is required")
        return ""
    if not isinstance(v, str):
        raise InvalidRecord(field, f"must be a string, got {type(v).__name__}")
    return v


def _str_list(obj: dict[str, Any], field: str) -> tuple[str, ...]:
    v = obj.get(field)
    if v is None:
        return ()
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise InvalidRecord(field, "must be a list of strings")
    return tuple(v)


def _hex(value: str | None, field: str, length: int) -> str | None:
    if not value:
        return None
    if not isinstance(value, str):
        raise InvalidRecord(field, "must be a hex string")
    v = value.lower()
    if len(v) != length or not set(v) <= HEX:
        raise InvalidRecord(field, f"must be {length} hex characters")
    return v


def parse_account(obj: dict[str, Any]) -> Account:
    status = _str(obj, "status", required=True)
    if status not in ("active", "removed"):
        raise InvalidRecord("status", f"must be 'active' or 'removed', got {status!r}")
    idents = obj.get("identifiers") or {}
    if not isinstance(idents, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in idents.items()
    ):
        raise InvalidRecord("identifiers", "must be an object of string to string")
    return Account(
        account_id=_str(obj, "account_id", required=True),
        platform=_str(obj, "platform") or "default",
        handle=_str(obj, "handle", required=True),
        display_name=_str(obj, "display_name"),
        bio=_str(obj, "bio"),
        links=_str_list(obj, "links"),
        avatar_pdq=_hex(obj.get("avatar_pdq"), "avatar_pdq", 64),
        created_at=parse_time(obj.get("created_at"), "created_at"),  # type: ignore[arg-type]
        status=status,
        removed_at=parse_time(obj.get("removed_at"), "removed_at", required=False),
        removal_reason=_str(obj, "removal_reason"),
        identifiers=dict(idents),
        verified_categories=_str_list(obj, "verified_categories"),
        following=_str_list(obj, "following"),
        followers=_str_list(obj, "followers"),
    )


def parse_post(obj: dict[str, Any]) -> Post:
    media_raw = obj.get("media") or []
    if not isinstance(media_raw, list):
        raise InvalidRecord("media", "must be a list of objects")
    media = []
    for i, m in enumerate(media_raw):
        if not isinstance(m, dict):
            raise InvalidRecord(f"media[{i}]", "must be an object")
        media.append(
            Media(
                pdq=_hex(m.get("pdq"), f"media[{i}].pdq", 64),
                md5=_hex(m.get("md5"), f"media[{i}].md5", 32),
                kind=m.get("kind") or "image",
            )
        )
    reply_to = obj.get("reply_to")
    return Post(
        post_id=_str(obj, "post_id", required=True),
        account_id=_str(obj, "account_id", required=True),
        platform=_str(obj, "platform") or "default",
        created_at=parse_time(obj.get("created_at"), "created_at"),  # type: ignore[arg-type]
        text=_str(obj, "text"),
        lang=_str(obj, "lang"),
        context=_str(obj, "context"),
        reply_to=reply_to if isinstance(reply_to, str) and reply_to else None,
        mentions=_str_list(obj, "mentions"),
        hashtags=_str_list(obj, "hashtags"),
        links=_str_list(obj, "links"),
        media=tuple(media),
    )


def parse_object(obj: Any) -> Account | Post:
    if not isinstance(obj, dict):
        raise InvalidRecord("(record)", "must be a JSON object")
    kind = obj.get("type")
    if kind == "account":
        return parse_account(obj)
    if kind == "post":
        return parse_post(obj)
    raise InvalidRecord("type", f"must be 'account' or 'post', got {kind!r}")


def iter_lines(stream: TextIO) -> Iterator[ParsedLine]:
    """Parse every line; yield a record or an error per non-blank line."""
    for n, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield ParsedLine(n, None, RecordError(n, "(json)", f"invalid JSON: {e.msg}"))
            continue
        try:
            yield ParsedLine(n, parse_object(obj), None, obj)
        except InvalidRecord as e:
            yield ParsedLine(n, None, RecordError(n, e.field, e.message), obj)


def read_file(path: str | Path) -> Iterator[ParsedLine]:
    with open_text(path) as f:
        yield from iter_lines(f)


def load_records(path: str | Path) -> tuple[list[Account], list[Post], list[RecordError]]:
    """Read a whole file into memory (benchmarks, batch jobs)."""
    accounts: list[Account] = []
    posts: list[Post] = []
    errors: list[RecordError] = []
    for p in read_file(path):
        if p.error:
            errors.append(p.error)
        elif isinstance(p.record, Account):
            accounts.append(p.record)
        elif isinstance(p.record, Post):
            posts.append(p.record)
    return accounts, posts, errors
