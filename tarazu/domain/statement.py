"""The statement of reasons a user receives with every action (DSA Art. 17, Santa Clara 2.0):
what was done, under which rule, on which facts, how it was detected, whether a government
asked, and how to appeal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from tarazu.domain.policies import Action, get_policy


@dataclass(frozen=True)
class StatementOfReasons:
    action: str
    policy: str
    policy_title: str
    facts: str
    automated_detection: bool
    automated_decision: bool
    government_request: str | None  # the requesting authority, unless a legal bar forbids it
    evidence: tuple[str, ...]
    until: str | None
    country: str | None
    appeal: str
    language: str = "en"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["evidence"] = list(self.evidence)
        return d


APPEAL_TEXT = (
    "You can appeal this decision within 6 months. A reviewer who took no part in it will "
    "decide your appeal and tell you the reasons."
)


def build_statement(*, action: Action, policy: str, facts: str, automated_detection: bool,
                    automated_decision: bool, government_request: str | None,
                    evidence: Sequence[str] = (), until: str | None = None,
                    country: str | None = None, language: str = "en") -> StatementOfReasons:
    title = get_policy(policy).title if action is not Action.NO_ACTION else ""
    return StatementOfReasons(
        action=action.value, policy=policy, policy_title=title, facts=facts,
        automated_detection=automated_detection, automated_decision=automated_decision,
        government_request=government_request, evidence=tuple(evidence), until=until,
        country=country, appeal=APPEAL_TEXT, language=language,
    )
