"""Generate bench/data/screening_labelled.csv: synthetic, labelled screening texts.

Everything is invented: handles, bios and placeholder phrases. No real account and no
propaganda text is reproduced. Run from the repository root:

    python bench/data/make_screening_set.py

Deterministic (fixed seed), so the CSV in the repository is exactly what this script writes.
Columns: text, expected (designation id or empty), category.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

OUT = Path(__file__).with_name("screening_labelled.csv")
rng = random.Random(20240611)

NAMES = {
    "tarazu-ttp": ["Tehrik-e-Taliban Pakistan", "Tehreek-e-Taliban Pakistan",
                   "Tehrik-i-Taliban Pakistan", "Tehreek e Taliban Pakistan",
                   "Tahrik-e-Taliban Pakistan", "Tehrik-e-Taleban Pakistan", "Tehreek-i-Taliban",
                   "Pakistani Taliban"],
    "tarazu-umar-media": ["Umar Media", "Omar Media", "Umar Media Official"],
    "tarazu-bla": ["Balochistan Liberation Army", "Baloch Liberation Army",
                   "Baluchistan Liberation Army", "Majeed Brigade"],
    "tarazu-blf": ["Balochistan Liberation Front", "Baloch Liberation Front",
                   "Baluch Liberation Front"],
    "tarazu-iskp": ["Islamic State Khorasan Province", "ISIS-K", "ISIL-K", "ISIS Khorasan",
                    "Wilayat Khorasan", "Wilayah Khurasan", "Islamic State Khurasan"],
    "tarazu-al-azaim": ["Al-Azaim Foundation", "Al Azaim Media",
                        "Al-Azaim Foundation for Media Production"],
}
URDU = {
    "tarazu-ttp": ["تحریک طالبان پاکستان", "تحریکِ طالبان پاکستان", "حركة طالبان باكستان"],
    "tarazu-umar-media": ["عمر میڈیا"],
    "tarazu-bla": ["بلوچستان لبریشن آرمی", "بلوچ لبریشن آرمی"],
    "tarazu-blf": ["بلوچستان لبریشن فرنٹ"],
    "tarazu-iskp": ["ولاية خراسان", "ولایت خراسان"],
    "tarazu-al-azaim": ["مؤسسة العزائم"],
}
ACRONYMS = {"tarazu-ttp": "TTP", "tarazu-bla": "BLA", "tarazu-blf": "BLF", "tarazu-iskp": "ISKP"}
CYRILLIC = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "i": "і",
                          "T": "Т", "B": "В", "A": "А", "M": "М", "K": "К", "P": "Р"})
LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0"})
NEUTRAL_SUFFIX = ["", " | updates", " channel", " - page", " 🔻", " ✦ archive", " (backup)"]
CLAIM = ["official channel", "official page", "media wing", "official statements",
         "spokesman office", "join us", "our releases"]
URDU_CLAIM = ["کا آفیشل چینل", "ترجمان", "آفیشل پیج"]


def handle(name: str) -> str:
    parts = name.replace("-", " ").split()
    sep = rng.choice(["_", "", ".", "__"])
    body = sep.join(p if rng.random() < 0.5 else p.lower() for p in parts)
    return rng.choice(["@", ""]) + body + rng.choice(["", "_official", "1", "_real", "_new"])


def confusable(name: str) -> str:
    chars = list(name)
    idx = [i for i, c in enumerate(chars) if c in "aeopciTBAMKP"]
    for i in rng.sample(idx, k=max(1, len(idx) // 3)):
        chars[i] = chars[i].translate(CYRILLIC)
    return "".join(chars)


def rows() -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for did, names in NAMES.items():
        for name in names:
            out.append((name + rng.choice(NEUTRAL_SUFFIX), did, "alias"))
            out.append((f"{name} {rng.choice(CLAIM)}", did, "claim"))
            out.append((handle(name), did, "spoof"))
            out.append((confusable(name), did, "confusable"))
            out.append((name.translate(LEET), did, "leetspeak"))
            if len(name) > 8:
                joiner = "\u200b" if rng.random() < 0.5 else " "
                spaced = joiner.join(name if joiner != " " else name.replace(" ", ""))
                out.append((spaced, did, "separators"))
        for u in URDU[did]:
            out.append((u, did, "urdu-script"))
            out.append((f"{u} {rng.choice(URDU_CLAIM)}", did, "urdu-script"))
    translit = [
        ("Tehrik e Taliban Pakistan ka official page", "tarazu-ttp"),
        ("Tahreek-e-Taliban Pak", "tarazu-ttp"), ("Tehreeke Taliban Pakistan", "tarazu-ttp"),
        ("Tahrik Taliban Pakistan", "tarazu-ttp"), ("Umer Media", "tarazu-umar-media"),
        ("Balochistan Libration Army", "tarazu-bla"),
        ("Balochistan Liberation Armi", "tarazu-bla"),
        ("Wilayat Khurasan", "tarazu-iskp"), ("Vilayat Khorasan", "tarazu-iskp"),
        ("Daulat Islamiya Wilayat Khorasan", "tarazu-iskp"),
        ("Al Azayim Foundation", "tarazu-al-azaim"), ("Baloch Liberation Frunt", "tarazu-blf"),
    ]
    out += [(t, d, "transliteration") for t, d in translit]
    for did, acr in ACRONYMS.items():
        for tmpl in ["Official {a} media cell", "{a} official statements", "@{a}_official",
                     "{a} spokesman office", "{a} | {n}", "join {a} fighters channel"]:
            out.append((tmpl.format(a=acr, n=NAMES[did][0]), did, "acronym-claim"))
    # Hard negatives: speaking about, not as.
    reporter = ["Journalist covering {n} and militancy in the northwest",
                "Reporter | writes on {a}, security and politics",
                "Researcher on {n}; PhD candidate", "Security analyst tracking {a} since 2015",
                "Correspondent, covers {n} for a news desk",
                "Author of a book on {n}", "Fact check: claims about {a} debunked",
                "Monitoring {a} propaganda for a think tank"]
    urdu_reporter = ["صحافی، {u} پر رپورٹنگ", "تجزیہ کار | {u}", "{u} کے خلاف"]
    victims = ["Victims of {a} attacks in the valley: memorial page",
               "anti-{a} citizens forum", "Against {n}: peace march", "Survivors of {n} violence",
               "Justice for families attacked by {a}", "{a} ke khilaf awaam"]
    rights = ["Human rights group documenting abuses by {n}",
              "Rights monitor: civilian harm report on {a}",
              "Amnesty-style watch on {n} crimes"]
    for did, names in NAMES.items():
        n, a = names[0], ACRONYMS.get(did, names[0])
        for tmpl in reporter:
            out.append((tmpl.format(n=n, a=a), "", "hard-negative-reporter"))
        for tmpl in urdu_reporter:
            out.append((tmpl.format(u=URDU[did][0]), "", "hard-negative-reporter"))
        for tmpl in victims:
            out.append((tmpl.format(n=n, a=a), "", "victims-opposition"))
        for tmpl in rights:
            out.append((tmpl.format(n=n, a=a), "", "rights-group"))
    other = ["Pakistan Tehreek-e-Insaf official", "PTI official page", "Tehreek-e-Insaf Lahore",
             "Pakistan Tehrik-e-Insaf youth wing", "Tehreek-e-Labbaik Pakistan",
             "Tehrik-e-Labbaik official", "Tehreek-e-Jafaria Pakistan",
             "Tehrik-e-Jafria Pakistan media cell", "Baloch Students Organisation",
             "Baloch Students Organization (BSO) official", "Balochistan National Party",
             "Balochistan National Party (Mengal) official", "Baloch Yakjehti Committee",
             "Baloch Yakjehti Committee spokesperson", "Pashtun Tahafuz Movement",
             "Awami National Party official", "Jamaat-e-Islami Pakistan", "Jamiat Ulema-e-Islam",
             "Pakistan Peoples Party official", "Pakistan Muslim League (N)",
             "National Party Balochistan", "Balochistan Awami Party", "Muttahida Qaumi Movement",
             "تحریک انصاف", "پاکستان تحریک انصاف آفیشل", "تحریک لبیک پاکستان",
             "بلوچ یکجہتی کمیٹی", "بلوچستان نیشنل پارٹی", "Islamic State University alumni",
             "Khorasan Province travel guide"]
    out += [(t, "", "other-party") for t in other]
    namesakes = ["Umar Farooq, media student", "Wilayat Hussain, cricket fan", "Khorasan Carpets",
                 "Azaim Traders Karachi", "Majeed Khan | brigade of cooks", "Omar Mediani",
                 "Umar Media Productions - wedding videography Lahore",
                 "Taliban Shah (common name) gardening tips", "Baloch Liberation Road bakery",
                 "Liberation Army surplus store", "Umar Medical Store", "Khurasan Hotel Quetta",
                 "Omar Khorasani poetry", "Azaim foods", "Balochi tea blog",
                 "The Islamic State of Mind podcast", "Baloch Army Public School alumni"]
    out += [(t, "", "namesake") for t in namesakes]
    acronym_other = ["bla bla bla", "BLA Architects Karachi", "BLF Logistics", "TTP time to pay",
                     "ISK currency rates", "iskp1234 gamer", "BLA BLA car pooling",
                     "ttp testing tool", "BLF = Best Life Forever", "TTP lab results portal",
                     "ISKP? no idea, kpop fan", "B.L.A. basketball league", "BLA", "TTP",
                     "bla_bla_official", "ttp_developer"]
    out += [(t, "", "acronym-other") for t in acronym_other]
    neutral = ["Cooking channel from Peshawar", "Pashto poetry and music", "Cricket updates",
               "Student at Quetta university", "Karachi traffic news", "Daily Urdu quotes",
               "پشتو شاعری", "کرکٹ کی خبریں", "Photographer, Swat valley", "Mountain trekking club"]
    out += [(t, "", "neutral") for t in neutral]
    return out


def main() -> None:
    data = rows()
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "expected", "category"])
        writer.writerows(data)
    print(f"{len(data)} rows -> {OUT.name}")


if __name__ == "__main__":
    main()
