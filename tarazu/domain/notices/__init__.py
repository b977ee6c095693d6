"""Notices to the user, rendered from templates in English and Urdu.

A notice is the statement of reasons (:mod:`tarazu.domain.statement`) put into words the user can
read: what was done, under which rule, on which facts and evidence, how it was detected, whether
a government asked (named unless a recorded legal bar forbids it), and how to appeal. Templates
live in ``tarazu/data/notices/<kind>.<language>.txt`` (plain text: the platform shows them in its
own UI or e-mail); the words for actions, rules and sources are in :mod:`.terms`. Urdu is written
right to left: each notice carries its direction so whoever shows it sets ``dir``.

Every value a template prints passes through :func:`tarazu.domain.text.plain`: names that came
from outside (an agency, evidence references) or a reviewer's facts cannot carry markup,
control or direction-changing characters into a notice, whether it is shown as text or put
into HTML. (Pages that show notices escape them again, as every page does.)"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from tarazu.domain.notices.terms import TERMS, Terms
from tarazu.domain.statement import StatementOfReasons
from tarazu.domain.text import plain

TEMPLATES = Path(__file__).resolve().parents[2] / "data" / "notices"
#: Languages every notice is written in (the platform picks the one its user reads).
LANGUAGES = ("en", "ur")
RTL = frozenset({"ur", "ar", "fa", "ps", "sd"})

_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                   autoescape=False, keep_trailing_newline=True, trim_blocks=False,
                   finalize=plain)


@dataclass(frozen=True)
class Notice:
    kind: str  # decision | outcome
    language: str
    direction: str  # ltr | rtl
    subject: str
    body: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "language": self.language, "direction": self.direction,
                "subject": self.subject, "body": self.body}


def _terms(language: str) -> Terms:
    try:
        return TERMS[language]
    except KeyError:
        raise ValueError(f"no notice templates for language {language!r}; "
                         f"available: {', '.join(sorted(TERMS))}") from None


def _pick(table: dict[str, dict[str, str]], key: str, subject_type: str) -> str:
    try:
        forms = table[key]
    except KeyError:
        raise ValueError(f"no notice wording for {key!r}") from None
    return forms.get(subject_type, forms["account"])


def _what(t: Terms, s: StatementOfReasons) -> str:
    return _pick(t.actions, s.action, s.subject_type).format(until=s.until or "",
                                                             country=s.country or "")


def render_decision(statement: StatementOfReasons, language: str, appeal_url: str) -> Notice:
    """The notice sent when a decision takes effect."""
    t = _terms(language)
    detection = t.join([t.sources[s] for s in statement.detection if s in t.sources]
                       or [t.sources["public"]])
    body = _env.get_template(f"decision.{language}.txt").render(
        what=_what(t, statement), policy=statement.policy,
        policy_title=t.policy_titles.get(statement.policy, statement.policy_title),
        facts=statement.facts, designation=statement.designation,
        evidence=list(statement.evidence), detection=detection,
        decided_by=t.automated_decision if statement.automated_decision else t.human_decision,
        government_involved=statement.government_involved,
        government_request=statement.government_request,
        appeal_text=t.appeal_text, appeal_url=appeal_url)
    return Notice("decision", language, "rtl" if language in RTL else "ltr",
                  t.decision_subject, body)


def render_outcome(outcome: str, language: str, *, subject_type: str, reason: str,
                   decision_ref: str, decided_by_other: bool = True) -> Notice:
    """The notice sent when an appeal is decided, or a decision is undone because it relied on
    one that was reversed (``outcome="reversed_reliance"``)."""
    t = _terms(language)
    what = _pick(t.outcomes, outcome, subject_type)
    body = _env.get_template(f"outcome.{language}.txt").render(
        what=what, reason=reason, decided_by_other=decided_by_other, decision_ref=decision_ref)
    return Notice("outcome", language, "rtl" if language in RTL else "ltr",
                  t.outcome_subject, body)
