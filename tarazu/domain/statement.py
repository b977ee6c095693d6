"""The statement of reasons a user receives with every action (DSA Art. 17, Santa Clara 2.0):
what was done, under which rule, on which facts, how it was detected, whether a government
asked, and how to appeal.

It is built once, when the decision is recorded, and stored in the decision's payload, so the
notice, the export and the appeal page all tell the same story. The appeal link is not part of
it: the link carries a secret and is added only to the notice the user receives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from tarazu.domain.policies import Action, get_policy

#: How a case came to us, as the Santa Clara Principles count it.
DETECTION_SOURCES = ("government", "trusted_flagger", "public", "automated")


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
    #: a government asked, even when a legal bar forbids naming it
    government_involved: bool = False
    detection: tuple[str, ...] = ()  # sources of the reports (DETECTION_SOURCES)
    designation: str | None = None  # the designation relied on, if any
    subject_type: str = "account"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["evidence"] = list(self.evidence)
        d["detection"] = list(self.detection)
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StatementOfReasons:
        """Rebuild a stored statement; keys it does not know are ignored, missing optional
        ones take their defaults (statements stored by older versions stay readable)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["evidence"] = tuple(values.get("evidence") or ())
        values["detection"] = tuple(values.get("detection") or ())
        values.setdefault("appeal", APPEAL_TEXT)
        values.setdefault("policy_title", "")
        values.setdefault("facts", "")
        for flag in ("automated_detection", "automated_decision"):
            values.setdefault(flag, False)
        for opt in ("government_request", "until", "country"):
            values.setdefault(opt, None)
        return cls(**values)


APPEAL_TEXT = (
    "You can appeal this decision within 6 months. A reviewer who took no part in it will "
    "decide your appeal and tell you the reasons."
)


def build_statement(*, action: Action, policy: str, facts: str, automated_detection: bool,
                    automated_decision: bool, government_request: str | None,
                    evidence: Sequence[str] = (), until: str | None = None,
                    country: str | None = None, language: str = "en",
                    government_involved: bool | None = None, detection: Sequence[str] = (),
                    designation: str | None = None, subject_type: str = "account"
                    ) -> StatementOfReasons:
    title = get_policy(policy).title if action is not Action.NO_ACTION else ""
    involved = bool(government_request) if government_involved is None else government_involved
    return StatementOfReasons(
        action=action.value, policy=policy, policy_title=title, facts=facts,
        automated_detection=automated_detection, automated_decision=automated_decision,
        government_request=government_request, evidence=tuple(evidence), until=until,
        country=country, appeal=APPEAL_TEXT, language=language,
        government_involved=involved,
        detection=tuple(s for s in DETECTION_SOURCES if s in set(detection)),
        designation=designation, subject_type=subject_type,
    )
