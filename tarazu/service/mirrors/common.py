"""Vocabulary shared by the mirror-detection modules: who acts, under which policy and
authority, how scores become events (:class:`MirrorConfig`), and how an account is keyed in
the reference set."""

from __future__ import annotations

from dataclasses import dataclass

from tarazu.domain.events import SubjectRef, SubjectType

ACTOR = "system:mirrors"
POLICY = "EVA-1"
DETECTOR = "mirrors"
POSTS_PER_ACCOUNT = 200
#: Identifiers (hashed by the platform) are personal data; every read is logged under this.
AUTHORITY = "platform terms of service: ban evasion (EVA-1)"
REFERENCE_SUBJECT = SubjectRef(SubjectType.SYSTEM, "mirrors:reference")
#: Where a batch scan's read of every active account's identifiers is logged.
SCAN_SUBJECT = SubjectRef(SubjectType.SYSTEM, "mirrors:scan")


@dataclass(frozen=True)
class MirrorConfig:
    """How scores become events. ``auto_action``: ``suspend`` (default), ``remove`` (proposed
    only: the two-person rule makes it wait for a second reviewer) or ``none``."""

    top_k: int = 5
    max_flags: int = 3  # candidates at or above the review threshold recorded per account
    auto_action: str = "suspend"
    suspend_days: int = 30
    strong_bits: float = 3.0  # a signal is strong at a Bayes factor of 8 or more
    min_strong: int = 2
    reflag_margin: float = 0.05  # while a decision stands: record again only if p rises so much
    #: worker processes building the profiles of a build of the reference set from the
    #: store; None: one per core when the build is several read batches, 1: this process
    build_jobs: int | None = None



def account_key(platform: str, account_id: str) -> str:
    return f"{platform}:{account_id}"



def subject_of(key: str) -> SubjectRef:
    platform, _, native = key.partition(":")
    return SubjectRef.account(platform, native)
