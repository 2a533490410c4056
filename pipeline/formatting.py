"""Numbers and counted nouns as the bulletin writes them, in Russian and English: one place for
every table, chart, map and sentence.

    number(27867.5, "ru", 1) -> '27 867,5'      number(27867.5, "en", 1) -> '27,867.5'
    percent(54.4, "ru")      -> '54,4%'         plural(14, "ru", ("область", "области", "областей")) -> 'областей'
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal


def number(value, lang: str, decimals: int = 0) -> str:
    """Russian: a space between thousands and a decimal comma; English: a comma and a decimal point.
    (Plain spaces: Quarto shows an inline value through its repr, which would spell out a no-break space.)
    Halves round away from zero, as a reader rounds (7,25 -> 7,3), not to even as Python's format does;
    the value as written (its shortest repr) is rounded, so 0,145 -> 0,15 whatever its binary double."""
    value = float(value)
    if math.isnan(value):  # not computable for the period (e.g. convictions per acquittal, no acquittal)
        return "—"
    if not math.isfinite(value):
        return f"{value}"
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",") if lang == "ru" else text


def percent(value, lang: str, decimals: int = 1) -> str:
    return f"{number(value, lang, decimals)}%"


def plural(count, lang: str, forms: tuple[str, ...], fraction_form: int = 1) -> str:
    """The noun's form for a count: Russian forms (1, 2-4, 5+: 'случай', 'случая', 'случаев'),
    11-14 taking the third, a fraction the second ('2,5 года') or the form fraction_form names
    (genitive forms: the first, 'до 7,5 года'); English forms (one, other), a fraction the other."""
    if float(count) != int(count):  # a fraction
        return forms[1] if lang == "en" else forms[fraction_form]
    n = abs(int(count))
    if lang == "en":
        return forms[0] if n == 1 else forms[1]
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]


def counted(count, lang: str, forms: tuple[str, ...], fraction_form: int = 1) -> str:
    """'14 областей', '2 города', '2,5 года', '1 region', '16 regions': a fraction is printed to one
    decimal and takes the fraction's form ('1,5 года', '1.5 years')."""
    decimals = 0 if float(count) == int(count) else 1
    return f"{number(count, lang, decimals)} {plural(count, lang, forms, fraction_form)}"


def joined(items: list[str], lang: str) -> str:
    """'a', 'a и b', 'a, b и c' / 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {'и' if lang == 'ru' else 'and'} {items[-1]}"


def plotly_separators(lang: str) -> str:
    """plotly's layout.separators (decimal, then thousands) for the edition's language."""
    return ", " if lang == "ru" else ".,"


MARKDOWN_SPECIAL = set("\\`*_{}[]<>#|@$~^&:")


def markdown_text(text: str) -> str:
    """Text from the data as Markdown that reads as the same text: every ASCII punctuation mark that
    Markdown, pandoc or Quarto could read as markup (emphasis, links, raw HTML, shortcodes `{{< >}}`,
    citations `@`, math `$`) escaped with a backslash, line breaks as spaces."""
    return "".join("\\" + c if c in MARKDOWN_SPECIAL else c for c in " ".join(str(text).split()))
