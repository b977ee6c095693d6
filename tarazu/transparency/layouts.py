"""The figures laid out as published formats, each cell traced to the event kinds that feed it.

- The EU harmonised transparency templates (Commission Implementing Regulation (EU) 2024/2835,
  Annex I): one sheet per template part — identification, Member State orders to act (Art. 9)
  and to provide information (Art. 10), notices (Art. 16), own-initiative moderation,
  complaints (Art. 20), out-of-court disputes (Art. 21), suspensions (Art. 23), automated means
  and human resources. Column names follow the template's wording.
- The Santa Clara Principles 2.0 numbers.
- A long form (section, metric, key, value) for anyone who wants every figure in one table.

Each sheet is built only from the figures document (see :mod:`tarazu.transparency.figures`),
already banded where it is published, so the CSV, the JSON and the HTML cannot disagree."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

Doc = Mapping[str, Any]
Row = list[Any]

TERRORIST_CONTENT = "Terrorist content (KEYWORD_TERRORIST_CONTENT)"
NOT_RECORDED = "not recorded by tarazu"


@dataclass(frozen=True)
class Column:
    name: str
    feeds: str  # the event kinds (and rule) the cell is computed from


@dataclass(frozen=True)
class Sheet:
    name: str  # file stem
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[Doc, Mapping[str, str]], list[Row]]

    def header(self) -> list[str]:
        return [c.name for c in self.columns]


def _identification(doc: Doc, info: Mapping[str, str]) -> list[Row]:
    return [[info.get("provider", ""), info.get("service", ""), doc["period"]["from"],
             doc["period"]["to"], info.get("published", "")]]


def _orders_to_act(doc: Doc, _: Mapping[str, str]) -> list[Row]:
    hours = doc["times"]["median_hours_to_action_on_government_orders_by_country"]
    return [[country, TERRORIST_CONTENT, n, 0.0, hours.get(country)]
            for country, n in doc["referrals"].get("government_orders_by_country", {}).items()]


def _orders_to_inform(doc: Doc, _: Mapping[str, str]) -> list[Row]:
    dr = doc["data_requests"]
    hours = doc["times"]["median_hours_on_data_requests_by_country"]
    return [[country, TERRORIST_CONTENT, n, (hours.get(country) or {}).get("to_legal_decision"),
             (hours.get(country) or {}).get("to_disclosure")]
            for country, n in sorted(dr.get("by_country", {}).items())]


def _action_cells(doc: Doc, keep: Callable[[Mapping[str, Any]], bool]) -> Counter:
    out: Counter = Counter()
    for c in doc["actions"]["cells"]:
        if keep(c):
            out[c["dsa_category"], c["action"], c["means"]] += c["count"]
    return out


def _notices(doc: Doc, _: Mapping[str, str]) -> list[Row]:
    notices = doc["notices"]["by_source"]
    cells = _action_cells(doc, lambda c: c["source"] in ("public", "trusted_flagger"))
    law = sum(n for (cat, _a, _m), n in cells.items()
              if cat == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH")
    total_actions = sum(cells.values())
    automated = sum(n for (_c, _a, m), n in cells.items() if m == "automated")
    hours = doc["times"]["median_hours_to_action_by_source"]
    return [["All notices", notices.get("public", 0) + notices.get("trusted_flagger", 0),
             notices.get("trusted_flagger", 0), automated, law, total_actions - law,
             hours.get("public")]] + [
        [f"Public report category: {cat}", n, 0, "", "", "", ""]
        for cat, n in sorted(doc["public_reports"]["by_category"].items())]


def _own_initiative(doc: Doc, _: Mapping[str, str]) -> list[Row]:
    cells = _action_cells(doc, lambda c: c["source"] in ("automated", "own_initiative"))
    return [[cat, "automated detection" if means == "automated" else "human review",
             action, n, n if means == "automated" else 0]
            for (cat, action, means), n in sorted(cells.items())]


def _complaints(doc: Doc, _: Mapping[str, str]) -> list[Row]:
    a = doc["appeals"]
    return [["Decisions of the provider (Art. 20(1))", a["filed"], a["decided"], a["upheld"],
             a["reversed"], a["modified"], a["median_days_to_decision"]]]


def _out_of_court(_: Doc, __: Mapping[str, str]) -> list[Row]:
    return [[NOT_RECORDED, NOT_RECORDED, NOT_RECORDED]]


def _suspensions(doc: Doc, _: Mapping[str, str]) -> list[Row]:
    return [["Manifestly illegal content", doc["actions"]["by_type"].get("suspend", 0)],
            ["Manifestly unfounded notices",
             doc["suspensions_art23"]["manifestly_unfounded_notices"]],
            ["Manifestly unfounded complaints", NOT_RECORDED]]


def _automated_means(doc: Doc, _: Mapping[str, str]) -> list[Row]:
    m = doc["mirror_detection"]
    rows = [["Mirror-account detection (Fellegi–Sunter linkage)",
             "Detect accounts that continue a removed account", m["flags"], m["reviewed"],
             m["measured_precision"], m["reversed_on_appeal"]]]
    for bank, b in doc["hash_matches"]["by_bank"].items():
        rows.append([f"Hash matching, bank {bank}", "Detect known terrorist content",
                     b.get("matches", 0), b.get("reviewed", 0), b.get("confirmed_precision"),
                     b.get("reversed_on_appeal", 0)])
    return rows


def _human_resources(doc: Doc, _: Mapping[str, str]) -> list[Row]:
    return [["All languages", doc["people"]["reviewers_who_decided"]]]


_C = Column
SHEETS: tuple[Sheet, ...] = (
    Sheet("identification", "Identification of the provider and the reporting period", (
        _C("Name of the service provider", "deployment setting"),
        _C("Name of the service", "deployment setting"),
        _C("Start date of the reporting period", "--from"),
        _C("End date of the reporting period", "--to"),
        _C("Date of publication", "report generation date")), _identification),
    Sheet("orders_to_act_art9", "Orders to act against illegal content (Article 9)", (
        _C("Member State", "referral_checked.country of government referrals"),
        _C("Type of illegal content", "designated-organisation referrals: terrorist content"),
        _C("Number of orders received", "referral_checked events (items) in the period"),
        _C("Median time to inform the authority of the receipt (hours)",
           "referral results are returned at receipt: 0"),
        _C("Median time to give effect to the order (hours)",
           "first report on the subject -> decision applied (decision/confirm)")),
          _orders_to_act),
    Sheet("orders_to_inform_art10", "Orders to provide information (Article 10)", (
        _C("Member State", "data_request.request.country"),
        _C("Type of illegal content", "data requests concern designated organisations"),
        _C("Number of orders received", "data_request events in the period"),
        _C("Median time to inform the authority of the receipt (hours)",
           "data_request -> legal_decision"),
        _C("Median time to give effect to the order (hours)", "data_request -> disclosure")),
          _orders_to_inform),
    Sheet("notices_art16", "Notices submitted in accordance with Article 16", (
        _C("Type of alleged illegal content", "report.category (public), all notices"),
        _C("Number of notices", "report events with source public or trusted_flagger"),
        _C("Number of notices submitted by trusted flaggers",
           "report events with source trusted_flagger"),
        _C("Number of actions taken by automated means", "decision by a system: actor"),
        _C("Number of actions taken on the basis of the law", "applied decisions, policy LOC-1"),
        _C("Number of actions taken on the basis of terms and conditions",
           "applied decisions, other policies"),
        _C("Median time to take action (hours)", "first report -> decision applied")),
          _notices),
    Sheet("own_initiative", "Content moderation engaged in at the provider's own initiative", (
        _C("Type of illegal content or incompatibility with terms and conditions",
           "policy -> DSA category of the applied decision"),
        _C("Detection method", "mirror_flag / hash-match report -> automated; else human"),
        _C("Type of restriction applied", "decision.action"),
        _C("Number of measures", "applied decisions without a government or notice source"),
        _C("Number of measures taken by automated means", "decision by a system: actor")),
          _own_initiative),
    Sheet("complaints_art20", "Complaints received through the internal complaint-handling "
          "system (Article 20)", (
        _C("Basis of the complaint", "appeal.decision_id"),
        _C("Number of complaints received", "appeal events"),
        _C("Number of complaints decided", "appeal_decision events"),
        _C("Decisions upheld", "appeal_decision.outcome = upheld"),
        _C("Decisions reversed", "appeal_decision.outcome = reversed"),
        _C("Decisions modified", "appeal_decision.outcome = modified"),
        _C("Median time to take a decision (days)", "appeal -> appeal_decision")), _complaints),
    Sheet("out_of_court_art21", "Disputes submitted to out-of-court dispute settlement bodies "
          "(Article 21)", (
        _C("Number of disputes submitted", "not an event kind of tarazu"),
        _C("Outcomes of the disputes", "not an event kind of tarazu"),
        _C("Median time to complete the dispute settlement procedure", "not an event kind")),
          _out_of_court),
    Sheet("suspensions_art23", "Suspensions imposed pursuant to Article 23", (
        _C("Reason for the suspension", "—"),
        _C("Number of suspensions", "decision.action = suspend applied; mute_reporter events")),
          _suspensions),
    Sheet("automated_means", "Use of automated means for content moderation", (
        _C("Automated means", "detector of the flag or report"),
        _C("Purpose", "—"),
        _C("Number of detections", "mirror_flag events; hash-match report events per bank"),
        _C("Number reviewed by a person", "first human decision on a flagged subject"),
        _C("Indicator of accuracy (share confirmed by reviewers)",
           "enforcing human decisions / reviewed"),
        _C("Decisions reversed on appeal", "appeal_decision.outcome = reversed")),
          _automated_means),
    Sheet("human_resources", "Human resources dedicated to content moderation", (
        _C("Language", "—"),
        _C("Number of persons who took moderation decisions",
           "distinct human actors of decision, confirm, appeal_decision")), _human_resources),
)


def annex_sheets(doc: Doc, info: Mapping[str, str]) -> Iterator[tuple[Sheet, list[Row]]]:
    for sheet in SHEETS:
        yield sheet, sheet.rows(doc, info)


def mapping_rows() -> list[Row]:
    """The mapping file: for every template cell, the event kinds that feed it."""
    return [[s.name, c.name, c.feeds] for s in SHEETS for c in s.columns]


def santa_clara_rows(doc: Doc) -> list[Row]:
    """Santa Clara Principles 2.0, section 1 ("Numbers"), with the figure each comes from."""
    a, ap, r = doc["actions"], doc["appeals"], doc["referrals"]
    rows: list[Row] = [
        ["1.1", "Total pieces of content actioned", a["by_subject_type"].get("post", 0),
         "actions.by_subject_type.post"],
        ["1.1", "Accounts suspended or removed", a["by_subject_type"].get("account", 0),
         "actions.by_subject_type.account"],
        ["1.1", "Actions taken by automated means", a["automated"], "actions.automated"]]
    rows += [["1.1", f"Actions under rule {k}", v, f"actions.by_policy.{k}"]
             for k, v in a["by_policy"].items()]
    rows += [["1.1", f"Actions by detection source: {k}", v, f"actions.by_detection_source.{k}"]
             for k, v in a["by_detection_source"].items()]
    rows += [["1.1", f"Actions by territorial scope: {k}", v,
              f"actions.by_territorial_scope.{k}"] for k, v in a["by_territorial_scope"].items()]
    rows += [["1.2", "Appeals filed", ap["filed"], "appeals.filed"],
             ["1.2", "Appeals decided", ap["decided"], "appeals.decided"],
             ["1.2", "Appeals reversed", ap["reversed"], "appeals.reversed"],
             ["1.2", "Median days to decide an appeal", ap["median_days_to_decision"],
              "appeals.median_days_to_decision"],
             ["1.3", "Government referral items", r["items"], "referrals.items"]]
    rows += [["1.3", f"Government referral items with outcome {k}", v,
              f"referrals.by_outcome.{k}"] for k, v in r.get("by_outcome", {}).items()]
    m = doc["mirror_detection"]
    rows += [["1.4", "Automated flags (mirror detection)", m["flags"], "mirror_detection.flags"],
             ["1.4", "Share of reviewed flags confirmed", m["measured_precision"],
              "mirror_detection.measured_precision"]]
    return rows


def long_rows(doc: Doc) -> list[Row]:
    """Every figure as (section, metric, key, value), for a single CSV."""
    out: list[Row] = []

    def walk(section: str, metric: str, node: Any) -> None:
        if isinstance(node, Mapping):
            for k, v in node.items():
                walk(section, f"{metric}.{k}" if metric else str(k), v)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(section, f"{metric}[{i}]", v)
        else:
            head, _, key = metric.rpartition(".")
            out.append([section, head or metric, key if head else "", node])

    for section in doc:
        if section not in ("format", "period", "source", "banding"):
            walk(section, "", doc[section])
    return out


LONG_HEADER = ["section", "metric", "key", "value"]


def to_csv(header: list[str], rows: list[Row]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()
