"""Scoring a linking answer (``../shared/contracts/interchange.md``) against a scenario's truth.

The conventions are the shared evaluator's (``../shared/bench/eval_links.py``), so figures here
and there agree: recall@k and MRR over the true mirrors; an account is *flagged* when its
answer line says ``"flagged": true`` and lists a candidate — or, for answers without the field,
when its best candidate scores at or above the review threshold; a flag is right only when the
account is a mirror and its best candidate is the removed account it continues; the share of
flagged non-mirrors is over every active account that mirrors nothing. Added here, because a
platform's safeguards depend on it: how many people who must never be actioned automatically
(journalists, researchers, activists) have a best candidate at the auto-action level."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Answer:
    """One answer line: candidates best first as (removed account id, score), and the
    system's own flag where the line carries one."""

    candidates: tuple[tuple[str, float], ...]
    flagged: bool | None = None

    @property
    def top(self) -> tuple[str, float] | None:
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True)
class LinkScores:
    mirrors: int
    negatives: int
    missing_answers: int
    recall_at_1: float
    recall_at_10: float
    mrr: float
    flag_source: str  # "flagged" (the answer's own) or "threshold" (score >= review)
    flagged: int
    precision_at_flag: float
    recall_at_flag: float
    negatives_flagged: float  # share of non-mirrors flagged
    protected_at_auto: int  # protected people whose best candidate is at auto-action level

    def to_dict(self) -> dict[str, float | int | str]:
        return dict(self.__dict__)


def parse_answers(lines: Iterable[str]) -> dict[str, Answer]:
    """Answer lines by active account id; blank lines are skipped."""
    out: dict[str, Answer] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            cands = tuple((str(c["removed_account_id"]), float(c["score"]))
                          for c in r.get("candidates", []))
            flag = r.get("flagged")
            out[str(r["account_id"])] = Answer(cands, None if flag is None else bool(flag))
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"answer line {n}: {e!r} (expected account_id and candidates "
                             "with removed_account_id and score)") from None
    return out


def read_answers(path: str | Path) -> dict[str, Answer]:
    with open(path, encoding="utf-8") as f:
        return parse_answers(f)


def read_truth(path: str | Path) -> dict[str, str | None]:
    """``truth.jsonl``: active account id -> the removed account it mirrors, or None."""
    with open(path, encoding="utf-8") as f:
        return {r["account_id"]: r.get("mirror_of") for r in map(json.loads, f) if r}


def rank_of(answer: Answer | None, removed_id: str) -> int | None:
    """1-based position of ``removed_id`` among the candidates, None when not listed."""
    for i, (rid, _) in enumerate(answer.candidates if answer else (), 1):
        if rid == removed_id:
            return i
    return None


def recall_at(truth: Mapping[str, str | None], answers: Mapping[str, Answer], k: int,
              ids: Collection[str] | None = None) -> float:
    """Share of the true mirrors (of ``ids``, when given) whose removed account is among the
    best ``k`` candidates; 0 when there are none."""
    mirrors = [a for a, r in truth.items() if r and (ids is None or a in ids)]
    hits = sum(1 for a in mirrors if (p := rank_of(answers.get(a), truth[a])) and p <= k)
    return hits / len(mirrors) if mirrors else 0.0


def own_flags(answers: Mapping[str, Answer]) -> bool:
    """Whether the answer carries the system's own flag on every line (else the review
    threshold decides, for every line: never a mix)."""
    return bool(answers) and all(a.flagged is not None for a in answers.values())


def flagged_accounts(answers: Mapping[str, Answer], review_threshold: float) -> set[str]:
    """The accounts whose best candidate the system sends to review: by its own flag where
    the answer has them, else by ``score >= review_threshold``; a line without candidates is
    never flagged."""
    own = own_flags(answers)
    return {k for k, a in answers.items()
            if a.top is not None and (bool(a.flagged) if own else a.top[1] >= review_threshold)}


def score_links(truth: Mapping[str, str | None], answers: Mapping[str, Answer], *,
                review_threshold: float, auto_threshold: float,
                protected: Collection[str] = ()) -> LinkScores:
    """Every figure of :class:`LinkScores` (flags as :func:`flagged_accounts` decides)."""
    flags = flagged_accounts(answers, review_threshold)

    def is_flagged(account: str) -> bool:
        return account in flags

    mirrors = [a for a, r in truth.items() if r]
    negatives = [a for a, r in truth.items() if not r]
    ranks = [rank_of(answers.get(a), truth[a]) for a in mirrors]
    m = max(1, len(mirrors))
    flagged = [a for a in truth if is_flagged(a)]
    right = sum(1 for a in flagged
                if truth[a] and (top := answers[a].top) is not None and top[0] == truth[a])
    at_auto = sum(1 for a in protected
                  if (ans := answers.get(a)) and ans.top and ans.top[1] >= auto_threshold)
    return LinkScores(
        mirrors=len(mirrors), negatives=len(negatives),
        missing_answers=sum(1 for a in truth if a not in answers),
        recall_at_1=sum(1 for p in ranks if p == 1) / m,
        recall_at_10=sum(1 for p in ranks if p and p <= 10) / m,
        mrr=sum(1 / p for p in ranks if p) / m,
        flag_source="flagged" if own_flags(answers) else "threshold", flagged=len(flagged),
        precision_at_flag=right / max(1, len(flagged)), recall_at_flag=right / m,
        negatives_flagged=sum(1 for a in negatives if is_flagged(a)) / max(1, len(negatives)),
        protected_at_auto=at_auto)
