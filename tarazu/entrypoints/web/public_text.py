"""The words of the public report pages (form, receipt, status) in English and Urdu.

The people who report accounts of proscribed groups in Pakistan read Urdu first; the pages a
member of the public sees must not assume English. The reviewer-facing pages stay English."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "ur")
RTL = frozenset({"ur"})

TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "title": "Report an account or a post",
        "intro": "Tell us about an account or a post that you believe is run by or for a "
                 "designated terrorist organisation, or that threatens violence. You get a "
                 "receipt and a secret link to follow what becomes of your report. Please "
                 "report each account once: many reports of the same account do not make it "
                 "more urgent.",
        "platform": "Platform", "what": "What are you reporting?",
        "target_types": {"account": "account", "post": "post"},
        "target": "Account (@handle or profile link) or post (link or id)",
        "category": "Category",
        "categories": {},  # English labels come from tarazu.reports.model.CATEGORIES
        "text": "What did you see? (optional, except for \u201cSomething else\u201d)",
        "contact": "Contact, if you want us to be able to reach you (optional)",
        "send": "Send report",
        "thanks": "Thank you: your report was received", "receipt": "Receipt",
        "keep": "Keep this link to see what becomes of your report. It is shown only once and "
                "it is the only way to see the status:",
        "report": "Report", "received": "Received", "reported": "Reported",
        "became": "What became of it",
        "states": {},  # English words come from the service's report status
        "none_title": "No such report",
        "none": "The receipt does not exist or the link is not complete.",
        "other_language": ("ur", "اردو"),
    },
    "ur": {
        "title": "کسی اکاؤنٹ یا پوسٹ کی رپورٹ کریں",
        "intro": "ایسے اکاؤنٹ یا پوسٹ کے بارے میں بتائیں جو آپ کے خیال میں کسی کالعدم دہشت گرد "
                 "تنظیم کی طرف سے یا اس کے لیے چلایا جا رہا ہے، یا جس میں تشدد کی دھمکی ہے۔ آپ کو "
                 "ایک رسید اور ایک خفیہ ربط ملے گا جس سے آپ دیکھ سکیں گے کہ آپ کی رپورٹ کا کیا "
                 "ہوا۔ براہِ کرم ہر اکاؤنٹ کی رپورٹ ایک ہی بار کریں: ایک اکاؤنٹ کی بہت سی رپورٹوں "
                 "سے معاملہ زیادہ فوری نہیں ہو جاتا۔",
        "platform": "پلیٹ فارم", "what": "آپ کس چیز کی رپورٹ کر رہے ہیں؟",
        "target_types": {"account": "اکاؤنٹ", "post": "پوسٹ"},
        "target": "اکاؤنٹ (ہینڈل یا پروفائل کا ربط) یا پوسٹ (ربط یا شناخت)",
        "category": "زمرہ",
        "categories": {
            "designated_organisation": "کسی کالعدم دہشت گرد تنظیم کی طرف سے یا اس کے لیے "
                                       "چلایا جانے والا اکاؤنٹ",
            "propaganda_recruitment": "کسی کالعدم تنظیم کے لیے بھرتی، چندہ یا اس کا سرکاری "
                                      "میڈیا",
            "ban_evasion": "ہٹائے گئے اکاؤنٹ کا نیا اکاؤنٹ (مرر)",
            "violent_threat": "تشدد کی دھمکی یا کسی حملے کی تعریف",
            "other": "کچھ اور (نیچے وضاحت کریں)",
        },
        "text": "آپ نے کیا دیکھا؟ (اختیاری، سوائے «کچھ اور» کے)",
        "contact": "رابطہ، اگر آپ چاہتے ہیں کہ ہم آپ تک پہنچ سکیں (اختیاری)",
        "send": "رپورٹ بھیجیں",
        "thanks": "شکریہ: آپ کی رپورٹ موصول ہو گئی", "receipt": "رسید",
        "keep": "یہ ربط محفوظ رکھیں تاکہ دیکھ سکیں کہ آپ کی رپورٹ کا کیا ہوا۔ یہ صرف ایک بار "
                "دکھایا جاتا ہے اور حیثیت دیکھنے کا یہی واحد ذریعہ ہے:",
        "report": "رپورٹ", "received": "موصول", "reported": "جس کی رپورٹ کی گئی",
        "became": "اس کا کیا ہوا",
        "states": {"received": "موصول ہوئی؛ ابھی جائزہ نہیں لیا گیا۔",
                   "under_review": "زیرِ جائزہ ہے۔",
                   "action_taken": "جائزہ لیا گیا: کارروائی کی گئی۔",
                   "no_action": "جائزہ لیا گیا: ہمارے قواعد کے تحت کوئی کارروائی نہیں کی گئی۔"},
        "none_title": "ایسی کوئی رپورٹ نہیں",
        "none": "رسید موجود نہیں یا ربط مکمل نہیں۔",
        "other_language": ("en", "English"),
    },
}


def language(requested: str | None) -> str:
    """The page language: ``ur`` or ``en`` (anything else falls back to English)."""
    return requested if requested in LANGUAGES else "en"


def page_context(lang: str) -> dict[str, Any]:
    """What a public page template needs to speak ``lang``: its words, and the page's
    ``lang``/``dir`` for base.html."""
    return {"tx": TEXT[lang], "page_lang": lang, "page_dir": "rtl" if lang in RTL else "ltr"}
