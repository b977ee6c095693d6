"""A valid data request document (synthetic: invented agency staff, accounts and references)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

NOW = datetime(2025, 8, 11, 9, 0, tzinfo=UTC)

BASE: dict[str, Any] = {
    "request_id": "FIA-2025-0811-07",
    "country": "PK",
    "agency": "Federal Investigation Agency",
    "official": {"name": "Inspector A. Example", "title": "Deputy Director"},
    "instrument": {"type": "court_order", "issuer": "Sessions Court Islamabad",
                   "reference": "CrM-1234/2025", "date": "2025-08-10",
                   "document_sha256": "a" * 64},
    "targets": ["@umar_media"],
    "categories": ["subscriber", "ip_logs"],
    "period": {"from": "2025-06-01", "to": "2025-08-01"},
    "nondisclosure_until": None,
    "received_at": "2025-08-11T09:00:00Z",
}


def doc(**changes: Any) -> dict[str, Any]:
    """The base document with top-level keys replaced (``instrument__type`` for nested)."""
    d = copy.deepcopy(BASE)
    for key, value in changes.items():
        if "__" in key:
            outer, inner = key.split("__", 1)
            d[outer][inner] = value
        else:
            d[key] = value
    return d
