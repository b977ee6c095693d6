"""The words notices use, per language: what was done (by action and by what it was done to —
Urdu agrees in gender: آپ کا اکاؤنٹ, آپ کی پوسٹ), the rules' titles, how a case was detected, and
the outcome of an appeal. Placeholders: ``{until}`` (end of a suspension), ``{country}``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Terms:
    decision_subject: str
    outcome_subject: str
    actions: dict[str, dict[str, str]]  # action -> subject type -> sentence
    outcomes: dict[str, dict[str, str]]  # outcome -> subject type -> sentence
    policy_titles: dict[str, str]
    sources: dict[str, str]
    human_decision: str
    automated_decision: str
    appeal_text: str
    separator: str
    last_separator: str

    def join(self, items: list[str]) -> str:
        if len(items) < 2:
            return "".join(items)
        return self.separator.join(items[:-1]) + self.last_separator + items[-1]


EN = Terms(
    decision_subject="Why we acted on your account or post",
    outcome_subject="The decision on your appeal",
    actions={
        "remove": {"account": "Your account has been terminated.",
                   "post": "Your post has been removed."},
        "suspend": {"account": "Your account has been suspended until {until}. The suspension "
                               "ends by itself on that date.",
                    "post": "Your post has been hidden until {until}. It comes back by itself "
                            "on that date."},
        "restrict_country": {"account": "Your account has been withheld in {country} only, "
                                        "under the law of that country. It remains visible "
                                        "everywhere else.",
                             "post": "Your post has been withheld in {country} only, under the "
                                     "law of that country. It remains visible everywhere "
                                     "else."},
        "label": {"account": "A label has been added to your account.",
                  "post": "A label has been added to your post."},
    },
    outcomes={
        "upheld": {"account": "We have decided your appeal: the decision on your account "
                              "stands.",
                   "post": "We have decided your appeal: the decision on your post stands."},
        "reversed": {"account": "We have decided your appeal: the decision has been reversed "
                                "and your account restored.",
                     "post": "We have decided your appeal: the decision has been reversed and "
                             "your post restored."},
        "modified": {"account": "We have decided your appeal: the decision on your account has "
                                "been changed. A new notice explains the new decision.",
                     "post": "We have decided your appeal: the decision on your post has been "
                             "changed. A new notice explains the new decision."},
        "reversed_reliance": {"account": "The decision on your account has been reversed and "
                                         "your account restored: it relied on another decision "
                                         "that has itself been reversed. Your case will be "
                                         "reviewed again.",
                              "post": "The decision on your post has been reversed and your "
                                      "post restored: it relied on another decision that has "
                                      "itself been reversed."},
    },
    policy_titles={},  # the policies' own (English) titles are used
    sources={"government": "a referral from a government authority",
             "trusted_flagger": "a report by a trusted flagger",
             "public": "a report by a user",
             "automated": "automated detection"},
    human_decision="This decision was taken by a person.",
    automated_decision="This decision was taken automatically.",
    appeal_text="you can appeal within 6 months at the address below. A reviewer who took no "
                "part in this decision will decide your appeal and tell you the reasons.",
    separator=", ",
    last_separator=" and ",
)

UR = Terms(
    decision_subject="ہم نے آپ کے اکاؤنٹ یا پوسٹ کے خلاف کارروائی کیوں کی",
    outcome_subject="آپ کی اپیل کا فیصلہ",
    actions={
        "remove": {"account": "آپ کا اکاؤنٹ ختم کر دیا گیا ہے۔",
                   "post": "آپ کی پوسٹ ہٹا دی گئی ہے۔"},
        "suspend": {"account": "آپ کا اکاؤنٹ {until} تک معطل کر دیا گیا ہے۔ یہ معطلی اس تاریخ "
                               "کو خود بخود ختم ہو جائے گی۔",
                    "post": "آپ کی پوسٹ {until} تک چھپا دی گئی ہے۔ یہ اس تاریخ کو خود بخود "
                            "واپس آ جائے گی۔"},
        "restrict_country": {"account": "آپ کا اکاؤنٹ اُس ملک کے قانون کے تحت صرف {country} "
                                        "میں روک دیا گیا ہے۔ باقی ہر جگہ یہ نظر آتا رہے گا۔",
                             "post": "آپ کی پوسٹ اُس ملک کے قانون کے تحت صرف {country} میں "
                                     "روک دی گئی ہے۔ باقی ہر جگہ یہ نظر آتی رہے گی۔"},
        "label": {"account": "آپ کے اکاؤنٹ پر ایک لیبل لگا دیا گیا ہے۔",
                  "post": "آپ کی پوسٹ پر ایک لیبل لگا دیا گیا ہے۔"},
    },
    outcomes={
        "upheld": {"account": "ہم نے آپ کی اپیل پر فیصلہ کر دیا ہے: آپ کے اکاؤنٹ کے بارے میں "
                              "فیصلہ برقرار ہے۔",
                   "post": "ہم نے آپ کی اپیل پر فیصلہ کر دیا ہے: آپ کی پوسٹ کے بارے میں فیصلہ "
                           "برقرار ہے۔"},
        "reversed": {"account": "ہم نے آپ کی اپیل پر فیصلہ کر دیا ہے: فیصلہ واپس لے لیا گیا ہے "
                                "اور آپ کا اکاؤنٹ بحال کر دیا گیا ہے۔",
                     "post": "ہم نے آپ کی اپیل پر فیصلہ کر دیا ہے: فیصلہ واپس لے لیا گیا ہے اور "
                             "آپ کی پوسٹ بحال کر دی گئی ہے۔"},
        "modified": {"account": "ہم نے آپ کی اپیل پر فیصلہ کر دیا ہے: آپ کے اکاؤنٹ کے بارے میں "
                                "فیصلہ تبدیل کر دیا گیا ہے۔ نئے فیصلے کی وضاحت ایک الگ نوٹس "
                                "میں کی گئی ہے۔",
                     "post": "ہم نے آپ کی اپیل پر فیصلہ کر دیا ہے: آپ کی پوسٹ کے بارے میں فیصلہ "
                             "تبدیل کر دیا گیا ہے۔ نئے فیصلے کی وضاحت ایک الگ نوٹس میں کی گئی "
                             "ہے۔"},
        "reversed_reliance": {"account": "آپ کے اکاؤنٹ کے بارے میں فیصلہ واپس لے لیا گیا ہے اور "
                                         "آپ کا اکاؤنٹ بحال کر دیا گیا ہے، کیونکہ وہ ایک ایسے "
                                         "دوسرے فیصلے پر مبنی تھا جو خود واپس لے لیا گیا ہے۔ "
                                         "آپ کے معاملے کا دوبارہ جائزہ لیا جائے گا۔",
                              "post": "آپ کی پوسٹ کے بارے میں فیصلہ واپس لے لیا گیا ہے اور آپ "
                                      "کی پوسٹ بحال کر دی گئی ہے، کیونکہ وہ ایک ایسے دوسرے "
                                      "فیصلے پر مبنی تھا جو خود واپس لے لیا گیا ہے۔"},
    },
    policy_titles={
        "DOI-1": "خطرناک تنظیمیں: کالعدم دہشت گرد تنظیمیں",
        "DOI-2": "خطرناک تنظیمیں: بھرتی اور پروپیگنڈا",
        "EVA-1": "پابندی سے بچنا: متبادل (آئینہ) اکاؤنٹس",
        "VIO-1": "تشدد کی دھمکیاں اور تشدد کی تعریف",
        "LOC-1": "مقامی قانون (صرف ایک ملک میں روکا گیا)",
    },
    sources={"government": "ایک سرکاری ادارے کی درخواست",
             "trusted_flagger": "ایک معتبر نشاندہی کنندہ کی رپورٹ",
             "public": "ایک صارف کی رپورٹ",
             "automated": "خودکار نظام کے ذریعے شناخت"},
    human_decision="یہ فیصلہ ایک انسان نے کیا۔",
    automated_decision="یہ فیصلہ خودکار طور پر کیا گیا۔",
    appeal_text="آپ چھ ماہ کے اندر نیچے دیے گئے پتے پر اپیل کر سکتے ہیں۔ آپ کی اپیل کا فیصلہ "
                "ایسا جائزہ کار کرے گا جس کا اس فیصلے میں کوئی کردار نہیں تھا، اور وہ آپ کو "
                "اس کی وجوہات بتائے گا۔",
    separator="، ",
    last_separator=" اور ",
)

TERMS: dict[str, Terms] = {"en": EN, "ur": UR}
