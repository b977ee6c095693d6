"""The registry of comparators: one explicit list, looked up by name.

Each comparator documents itself (``get_docs()``): what it measures, its levels, its config."""

from __future__ import annotations

from typing import Any

from tarazu.linkage.comparators.activity import (
    ActsOnOthersComparator,
    OwnPagesComparator,
    SilentPostsComparator,
    VolumeComparator,
)
from tarazu.linkage.comparators.content import (
    LanguageComparator,
    MediaComparator,
    PostTextComparator,
    RecentTextComparator,
    SharedPhrasesComparator,
    StyleComparator,
)
from tarazu.linkage.comparators.identity import (
    AvatarComparator,
    BioComparator,
    DisplayNameComparator,
    HandleComparator,
    ProfileLinksComparator,
)
from tarazu.linkage.comparators.network import (
    CoActivityComparator,
    ContextsComparator,
    HashtagsComparator,
    MentionsComparator,
    ReferencesComparator,
    SocialGraphComparator,
)
from tarazu.linkage.comparators.own import OWN_COMPARATORS, SUPERSEDES
from tarazu.linkage.comparators.platform import IdentifiersComparator
from tarazu.linkage.comparators.relative import (
    GapRankComparator,
    LeadComparator,
    PauseRankComparator,
    RankComparator,
    RecentTextRankComparator,
    ReciprocalRankComparator,
    SuccessorLeadComparator,
    TextRankComparator,
)
from tarazu.linkage.comparators.timing import (
    ActivityHoursComparator,
    CreationGapComparator,
    PauseComparator,
    PauseFitComparator,
    TempoComparator,
)
from tarazu.linkage.comparators.voice import OwnVoiceComparator
from tarazu.linkage.levels import Comparator

COMPARATORS: tuple[type[Comparator], ...] = (
    HandleComparator,
    DisplayNameComparator,
    BioComparator,
    ProfileLinksComparator,
    AvatarComparator,
    PostTextComparator,
    RecentTextComparator,
    SharedPhrasesComparator,
    StyleComparator,
    LanguageComparator,
    MediaComparator,
    HashtagsComparator,
    MentionsComparator,
    ContextsComparator,
    CoActivityComparator,
    SocialGraphComparator,
    ReferencesComparator,
    CreationGapComparator,
    PauseComparator,
    PauseFitComparator,
    TempoComparator,
    ActivityHoursComparator,
    IdentifiersComparator,
    ActsOnOthersComparator,
    OwnPagesComparator,
    SilentPostsComparator,
    VolumeComparator,
    *OWN_COMPARATORS,
    OwnVoiceComparator,
)
#: The base comparators of a new (expert, self-fitted) model: all but those that a comparator
#: of the removed account's own traces supersedes (see ``comparators.own``); the superseded
#: ones stay registered for the fitted models that use them.
DEFAULT_COMPARATORS: tuple[type[Comparator], ...] = tuple(
    c for c in COMPARATORS if c.NAME not in set(SUPERSEDES.values()))
RELATIVE: tuple[type[RankComparator], ...] = (
    GapRankComparator,
    PauseRankComparator,
    TextRankComparator,
    RecentTextRankComparator,
)

#: Second-pass signal, computed from the other signals' totals of all new accounts.
RECIPROCAL = ReciprocalRankComparator
#: All second-pass signals: computed from first-pass totals (of this account's candidates and
#: of the other new accounts that may continue the same removed account).
SECOND_PASS: tuple[type[Any], ...] = (
    ReciprocalRankComparator,
    LeadComparator,
    SuccessorLeadComparator,
)

_BY_NAME: dict[str, type[Any]] = {c.NAME: c for c in (*COMPARATORS, *RELATIVE, *SECOND_PASS)}
assert len(_BY_NAME) == len(COMPARATORS) + len(RELATIVE) + len(SECOND_PASS), (
    "comparator names must be unique"
)


def get_comparator(name: str, **config: Any) -> Comparator | RankComparator:
    try:
        cls = _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown comparator {name!r}; known: {sorted(_BY_NAME)}") from None
    return cls(**config)


def family_of(name: str) -> str:
    """The kind of evidence comparator ``name`` reads (its ``FAMILY``: identity, content,
    network, timing, activity, platform, ...)."""
    try:
        return str(_BY_NAME[name].FAMILY)
    except KeyError:
        raise KeyError(f"unknown comparator {name!r}; known: {sorted(_BY_NAME)}") from None


def comparator_docs() -> list[dict[str, Any]]:
    return [c.get_docs() for c in (*COMPARATORS, *RELATIVE, *SECOND_PASS)]


__all__ = [
    "COMPARATORS",
    "DEFAULT_COMPARATORS",
    "RELATIVE",
    "RECIPROCAL",
    "SECOND_PASS",
    "get_comparator",
    "family_of",
    "comparator_docs",
    "RankComparator",
]
