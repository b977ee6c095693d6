"""Structured logs: one JSON object per line, ``{"event": "<what happened>", ...fields}``,
for the stream worker and the web app (a log shipper indexes the fields; nobody parses prose).

Logs leave the system's access controls — they are copied to log stores, shown to on-call
staff, kept for months — so they carry no personal data: no handle, name, bio, account id,
user name or IP address. Operators find the record through ids that mean nothing outside
tarazu (a stream sequence number, a decision id). :func:`withhold_personal_fields` enforces
that for the field names that would carry such data, whoever logs them.

Standard-library loggers (``logging.getLogger("tarazu.jobs")``, uvicorn's) are rendered the
same way, so a process writes one format."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

#: Field names that would carry personal data; their values are replaced before rendering.
PERSONAL_FIELDS = frozenset({
    "handle", "display_name", "name", "bio", "links", "account_id", "account", "subject",
    "username", "user", "email", "ip", "client", "client_ip", "remote_addr", "path", "url",
    "query", "body", "record",
})
WITHHELD = "[withheld]"


def withhold_personal_fields(_: Any, __: str, event: MutableMapping[str, Any]
                             ) -> MutableMapping[str, Any]:
    """structlog processor: replace the value of any field in :data:`PERSONAL_FIELDS`."""
    for key in PERSONAL_FIELDS.intersection(event):
        event[key] = WITHHELD
    return event


def _processors() -> list[Any]:
    return [structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            withhold_personal_fields, structlog.processors.format_exc_info]


def configure(stream: TextIO | None = None, level: int = logging.INFO) -> None:
    """Send structlog and standard logging to ``stream`` (stderr by default) as JSON lines.
    Idempotent: a second call replaces the handler it installed."""
    out = stream or sys.stderr
    shared = _processors()
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *shared,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger, cache_logger_on_first_use=False)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.JSONRenderer(sort_keys=True)])
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    handler.set_name("tarazu-json")
    root = logging.getLogger()
    for h in [h for h in root.handlers if h.get_name() == "tarazu-json"]:
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):  # uvicorn's own handlers would print prose
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    # one line per HTTP call with its full URL (a query can name a person): warnings only
    logging.getLogger("httpx").setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
