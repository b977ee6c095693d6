"""What a scenario draw may vary: how many accounts of each kind (:class:`ScenarioSize`) and how
the operators behave (:class:`Knobs`).

The defaults are the demo's own draw: mirrors that return minutes after a takedown with the old
look, one operator per account, no sign-up-only mirrors. The benchmark of the scenario *family*
draws the knobs from ranges instead, because a generator tuned to one draw proves nothing.
:func:`apply_settings` reads ``name=value`` strings (the ``tarazu scenario --set`` option)."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any

from tarazu.demo.scenario.vocabulary import STYLES


@dataclass(frozen=True)
class ScenarioSize:
    group_active: int = 420  # active designated-group accounts (originals; mirrors are extra)
    removed: int = 60  # group accounts the platform removed earlier
    mirrors_per_removed: tuple[int, int] = (1, 2)
    protected: int = 36  # journalists, researchers, rights activists (hard negatives)
    namesakes: int = 0  # people who share the name of a group account's persona
    #: sympathisers who follow a group's accounts (its audience), share its hashtags and
    #: channel, may wear its logo, but run no group account
    fans: int = 0
    ordinary: int = 260
    referrals: int = 481

    @property
    def hard_negatives(self) -> int:
        return self.protected + self.namesakes + self.fans


SMALL = ScenarioSize(group_active=24, removed=4, protected=6, ordinary=12, referrals=30)


@dataclass(frozen=True)
class Knobs:
    """How mirrors and the people around them behave. Shares are probabilities in [0, 1]."""

    #: share of mirrors seen only at sign-up: a profile, no posts, follows or followers
    signup_only_share: float = 0.0
    #: share of mirrors whose operator changes everything they can: a fresh handle (nothing of
    #: the old one), a new picture and device, the name in another script or a new one, days
    #: or weeks later; what stays is subtle (rare follows, style, hours, now and then a network)
    careful_share: float = 0.0
    #: chance that a careful operator's mirror signs up from the operator's usual network
    careful_network_reuse: float = 0.3
    #: days between the removal and a careful operator's mirror
    careful_gap_days: tuple[int, int] = (2, 30)
    #: operators per group, who share its assets (removed accounts go round them in turn,
    #: standing accounts to any); 0: every account its own operator
    operators_per_group: int = 0
    #: share of a group's accounts whose picture is the group's logo (a few bits apart)
    group_logo_share: float = 0.0
    #: share of a group's accounts that link the group's one channel (else a channel of their own)
    group_channel_share: float = 0.0
    #: share of a group's accounts whose display name is its operator's persona (else the wing)
    persona_name_share: float = 0.0
    #: share of display names written in Urdu/Pashto (Arabic) script rather than Latin letters
    native_script_share: float = 0.4
    #: share of (not careful) mirrors whose handle carries Cyrillic look-alike letters
    lookalike_share: float = 0.125
    #: languages operators write in, with weights (ur, ps, en, roman_ur, bal)
    languages: tuple[tuple[str, float], ...] = (("ur", 1.0), ("ps", 1.0), ("en", 1.0))
    #: share of journalists, researchers and activists the platform has verified
    verified_share: float = 1.0


def _parse(kind: Any, text: str) -> Any:
    """One value of the type a field declares: float, int, a pair of ints (``2-30``) or
    weighted languages (``ur=2,en=1``)."""
    if kind in (float, "float"):
        return float(text)
    if kind in (int, "int"):
        return int(text)
    if "tuple[int, int]" in str(kind):
        lo, _, hi = text.replace(",", "-").partition("-")
        return (int(lo), int(hi or lo))
    pairs = []
    for part in text.split(","):
        lang, _, weight = part.partition("=")
        pairs.append((lang.strip(), float(weight or 1)))
    return tuple(pairs)


def _check(size: ScenarioSize, knobs: Knobs) -> None:
    for f in dataclasses.fields(Knobs):
        v = getattr(knobs, f.name)
        share = f.name.endswith("_share") or f.name == "careful_network_reuse"
        if share and not 0.0 <= v <= 1.0:
            raise ValueError(f"knob {f.name}: {v} is not a share between 0 and 1")
    unknown = [lang for lang, _ in knobs.languages if lang not in STYLES]
    if unknown or not knobs.languages or sum(w for _, w in knobs.languages) <= 0:
        raise ValueError(f"knob languages: {knobs.languages!r}: choose weights > 0 among "
                         f"{', '.join(STYLES)}")
    lo, hi = knobs.careful_gap_days
    if not 0 <= lo <= hi:
        raise ValueError(f"knob careful_gap_days: {lo}-{hi} is not a range of days")
    if knobs.operators_per_group < 0:
        raise ValueError("knob operators_per_group: must be 0 or more")
    for f in dataclasses.fields(ScenarioSize):
        v = getattr(size, f.name)
        if isinstance(v, int) and v < 0:
            raise ValueError(f"size {f.name}: {v} is negative")
    lo, hi = size.mirrors_per_removed
    if not 0 <= lo <= hi:
        raise ValueError(f"size mirrors_per_removed: {lo}-{hi} is not a range")


def apply_settings(size: ScenarioSize, knobs: Knobs, settings: list[str]
                   ) -> tuple[ScenarioSize, Knobs]:
    """``size`` and ``knobs`` with each ``name=value`` of ``settings`` applied (a field of
    either); a clear error names the setting that is wrong."""
    size_fields = typing.get_type_hints(ScenarioSize)
    knob_fields = typing.get_type_hints(Knobs)
    size_changes: dict[str, Any] = {}
    knob_changes: dict[str, Any] = {}
    for s in settings:
        name, sep, text = s.partition("=")
        name = name.strip().replace("-", "_")
        target = (size_changes, size_fields) if name in size_fields else \
            (knob_changes, knob_fields) if name in knob_fields else None
        if not sep or target is None:
            raise ValueError(f"setting {s!r}: expected NAME=VALUE with NAME one of "
                             f"{', '.join([*size_fields, *knob_fields])}")
        try:
            target[0][name] = _parse(target[1][name], text.strip())
        except ValueError as e:
            raise ValueError(f"setting {s!r}: {e}") from None
    size, knobs = dataclasses.replace(size, **size_changes), dataclasses.replace(knobs,
                                                                               **knob_changes)
    _check(size, knobs)
    return size, knobs
