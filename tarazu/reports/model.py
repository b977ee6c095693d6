"""What a member of the public may report, as a fixed list (free categories invite free
interpretation: "anti-state" is not one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: category -> (label shown on the form, the policy a reviewer would look at)
CATEGORIES: dict[str, tuple[str, str]] = {
    "designated_organisation": (
        "Account run by or for a designated terrorist organisation", "DOI-1"),
    "propaganda_recruitment": (
        "Recruitment, fundraising or official media of a designated organisation", "DOI-2"),
    "ban_evasion": ("New account of an account that was removed (mirror)", "EVA-1"),
    "violent_threat": ("Threat of violence or glorification of an attack", "VIO-1"),
    "other": ("Something else (explain below)", ""),
}
TARGET_TYPES = ("account", "post")
MAX_TEXT = 2000


@dataclass(frozen=True)
class ReportForm:
    """A report as submitted, validated."""

    platform: str
    target_type: str  # account | post
    target: str  # handle, profile URL, account id, post id or URL
    category: str
    text: str = ""
    contact: str = ""


class ReportError(ValueError):
    """A field of a report is wrong; the message names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"field '{field}': {message}")
        self.field = field


def validate(platform: str, target_type: str, target: str, category: str, text: str = "",
             contact: str = "") -> ReportForm:
    platform, target, text, contact = (platform.strip(), target.strip(), text.strip(),
                                       contact.strip())
    if not platform or len(platform) > 64:
        raise ReportError("platform", "is required (at most 64 characters)")
    if target_type not in TARGET_TYPES:
        raise ReportError("target_type", f"must be one of {', '.join(TARGET_TYPES)}")
    if not target or len(target) > 500:
        raise ReportError("target", "is required (at most 500 characters)")
    if category not in CATEGORIES:
        raise ReportError("category", f"must be one of {', '.join(CATEGORIES)}")
    if len(text) > MAX_TEXT:
        raise ReportError("text", f"is longer than {MAX_TEXT} characters")
    if category == "other" and not text:
        raise ReportError("text", "explain what is wrong when the category is 'other'")
    if len(contact) > 300:
        raise ReportError("contact", "is longer than 300 characters")
    return ReportForm(platform, target_type, target, category, text, contact)


@dataclass(frozen=True)
class ReporterView:
    """What the report path knows about a reporter when a report arrives."""

    key: str  # stable pseudonymous id (hash), never an IP address or an e-mail
    first_seen_at: datetime | None  # None: first report now
    account_created_at: datetime | None = None  # if the platform vouches for an account
    actioned: int = 0  # past reports that led to action
    not_actioned: int = 0  # past reports decided without action
    muted: bool = False
