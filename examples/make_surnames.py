"""Regenerate examples/data/surnames/<Language>.txt from the Faker package's person providers.

The name classifier in char_rnn.py (`python examples/char_rnn.py names`) reads these files; they ship with
chainrule, so this script is needed only to remake them. Faker (https://github.com/joke2k/faker) is MIT
licensed; install it anywhere (`pip install faker`) and run

    python examples/make_surnames.py [--per-language 300] [--out examples/data/surnames]

Each language's surnames are folded to ASCII the way PyTorch's name-classification tutorial does (Unicode
NFD, accents dropped); names with other characters are skipped, names found in two languages are dropped
(they can't be classified), and at most --per-language names are kept (a fixed random sample), one a line.
"""
import argparse
import importlib
import os
import random
import unicodedata

# language -> Faker locales and the provider attributes that hold its surnames (Latin letters only)
SOURCES = {
    "Chinese": [("zh_CN", "last_romanized_names")],
    "Croatian": [("hr_HR", "last_names")],
    "Czech": [("cs_CZ", "last_names")],
    "Dutch": [("nl_NL", "last_names")],
    "English": [("en_US", "last_names")],
    "Finnish": [("fi_FI", "last_names")],
    "French": [("fr_FR", "last_names")],
    "German": [("de_DE", "last_names"), ("de_AT", "last_names")],
    "Irish": [("ga_IE", "last_names")],
    "Italian": [("it_IT", "last_names")],
    "Japanese": [("ja_JP", "last_romanized_names")],
    "Polish": [("pl_PL", "male_last_names"), ("pl_PL", "unisex_last_names")],
    "Portuguese": [("pt_PT", "last_names"), ("pt_BR", "last_names")],
    "Spanish": [("es_ES", "last_names")],
    "Swedish": [("sv_SE", "last_names")],
}
ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ '-")


def to_ascii(name):
    """'Müller' -> 'Muller', as unicodeToAscii in PyTorch's tutorial."""
    return "".join(c for c in unicodedata.normalize("NFD", name) if unicodedata.category(c) != "Mn")


def surnames(locale, attribute):
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    names = getattr(provider, attribute)  # a tuple, or a dict of name -> weight
    return {to_ascii(n).strip() for n in names}


def collect():
    found = {}
    for language, sources in SOURCES.items():
        names = set().union(*(surnames(locale, attribute) for locale, attribute in sources))
        found[language] = {n for n in names if n and set(n) <= ALLOWED}
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-language", type=int, default=300)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "data", "surnames"))
    args = parser.parse_args(argv)
    found = collect()
    os.makedirs(args.out, exist_ok=True)
    for language, names in found.items():
        others = set().union(*(v for k, v in found.items() if k != language))
        unique = sorted(names - others)
        kept = sorted(random.Random(0).sample(unique, min(args.per_language, len(unique))))
        with open(os.path.join(args.out, f"{language}.txt"), "w", encoding="ascii") as f:
            f.write("\n".join(kept) + "\n")
        print(f"{language:<11} {len(kept):4d} of {len(names)}")


if __name__ == "__main__":
    main()
