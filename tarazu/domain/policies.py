"""Policies a decision may cite, the actions it may take, and which actions are high-impact.

A decision must cite one of these policies: "anti-state" or "against national interest" are not
policies and cannot be cited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum


class Action(StrEnum):
    REMOVE = "remove"  # terminate the account / remove the content
    SUSPEND = "suspend"  # until a date, then it ends by itself
    RESTRICT_COUNTRY = "restrict_country"  # withheld in one country only (local law)
    LABEL = "label"
    NO_ACTION = "no_action"


#: Actions that change what the platform does to the subject.
ENFORCING = frozenset({Action.REMOVE, Action.SUSPEND, Action.RESTRICT_COUNTRY, Action.LABEL})
#: Terminating an account always needs a second reviewer (two-person rule); so does any
#: other severe sanction (see :func:`is_severe`).
HIGH_IMPACT = frozenset({Action.REMOVE})
#: A suspension longer than this is severe: it needs a second reviewer, like a removal. A
#: suspension "until 9999" is a removal under another name, and one person must not impose it.
ONE_PERSON_SUSPENSION = timedelta(days=30)
#: No suspension lasts longer than this. Beyond it the account is removed or it is not: the
#: decision is then a removal, with its second reviewer, notice and appeal.
MAX_SUSPENSION = timedelta(days=365)
#: How harsh each action is, least to most. The one place that orders sanctions: an appeal
#: may only modify a decision to a strictly lesser one (:meth:`Sanction.lesser_than`).
SEVERITY_ORDER = (Action.NO_ACTION, Action.LABEL, Action.RESTRICT_COUNTRY, Action.SUSPEND,
                  Action.REMOVE)
_NEVER = datetime.max.replace(tzinfo=UTC)
_NO_END = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Sanction:
    """An action and, for a suspension, when it ends; ordered by how harsh it is."""

    action: Action
    ends: datetime | None = None

    def severity(self) -> tuple[int, datetime]:
        """Rank of the action, then (for suspensions) the end: a later end is harsher, and a
        suspension without an end is as harsh as one that never ends."""
        if self.action is Action.SUSPEND:
            return SEVERITY_ORDER.index(self.action), self.ends or _NEVER
        return SEVERITY_ORDER.index(self.action), _NO_END

    def lesser_than(self, other: Sanction) -> bool:
        return self.severity() < other.severity()


def is_severe(action: Action, starts: datetime, ends: datetime | None = None) -> bool:
    """Whether a sanction needs a second reviewer whoever decides it: a removal, or a
    suspension that is open-ended or longer than :data:`ONE_PERSON_SUSPENSION`."""
    if action in HIGH_IMPACT:
        return True
    return action is Action.SUSPEND and (ends is None or ends - starts > ONE_PERSON_SUSPENSION)


@dataclass(frozen=True)
class Policy:
    code: str
    title: str
    description: str
    dsa_category: str
    dsa_keyword: str | None = None


POLICIES: dict[str, Policy] = {
    p.code: p
    for p in (
        Policy(
            "DOI-1",
            "Dangerous organisations: designated terrorist organisations",
            "Accounts operated by, or on behalf of, an organisation designated as terrorist by a "
            "recognised authority, and content that praises, supports or represents it.",
            "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
            "KEYWORD_TERRORIST_CONTENT",
        ),
        Policy(
            "DOI-2",
            "Dangerous organisations: recruitment and propaganda",
            "Recruitment for, fundraising for, or distribution of official media of a designated "
            "organisation.",
            "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
            "KEYWORD_ILLEGAL_ORGANIZATIONS",
        ),
        Policy(
            "EVA-1",
            "Ban evasion: mirror accounts",
            "Creating or operating an account to continue the activity of an account removed for "
            "a policy violation.",
            "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",  # DSA DB name since July 2025
            "KEYWORD_INAUTHENTIC_ACCOUNTS",
        ),
        Policy(
            "VIO-1",
            "Violent threats and glorification of violence",
            "Threats of violence and content that glorifies a violent attack or its perpetrators.",
            "STATEMENT_CATEGORY_VIOLENCE",
        ),
        Policy(
            "LOC-1",
            "Local law (withheld in country)",
            "Content within the platform's rules but found illegal in one country under a "
            "recorded legal process; restricted in that country only.",
            "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        ),
    )
}


def get_policy(code: str) -> Policy:
    try:
        return POLICIES[code]
    except KeyError:
        raise ValueError(f"unknown policy {code!r}; known: {', '.join(sorted(POLICIES))}") from None
