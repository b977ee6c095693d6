"""Reading the platform interchange format (JSONL, optionally gzip) into domain records.

Each bad record yields a :class:`FieldProblem` naming the line and the field; good records are
never lost because a neighbour was bad (a line that is not UTF-8, or the damaged tail of a
truncated archive, is one error; the lines around it are read).

Beyond the format's types, a record is refused when it could not be true or could not be shown
safely: a time in the future (beyond a day of clock skew), removed before it was created, a
blank handle or one with invisible or direction-changing characters, a NUL character anywhere,
or a field longer than any platform allows (:data:`MAX_CHARS`)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tarazu.domain.platform import Account, AccountStatus, Media, Post
from tarazu.textfiles import FieldProblem, LineProblem, value_problem
from tarazu.textfiles import iter_lines as iter_file_lines

HEX = set("0123456789abcdef")
#: Longest value of a string field, in characters (ids, handles and names: DEFAULT_CHARS).
MAX_CHARS = {"bio": 10_000, "text": 100_000, "display_name": 1_000, "removal_reason": 2_000,
             "context": 2_000}
DEFAULT_CHARS = 512
_STATUSES = frozenset(s.value for s in AccountStatus)  # iterating the enum: per record, slow
#: Longest entry of a list (a link with its query string, a handle, an account id).
LIST_ITEM_CHARS = 2_048
#: Longest list (links, mentions, following, followers...).
MAX_ITEMS = 100_000
#: How far in the future a time may be (the platform's clock may run a little ahead).
FUTURE_SKEW = timedelta(days=1)
#: Characters no handle or id may hold: they hide what a reviewer reads (zero-width, direction
#: overrides) or break storage (NUL). Unicode categories Cc (control) and Cf (format).
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf"})



class InvalidRecord(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ParsedLine:
    line: int
    record: Account | Post | None
    error: FieldProblem | None
    raw: dict[str, Any] | None = None


def parse_time(value: Any, field: str, required: bool = True, now: datetime | None = None
               ) -> datetime | None:
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
    if t > (now or datetime.now(UTC)) + FUTURE_SKEW:
        raise InvalidRecord(field, f"is in the future: {value!r}")
    return t


def _checked(field: str, v: str, strict: bool, limit: int | None = None) -> str:
    """A string within its length bound; ``strict`` (ids, handles): no hidden characters."""
    if problem := value_problem(v, limit or MAX_CHARS.get(field, DEFAULT_CHARS)):
        raise InvalidRecord(field, problem)
    if strict:
        if not v.strip():
            raise InvalidRecord(field, "is blank")
        hidden = None if v.isprintable() else next(  # isprintable: none of Cc, Cf (fast)
            (c for c in v if unicodedata.category(c) in _HIDDEN_CATEGORIES), None)
        if hidden is not None:
            raise InvalidRecord(field, f"contains the invisible character U+{ord(hidden):04X} "
                                       f"({unicodedata.name(hidden, 'control')})")
    return v


def _str(obj: dict[str, Any], field: str, required: bool = False, strict: bool = False
         ) -> str:
    v = obj.get(field)
    if v is None or v == "":
        if required:
            raise InvalidRecord(field, "is required")
        return ""
    if not isinstance(v, str):
        raise InvalidRecord(field, f"must be a string, got {type(v).__name__}")
    return _checked(field, v, strict)


def _str_list(obj: dict[str, Any], field: str) -> tuple[str, ...]:
    v = obj.get(field)
    if v is None:
        return ()
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise InvalidRecord(field, "must be a list of strings")
    if len(v) > MAX_ITEMS:
        raise InvalidRecord(field, f"has {len(v)} entries; at most {MAX_ITEMS} are accepted")
    if v and (max(map(len, v)) > LIST_ITEM_CHARS or "\x00" in "".join(v)):
        for i, x in enumerate(v):  # name the bad entry
            _checked(f"{field}[{i}]", x, strict=False, limit=LIST_ITEM_CHARS)
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
    if status not in _STATUSES:
        raise InvalidRecord("status", f"must be 'active' or 'removed', got {status!r}")
    idents = obj.get("identifiers") or {}
    if not isinstance(idents, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in idents.items()
    ):
        raise InvalidRecord("identifiers", "must be an object of string to string")
    for k, v in idents.items():
        _checked(f"identifiers.{k}", k + v, strict=False, limit=LIST_ITEM_CHARS)
    created_at = parse_time(obj.get("created_at"), "created_at")
    removed_at = parse_time(obj.get("removed_at"), "removed_at", required=False)
    if removed_at and created_at and removed_at < created_at:
        raise InvalidRecord("removed_at", f"{obj['removed_at']!r} is before created_at "
                                          f"{obj['created_at']!r}")
    return Account(
        account_id=_str(obj, "account_id", required=True, strict=True),
        platform=_str(obj, "platform", strict=True) or "default",
        handle=_str(obj, "handle", required=True, strict=True),
        display_name=_str(obj, "display_name"),
        bio=_str(obj, "bio"),
        links=_str_list(obj, "links"),
        avatar_pdq=_hex(obj.get("avatar_pdq"), "avatar_pdq", 64),
        created_at=created_at,  # type: ignore[arg-type]
        status=status,
        removed_at=removed_at,
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
                kind=_str(m, "kind") or "image",
            )
        )
    reply_to = obj.get("reply_to")
    return Post(
        post_id=_str(obj, "post_id", required=True, strict=True),
        account_id=_str(obj, "account_id", required=True, strict=True),
        platform=_str(obj, "platform", strict=True) or "default",
        created_at=parse_time(obj.get("created_at"), "created_at"),  # type: ignore[arg-type]
        text=_str(obj, "text"),
        lang=_str(obj, "lang"),
        context=_str(obj, "context"),
        reply_to=_checked("reply_to", reply_to, strict=False)
        if isinstance(reply_to, str) and reply_to else None,
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


#: What JSON itself counts as whitespace: a line of only these is blank. Python's
#: ``str.strip`` also removes control characters such as U+001C, which would let a line of
#: garbage pass as blank and vanish without a named problem.
JSON_WHITESPACE = " \t\r\n"


def parse_line(n: int, line: str) -> ParsedLine | None:
    """One line of the file: a record, an error, or None when blank."""
    if not line.strip(JSON_WHITESPACE):
        return None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return ParsedLine(n, None, FieldProblem(n, "(json)", f"invalid JSON: {e.msg}"))
    except RecursionError:
        return ParsedLine(n, None, FieldProblem(n, "(json)", "invalid JSON: nested too deeply"))
    try:
        return ParsedLine(n, parse_object(obj), None, obj)
    except InvalidRecord as e:
        return ParsedLine(n, None, FieldProblem(n, e.field, e.message), obj)


def read_file(path: str | Path) -> Iterator[ParsedLine]:
    """Parse a file (plain or gzip): lines that cannot be read (not UTF-8, a damaged archive)
    are errors of field ``(file)``; every readable line is parsed."""
    for n, got in iter_file_lines(path):
        if isinstance(got, LineProblem):
            yield ParsedLine(n, None, FieldProblem(n, "(file)", got.message))
        elif (parsed := parse_line(n, got)) is not None:
            yield parsed


def load_records(path: str | Path) -> tuple[list[Account], list[Post], list[FieldProblem]]:
    """Read a whole file into memory (benchmarks, batch jobs)."""
    accounts: list[Account] = []
    posts: list[Post] = []
    errors: list[FieldProblem] = []
    for p in read_file(path):
        if p.error:
            errors.append(p.error)
        elif isinstance(p.record, Account):
            accounts.append(p.record)
        elif isinstance(p.record, Post):
            posts.append(p.record)
    return accounts, posts, errors
