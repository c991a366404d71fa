#!/usr/bin/env python3
"""Regenerates given_names.txt and surnames.txt from Faker's person providers.

Usage:
    pip download faker --no-deps -d /tmp/faker && \
        python3 gen_names.py /tmp/faker/faker-*.whl

The wheel is imported straight from the zip (Faker's person providers need no
third-party packages). Only Latin-script locales are used: the detector keys on
capitalized words, which non-Latin scripts lack. Entries are lowercased per
character (first char of its lowercase mapping, the same fold the Rust lookup
uses), restricted to single words of letters, deduplicated and sorted.
"""

import importlib
import sys
from pathlib import Path

LOCALES = [
    "en_US", "en_GB", "en_IE", "de_DE", "fr_FR", "es_ES", "es_MX", "it_IT",
    "pt_BR", "pt_PT", "nl_NL", "pl_PL", "sv_SE", "da_DK", "no_NO", "fi_FI",
    "tr_TR", "cs_CZ",
    # More Latin-script locales: South and East Asian, African and European
    # names that appear in customer data as often as the ones above.
    "en_IN", "en_KE", "en_NG", "en_NZ", "en_PK", "en_TH", "es_AR", "es_CL",
    "es_CO", "fr_CA", "de_AT", "de_CH", "hr_HR", "hu_HU", "id_ID", "ig_NG",
    "ha_NG", "yo_NG", "is_IS", "lt_LT", "lv_LV", "ro_RO", "sk_SK", "sl_SI",
    "et_EE", "az_AZ", "uz_UZ", "sw", "tw_GH", "zu_ZA", "vi_VN", "ga_IE",
]
# Locales whose names are written in another script; their romanized lists
# (ja_JP, zh_*) or a transliteration (Cyrillic) are used instead.
ROMANIZED = ["ja_JP", "zh_CN", "zh_TW"]
CYRILLIC = ["ru_RU", "uk_UA", "bg_BG"]

# Cyrillic to Latin, the common passport-style transliteration.
TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
     "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y",
     "", "e", "yu", "ya", "i", "yi", "ye", "g"],
))


def transliterate(word: str) -> str:
    return "".join(TRANSLIT.get(ch, ch) for ch in word.lower())

# Provider attributes holding names: every `first_names*` and `*last_names*`
# collection (pl_PL keeps its surnames in `unisex_last_names`).
def given_attr(attr: str) -> bool:
    return attr.startswith("first_names")


def surname_attr(attr: str) -> bool:
    return "last_names" in attr


def romanized_given(attr: str) -> bool:
    return attr.startswith("first_romanized_names")


def romanized_surname(attr: str) -> bool:
    return attr.startswith("last_romanized_names")

# Given names that are also everyday capitalized words in logs and prose
# ("Will Smith" is lost; "Will Retry", "May Fail", "Mark Ready" are not redacted).
STOP_GIVEN = {
    "will", "may", "mark", "grant", "june", "april", "august", "summer",
    "autumn", "winter", "page", "case", "chance", "major", "king", "rich",
    "bill", "art", "sky", "rock", "ray", "pat", "sue", "dean", "job", "van",
    "del", "de", "la", "le", "da", "di", "von", "an", "in", "so", "no", "ok",
    "sat", "sun", "mon", "ed", "al", "lane", "max", "min", "ping", "log",
    "server", "ruby", "crystal", "chase", "hunter", "carter", "miles",
    "set", "get", "put", "post", "head", "patch", "trace", "debug", "info",
    "warn", "error", "fatal", "test", "true", "false", "none", "null",
}
# Surnames that are everyday words; a given name followed by one of these is
# more likely a phrase ("Will Ward", "Max Power") than a person.
STOP_SURNAME = {
    "will", "may", "can", "long", "short", "new", "old", "little", "young",
    "good", "best", "high", "low", "small", "large", "key", "page", "case",
    "post", "head", "set", "get", "put", "log", "ping", "trace", "debug",
    "info", "warn", "error", "fatal", "test", "true", "false", "none", "null",
    "min", "max", "day", "week", "month", "year", "time", "date", "state",
    "status", "power", "field", "house", "street", "lane", "park", "hill",
    "bank", "mail", "ok", "no", "de", "la", "le", "da", "di", "van", "von",
    "del", "des", "du", "dos", "das", "do", "den", "der", "ten", "ter",
}


def fold(word: str) -> str:
    out = []
    for ch in word:
        low = ch.lower()
        out.append(low[0] if low else ch)
    return "".join(out)


def collect(module, wanted, convert=lambda w: w):
    names = set()
    for attr in dir(module.Provider):
        if not wanted(attr):
            continue
        value = getattr(module.Provider, attr, None)
        if not isinstance(value, (tuple, list, dict)):
            continue
        for name in value:  # tuples, lists and OrderedDict (keys) alike
            for part in convert(str(name)).replace("-", " ").split():
                if part.isalpha() and len(part) >= 2:
                    names.add(fold(part))
    return names


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.path.insert(0, sys.argv[1])
    given, surnames = set(), set()
    for loc in LOCALES:
        module = importlib.import_module(f"faker.providers.person.{loc}")
        given |= collect(module, given_attr)
        surnames |= collect(module, surname_attr)
    for loc in ROMANIZED:
        module = importlib.import_module(f"faker.providers.person.{loc}")
        given |= collect(module, romanized_given)
        surnames |= collect(module, romanized_surname)
    for loc in CYRILLIC:
        module = importlib.import_module(f"faker.providers.person.{loc}")
        given |= collect(module, given_attr, transliterate)
        surnames |= collect(module, surname_attr, transliterate)
    # Keep only Latin-script entries (a few locales mix scripts).
    given = {n for n in given if all(c.isascii() or "\u00c0" <= c <= "\u024f" for c in n)}
    surnames = {n for n in surnames if all(c.isascii() or "\u00c0" <= c <= "\u024f" for c in n)}
    # Polish surnames in -ski/-cki have a feminine -ska/-cka form Faker derives
    # at run time instead of listing.
    surnames |= {n[:-1] + "a" for n in surnames if n.endswith(("ski", "cki"))}
    given -= STOP_GIVEN
    surnames -= STOP_SURNAME
    here = Path(__file__).resolve().parent
    (here / "given_names.txt").write_text("".join(n + "\n" for n in sorted(given)), "utf-8")
    (here / "surnames.txt").write_text("".join(n + "\n" for n in sorted(surnames)), "utf-8")
    print(f"{len(given)} given names, {len(surnames)} surnames")


if __name__ == "__main__":
    main()
