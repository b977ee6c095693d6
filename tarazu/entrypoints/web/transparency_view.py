"""The transparency report as a page: one template for the public ``/transparency`` page and the
HTML file ``tarazu report transparency --format html`` writes, in English or Urdu.

Every figure is printed from the same (banded) document the JSON carries, and each number's
element names its place in that document (``data-figure="actions.total"``), so a reader — or a
test — can check the page against the JSON cell by cell. Charts are inline SVG drawn here:
nothing is fetched from elsewhere, and the page prints as it shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from tarazu.entrypoints.web.templating import templates
from tarazu.transparency import Period

LANGUAGES = ("en", "ur")
STYLESHEET = Path(__file__).parent / "static" / "transparency.css"

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Transparency report",
        "period": "Reporting period",
        "choose": "Show period",
        "from": "From", "to": "To", "quarter": "Quarter",
        "source_note": "Every figure is computed from the tamper-evident moderation log alone, "
                       "up to chain event {seq} (hash {hash}). Counts from 1 to 9 that could point "
                       "at a person are shown as “1–9”.",
        "downloads": "Download: JSON · CSV",
        "trend": "Trend by month",
        "actions": "Actions taken",
        "referrals": "Government and trusted-flagger referrals",
        "notices": "Reports received, by source",
        "mirror": "Mirror-account detection",
        "hash": "Known-content matching, by hash bank",
        "public": "Public reports",
        "appeals": "Appeals",
        "requests": "Requests for account holders' data",
        "times": "Median hours from first report to action",
        "designations": "Designation lists in use",
        "how_report": "How to report an account, and what happens next",
        "how_report_text": "Anyone can report an account or a post at /report. A report never "
                           "removes anything by itself: a trained reviewer checks it against a "
                           "published policy; removing an account needs two reviewers; coordinated "
                           "or repeated reports from the same source are set aside. You receive a "
                           "receipt to follow your report.",
        "how_appeal": "How to appeal",
        "how_appeal_text": "Every person whose account or post is actioned receives a notice "
                           "with the policy, the reasons and a link to appeal. An appeal is "
                           "decided by a different, senior reviewer; a reversal is sent to the "
                           "platform and undoes every action that relied on the reversed "
                           "decision.",
        "chain": "Audit chain",
        "chain_text": "The log this report is computed from is hash-chained; its head and "
                      "signed checkpoints are published so that any later change to the record "
                      "is detectable.",
        "checkpoint": "Latest signed checkpoint", "event": "event",
        "signature": "Signature and public key (Ed25519)",
        "none": "None in this period.",
        "total": "Total", "automated": "automated",
        "by_type": "By action", "by_policy": "By policy", "by_detection_source": "By source",
        "by_territorial_scope": "By territorial scope", "by_outcome": "By outcome",
        "by_reason": "By reason", "by_law": "By law cited", "by_designation": "By designation",
        "by_country": "By country", "by_agency": "By agency", "by_source": "By source",
        "by_path": "By path", "by_instrument": "By legal instrument",
        "by_status": "By status", "by_category": "By category",
    },
    "ur": {
        "title": "شفافیت رپورٹ",
        "period": "رپورٹ کی مدت",
        "choose": "مدت دکھائیں",
        "from": "سے", "to": "تک", "quarter": "سہ ماہی",
        "source_note": "ہر عدد صرف ناقابلِ ترمیم اعتدالی ریکارڈ (لاگ) سے نکالا گیا ہے، زنجیر کے "
                       "واقعہ {seq} تک (ہیش {hash})۔ 1 سے 9 تک کی وہ گنتی جو کسی شخص کی نشاندہی "
                       "کر سکے، “1–9” کے طور پر دکھائی گئی ہے۔",
        "downloads": "ڈاؤن لوڈ: JSON · CSV",
        "trend": "ماہانہ رجحان",
        "actions": "کی گئی کارروائیاں",
        "referrals": "حکومتی اور معتبر نشاندہی کنندگان کی درخواستیں",
        "notices": "موصول شدہ شکایات، ذریعہ کے لحاظ سے",
        "mirror": "متبادل (مرر) اکاؤنٹس کی نشاندہی",
        "hash": "معلوم مواد کی مطابقت، ہیش بینک کے لحاظ سے",
        "public": "عوامی شکایات",
        "appeals": "اپیلیں",
        "requests": "اکاؤنٹ رکھنے والوں کے ڈیٹا کی درخواستیں",
        "times": "پہلی شکایت سے کارروائی تک اوسط (میڈین) گھنٹے",
        "designations": "زیرِ استعمال کالعدم تنظیموں کی فہرستیں",
        "how_report": "اکاؤنٹ کی شکایت کیسے کریں، اور پھر کیا ہوتا ہے",
        "how_report_text": "کوئی بھی شخص /report پر کسی اکاؤنٹ یا پوسٹ کی شکایت کر سکتا ہے۔ شکایت "
                           "خود بخود کچھ نہیں ہٹاتی: ایک تربیت یافتہ جائزہ کار اسے شائع شدہ پالیسی "
                           "کے مطابق جانچتا ہے؛ اکاؤنٹ ہٹانے کے لیے دو جائزہ کار ضروری ہیں؛ ایک ہی "
                           "ذریعے سے منظم یا بار بار کی گئی شکایات الگ رکھی جاتی ہیں۔ آپ کو اپنی "
                           "شکایت کی پیروی کے لیے رسید ملتی ہے۔",
        "how_appeal": "اپیل کیسے کریں",
        "how_appeal_text": "جس شخص کے اکاؤنٹ یا پوسٹ پر کارروائی ہو، اسے پالیسی، وجوہات اور اپیل "
                           "کے لنک کے ساتھ نوٹس ملتا ہے۔ اپیل کا فیصلہ کوئی دوسرا، سینئر جائزہ کار "
                           "کرتا ہے؛ فیصلہ واپس ہو تو پلیٹ فارم کو بھیجا جاتا ہے اور اس پر مبنی ہر "
                           "کارروائی بھی واپس ہوتی ہے۔",
        "chain": "آڈٹ زنجیر",
        "chain_text": "یہ رپورٹ جس ریکارڈ سے بنی ہے وہ ہیش زنجیر سے جڑا ہے؛ اس کا سرا اور دستخط "
                      "شدہ نشانات شائع کیے جاتے ہیں تاکہ بعد کی کوئی تبدیلی پکڑی جا سکے۔",
        "checkpoint": "تازہ ترین دستخط شدہ نشان", "event": "واقعہ",
        "signature": "دستخط اور عوامی کلید (Ed25519)",
        "none": "اس مدت میں کوئی نہیں۔",
        "total": "کل", "automated": "خودکار",
        "by_type": "کارروائی کے لحاظ سے", "by_policy": "پالیسی کے لحاظ سے",
        "by_detection_source": "ذریعہ کے لحاظ سے", "by_territorial_scope": "علاقائی دائرہ",
        "by_outcome": "نتیجے کے لحاظ سے", "by_reason": "وجہ کے لحاظ سے",
        "by_law": "حوالہ دیا گیا قانون", "by_designation": "کالعدم تنظیم کے لحاظ سے",
        "by_country": "ملک کے لحاظ سے", "by_agency": "ادارے کے لحاظ سے",
        "by_source": "ذریعہ کے لحاظ سے", "by_path": "راستے کے لحاظ سے",
        "by_instrument": "قانونی دستاویز کے لحاظ سے", "by_status": "حیثیت کے لحاظ سے",
        "by_category": "زمرے کے لحاظ سے",
    },
}

#: The series drawn as trend charts, with their English and Urdu names.
SERIES: tuple[tuple[str, str, str], ...] = (
    ("actions", "Actions", "کارروائیاں"),
    ("referral_items", "Referral items", "درخواست کردہ آئٹمز"),
    ("notices_public", "Public reports", "عوامی شکایات"),
    ("mirror_flags", "Mirror flags", "مرر نشاندہیاں"),
    ("appeals_filed", "Appeals filed", "دائر اپیلیں"),
    ("data_requests", "Data requests", "ڈیٹا درخواستیں"),
)


def bar_chart(months: Sequence[str], values: Sequence[Any], title: str, figure: str) -> Markup:
    """A small inline SVG bar chart with a text alternative; banded values draw as 5."""
    nums = [v if isinstance(v, int) else 5 for v in values]
    top = max(nums, default=0) or 1
    w, h, pad = max(24 * len(months), 120), 90, 14
    bar = (w - 4) / max(len(months), 1)
    rects = []
    for i, (m, v, n) in enumerate(zip(months, values, nums, strict=True)):
        bh = (h - 2 * pad) * n / top
        x, y = 2 + i * bar, h - pad - bh
        rects.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.8:.1f}" '
                     f'height="{bh:.1f}" fill="#0b5cad">'
                     f'<title>{escape(m)}: {escape(v)}</title></rect>')
        rects.append(f'<text x="{x + bar * 0.4:.1f}" y="{h - 2}" font-size="9" fill="#5b6270" '
                     f'text-anchor="middle">{escape(m[5:])}</text>')
    alt = ", ".join(f"{m}: {v}" for m, v in zip(months, values, strict=True))
    return Markup(
        f'<figure class="chart" data-series="{escape(figure)}"><figcaption>{escape(title)}'
        f'</figcaption><svg role="img" aria-label="{escape(title)}: {escape(alt)}" '
        f'viewBox="0 0 {w} {h}" width="{w}" height="{h}">{"".join(rects)}</svg></figure>')


def render_report(doc: Mapping[str, Any], *, lang: str = "en",
                  designations: Sequence[Mapping[str, Any]] = (),
                  interactive: bool = False,
                  anchor: Mapping[str, str] | None = None,
                  quarters: Sequence[Period] | None = None) -> str:
    """The report page. ``interactive`` adds the period chooser and download links (the served
    page); the file written by the CLI has neither. ``anchor`` is the latest signed checkpoint
    of the audit chain with its public key, shown for anyone to keep. ``quarters``, when
    given, are the only periods the chooser offers (the public's: published periods only)."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang: {lang!r} is not one of {', '.join(LANGUAGES)}")
    text = TEXT[lang]
    series = doc["series"]
    charts = [bar_chart(series["months"], series[key], en if lang == "en" else ur, key)
              for key, en, ur in SERIES]
    template = templates.env.get_template("transparency/report.html")
    return template.render(doc=doc, t=text, lang=lang, charts=charts,
                           designations=designations, interactive=interactive, anchor=anchor,
                           quarters=quarters,
                           rtl=lang == "ur",
                           css="" if interactive else STYLESHEET.read_text(encoding="utf-8"))
