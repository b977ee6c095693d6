"""The words the synthetic scenario is made of: the designated groups (public facts), and
invented people, places, styles of writing and everyday topics.

Nothing here is real propaganda: group posts are ``[placeholder: ...]`` statements, and the
"style" of an operator is a handful of neutral function words, an emoji and a sign-off."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Group:
    key: str  # short name used in placeholders
    name: str  # as a referral names it
    wing: str  # the media wing the accounts are named after
    wing_urdu: str
    stems: tuple[str, ...]  # handle stems
    telegram: str


GROUPS = (
    Group("TTP", "Tehreek-e-Taliban Pakistan", "Umar Media", "عمر میڈیا",
          ("umar_media", "umarmedia", "umar_news", "ttp_umar"), "umar_media_ch"),
    Group("BLA", "Balochistan Liberation Army", "Hakkal Media", "ہکل میڈیا",
          ("hakkal_media", "hakkal", "hakkal_news", "bla_hakkal"), "hakkal_ch"),
    Group("BLF", "Balochistan Liberation Front", "Aashoob Media", "آشوب میڈیا",
          ("aashoob", "aashoob_media", "blf_aashoob", "aashob_news"), "aashoob_ch"),
    Group("ISKP", "Islamic State Khorasan Province", "Al-Azaim", "العزائم",
          ("al_azaim", "alazaim", "azaim_media", "khurasan_azaim"), "azaim_foundation"),
)
PLACES = ("bannu", "swat", "kp", "quetta", "turbat", "panjgur", "waziristan", "khyber", "urdu",
          "pashto", "official", "news", "voice", "updates", "daily", "tv", "live", "archive")
LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5"})
#: Latin letters to the Cyrillic letters that look the same.
LOOKALIKE = str.maketrans({"a": "а", "e": "е", "o": "о", "i": "і", "c": "с", "p": "р"})
FIRST = ("Ayesha", "Saleem", "Hamid", "Zainab", "Imran", "Sana", "Farhan", "Nadia", "Kamran",
         "Rabia", "Bilal", "Mehreen", "Asad", "Hina", "Tariq", "Sadia", "Usman", "Fatima",
         "Yasir", "Mariam", "Adnan", "Sobia", "Haris", "Amna", "Shahid", "Iqra")
LAST = ("Khan", "Baloch", "Yousafzai", "Qureshi", "Malik", "Shah", "Afridi", "Bugti", "Marri",
        "Durrani", "Siddiqui", "Mengal", "Khattak", "Butt", "Chaudhry", "Mir", "Jamali")
#: Invented personas' names, each in Latin letters and in Urdu/Pashto/Balochi (Arabic) script:
#: Pashtun, Baloch and Urdu given names and tribe or family names, freely combined.
PERSONA_FIRST = (("Mukhtar", "مختار"), ("Shahzad", "شہزاد"), ("Gulzar", "گلزار"),
                 ("Naseer", "نصیر"), ("Jalil", "جلیل"), ("Hammal", "حمل"),
                 ("Dostain", "دوستین"), ("Sher Jan", "شیر جان"), ("Rahmat", "رحمت"),
                 ("Zarif", "ظریف"), ("Bahram", "بہرام"), ("Wali", "ولی"), ("Noor", "نور"),
                 ("Karim", "کریم"), ("Sabir", "صابر"), ("Chakar", "چاکر"), ("Nawaz", "نواز"),
                 ("Gohram", "گہرام"), ("Abu Usman", "ابو عثمان"), ("Abu Talha", "ابو طلحہ"),
                 ("Mir Jan", "میر جان"), ("Sangat", "سنگت"), ("Bebagr", "بیبگر"),
                 ("Zakir", "ذاکر"), ("Hayat", "حیات"), ("Ghazi", "غازی"))
PERSONA_LAST = (("Baloch", "بلوچ"), ("Marri", "مری"), ("Mengal", "مینگل"), ("Bugti", "بگٹی"),
                ("Mehsud", "محسود"), ("Wazir", "وزیر"), ("Afridi", "آفریدی"),
                ("Yousafzai", "یوسفزئی"), ("Khattak", "خٹک"), ("Achakzai", "اچکزئی"),
                ("Zehri", "زہری"), ("Rind", "رند"), ("Durrani", "درانی"), ("Khorasani", "خراسانی"),
                ("Bangulzai", "بنگلزئی"), ("Mohmand", "مہمند"))
#: Neutral words a careful operator builds a fresh handle from (nothing of the old one).
FRESH_WORDS = ("sahar", "chinar", "kohsar", "parwaz", "sitara", "dariya", "shaheen", "gulab",
               "mehtab", "sabz", "watan", "nasim", "barish", "pahar", "samar", "raahi", "safar",
               "zameen", "bahar", "roshan", "kinara", "aftab", "shahrah", "noorani", "dilbar")

#: Writing styles by language: (function words an operator strings into its posts, sign-offs).
#: Neutral everyday words only; the ``lang`` code is ISO 639-1 where one exists ("bal" for
#: Balochi, "ur-Latn" for Roman Urdu, which has no code of its own).
STYLES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "ur": ("ur", ("اور", "کے", "ہے", "کہ", "بھی", "سے", "میں", "یہ", "پر"),
           ("والسلام", "جاری ہے", "مزید تفصیل جلد")),
    "ps": ("ps", ("او", "د", "چې", "هم", "په", "دا", "ته", "سره"),
           ("په مخه دې ښه", "نور بیا", "ادامه لري")),
    "en": ("en", ("the", "and", "of", "to", "in", "is", "that", "for", "on"),
           ("more soon", "stay tuned", "details follow")),
    "roman_ur": ("ur-Latn", ("aur", "ke", "hai", "ki", "bhi", "se", "mein", "ye", "par"),
                 ("khuda hafiz", "jari hai", "mazeed jald")),
    "bal": ("bal", ("o", "é", "ke", "ham", "pa", "gon", "ant", "man"),
            ("washén", "pada gind", "démá")),
}
EMOJI = ("🔴", "📢", "⚡", "🕊", "🌙", "⭐", "🔥", "✊", "📌", "🗞", "▶", "✅")
PUNCTUATION = ("...", "!!", " —", "۔۔۔", ".", " ::")

PROTECTED_BIOS = {
    "journalist": ("Reporter covering TTP and security in KP",
                   "Journalist | Balochistan affairs, BLA and BLF insurgency",
                   "Correspondent, militancy and counter-terrorism, Peshawar",
                   "صحافی | خیبر پختونخوا میں سلامتی اور ٹی ٹی پی"),
    "researcher": ("Researcher on militancy in Pakistan; TTP, ISKP",
                   "PhD candidate studying the Baloch insurgency (BLA/BLF)",
                   "Analyst of jihadist media ecosystems: Umar Media, Al-Azaim"),
    "ngo": ("Human rights defender; documenting enforced disappearances in Balochistan",
            "Rights activist, Khyber Pakhtunkhwa | civilian harm monitoring",
            "Digital rights researcher; free expression in Pakistan"),
}
ORDINARY_BIOS = ("Cricket fan | Lahore", "Student, Karachi University", "Foodie. Chai lover.",
                 "Software engineer", "Teacher in Quetta", "Traveller | photos",
                 "کرکٹ کا شوقین", "Small business owner, Peshawar", "")
FAN_BIOS = ("[placeholder: sympathiser profile text]", "Baloch | Pashtun | watan",
            "[placeholder: slogan]", "سچ کی آواز", "")
ORDINARY_TOPICS = ("cricket", "food", "weather", "exams", "traffic", "a wedding", "mangoes",
                   "a football match", "load-shedding", "a new phone")
