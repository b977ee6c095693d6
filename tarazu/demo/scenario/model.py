"""The scenario's records and what the generator knows about them (the truth the system must
find out)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Roles of the people around the groups: none of them runs a group account.
HARD_NEGATIVE_ROLES = ("journalist", "researcher", "activist", "namesake", "fan")
#: Roles that must never be actioned automatically, verified by the platform or not.
PROTECTED_ROLES = ("journalist", "researcher", "activist")


@dataclass(frozen=True)
class Truth:
    """What the generator knows and the system must find out."""

    mirror_of: dict[str, str]  # active mirror account id -> removed account id
    group_of: dict[str, str]  # account id -> group key (TTP, BLA, BLF, ISKP)
    protected: dict[str, str]  # account id -> verified category
    referral_kinds: tuple[str, ...]  # kind of each referral item, by line (1-based: [line-1])
    #: account id -> role: group, mirror, journalist, researcher, activist, namesake, fan,
    #: ordinary
    roles: dict[str, str] = field(default_factory=dict)
    operator_of: dict[str, str] = field(default_factory=dict)  # group account id -> operator
    careful: frozenset[str] = frozenset()  # mirrors whose operator changed all it could
    signup_only: frozenset[str] = frozenset()  # mirrors seen only at sign-up

    def kind_counts(self) -> dict[str, int]:
        return dict(Counter(self.referral_kinds))

    def role_counts(self) -> dict[str, int]:
        return dict(Counter(self.roles.values()))


@dataclass(frozen=True)
class Scenario:
    accounts: tuple[dict[str, Any], ...]
    posts: tuple[dict[str, Any], ...]
    referral: dict[str, Any]
    truth: Truth
    #: the size and knobs of this draw, by name (written with the files, to reproduce it)
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScenarioFiles:
    folder: Path
    data: Path
    referrals: Path
    truth_file: Path
    scenario: Scenario = field(repr=False)
    roles_file: Path | None = None

    @property
    def truth(self) -> Truth:
        return self.scenario.truth
