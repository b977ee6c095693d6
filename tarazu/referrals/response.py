"""The response document a requester receives: for every item its outcome, the reasons in
plain words, and for returned items what to fix. JSON for machines; plain text for people
(the web portal renders the same document as HTML)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from tarazu.referrals.model import Outcome, Reason

OUTCOME_WORDS = {
    Outcome.ACCEPTED.value: "accepted: queued for review by a moderator",
    Outcome.ESCALATED.value: "escalated: only a senior reviewer will look at it",
    Outcome.RETURNED.value: "returned: please correct and send again",
    Outcome.REFUSED.value: "refused: no action will follow from this item",
}


def response_item(line: int, account: str, platform: str, outcome: str,
                  reasons: Iterable[str], explanation: Iterable[str] = (),
                  status: Mapping[str, Any] | None = None) -> dict[str, Any]:
    codes = list(reasons)
    known = [Reason(c) for c in codes if c in Reason.__members__.values()]
    item: dict[str, Any] = {
        "line": line, "account": account, "platform": platform, "outcome": outcome,
        "outcome_in_words": OUTCOME_WORDS.get(outcome, outcome),
        "reasons": codes,
        "reasons_in_words": [r.plain for r in known],
        "details": list(explanation),
        "to_fix": [r.fix for r in known if r.fix] if outcome == Outcome.RETURNED.value else [],
    }
    if status is not None:
        item["status"] = dict(status)
    return item


def response_document(request_id: str, requester: Mapping[str, Any], received_at: str,
                      checked_at: datetime, items: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter(i["outcome"] for i in items)
    return {
        "type": "referral_response", "version": 1, "request_id": request_id,
        "requester": {k: requester.get(k, "") for k in ("type", "country", "agency")},
        "received_at": received_at, "checked_at": checked_at.isoformat(),
        "summary": {o.value: counts.get(o.value, 0) for o in Outcome}
        | {"invalid": counts.get("invalid", 0), "total": len(items)},
        "items": items,
    }


def render_text(doc: Mapping[str, Any]) -> str:
    """The document as plain text (for e-mail or print)."""
    s = doc["summary"]
    lines = [
        f"Response to referral request {doc['request_id']}",
        f"Received {doc['received_at']}; checked {doc['checked_at']}.",
        f"{s['total']} items: {s['accepted']} accepted, {s['escalated']} escalated, "
        f"{s['returned']} returned, {s['refused']} refused"
        + (f", {s['invalid']} unreadable" if s.get("invalid") else "") + ".",
        "",
    ]
    for i in doc["items"]:
        where = f" on {i['platform']}" if i.get("platform") else ""
        lines.append(f"Item {i['line']}: {i['account'] or '(unreadable)'}{where}")
        lines.append(f"  Outcome: {i['outcome_in_words']}")
        for words in i["reasons_in_words"]:
            lines.append(f"  Why: {words}")
        for fix in i["to_fix"]:
            lines.append(f"  To fix: {fix}")
        if st := i.get("status"):
            lines.append(f"  Now: {st.get('in_words', '')}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
