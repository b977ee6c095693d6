"""Request ids belong to their submitter. Two authorities may both number a request "REQ-1";
neither may learn from tarazu that the other did, nor read the other's results by sending the
same id or the same bytes. So a submitter's id is looked up among that submitter's requests
only, and a request whose id another submitter already used is stored under a scoped id
(``REQ-1@<digest of the submitter>``) that only tarazu's staff see; the submitter keeps
using their own id. ``@`` is therefore reserved in the ids submitters send."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

RESERVED = "@"
#: Longest id a submitter may give: a scoped id adds 17 characters and must fit the stores'
#: 200-character key.
MAX_ID = 180
#: Looks up a stored id: ``(exists, submitted_by)``.
Owner = Callable[[str], tuple[bool, str | None]]


def scoped(request_id: str, submitted_by: str) -> str:
    return f"{request_id}{RESERVED}{hashlib.sha256(submitted_by.encode()).hexdigest()[:16]}"


def reserved_problem(request_id: str, submitted_by: str | None) -> str | None:
    """Why a submitter may not use this id (None: they may)."""
    if submitted_by is None:
        return None
    if RESERVED in request_id:
        return f"'{RESERVED}' is reserved and cannot appear in a request id"
    if len(request_id) > MAX_ID:
        return f"at most {MAX_ID} characters"
    return None


def storage_id(request_id: str, submitted_by: str | None, owner: Owner) -> str:
    """Where this submitter's request is (or will be) stored. An operator's import (no
    submitter) keeps the id as given."""
    if submitted_by is None:
        return request_id
    return find(request_id, submitted_by, owner) or (
        request_id if not owner(request_id)[0] else scoped(request_id, submitted_by))


def find(request_id: str, submitted_by: str, owner: Owner) -> str | None:
    """The stored id of this submitter's request ``request_id``; None if they have none."""
    for candidate in (request_id, scoped(request_id, submitted_by)):
        exists, by = owner(candidate)
        if exists and by == submitted_by:
            return candidate
    return None


def own_id(stored_id: str, submitted_by: str | None) -> str:
    """The id as its submitter gave it."""
    if submitted_by and stored_id.endswith(scoped("", submitted_by)):
        return stored_id[: -len(scoped("", submitted_by))]
    return stored_id
