"""Claims: what the prose of the bulletin and the notebooks asserts about a period's data ("most",
"all", "the most exposed", "rose"), computed from the period's tables so that the text says what
the data says, whatever the period.

Each part declares its claims beside its tables (pipeline/parts/<part>.py, `@claim`): a function of
the tables with a name, returning its case (which sentence applies) and its values (what the
sentence quotes). The sentences, one per case and language, live in pipeline/claims.yml, where
editors edit them like the rest of the prose; placeholders are filled here, numbers formatted for
the edition and nouns agreeing with their numbers (`{count:case}`: '1 случай', '391 случай',
'407 нарушений').

    sentence(claim, "ru")                 a claim's sentence for the edition
    show(tables, "security.training")     the sentence in a part's notebook (Russian)

pipeline.outputs.claims evaluates every part's claims for a run (claims.json, the console, run.json).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from pipeline import formatting
from pipeline.yamlfiles import read_yaml

SENTENCES = Path(__file__).with_name("claims.yml")
Tables = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Claim:
    name: str
    case: str  # which sentence applies
    values: dict  # what the sentence quotes: numbers, shares (keys ending in _pct), {ru, en} names, lists of them
    basis: str  # what the case was decided on, in English (console, run.json)


CLAIMS: dict[str, tuple[tuple[str, ...], Callable[[Tables], Claim]]] = {}
CASES: dict[str, tuple[str, ...]] = {}  # every case a claim can take: each needs its sentences


def claim(name: str, *needs: str, cases: tuple[str, ...]):
    """Register a claim computed from the tables `needs`, taking one of `cases`."""
    def register(function):
        def checked(tables: Tables) -> Claim:
            found = function(tables)
            if found.case not in cases:
                raise ValueError(f"claim {name}: case {found.case!r} is not one of {cases}")
            return found
        CLAIMS[name], CASES[name] = (needs, checked), cases
        return checked
    return register


# --- helpers -------------------------------------------------------------------------------------
BANDS = ((90, "almost_all"), (60, "most"), (40, "about_half"), (10, "minority"), (0, "few"))


def band(pct: float) -> str:
    """A share in words: almost_all (90% or more), most (over 60%), about_half (40-60%),
    minority (10-40%), few (under 10%)."""
    for lower, name in BANDS:
        if pct >= lower and not (name == "most" and pct <= 60):
            return name
    return "few"


def share(tables: Tables, group: str, item: str, answer: str) -> tuple[float, int, int]:
    """(percent, count, base) of an answer among those of the group who answered the item."""
    shares = pd.concat([t for n, t in tables.items() if n.endswith("_shares")])
    row = shares[(shares["group"] == group) & (shares["item"] == item) & (shares["answer"] == answer)]
    if len(row) != 1:
        raise KeyError(f"no share {group}/{item}/{answer}")
    count, base = int(row["count"].iloc[0]), int(row["base"].iloc[0])
    return (100 * count / base if base else 0.0), count, base


def names(row, prefix: str = "name", inside: bool = False) -> dict[str, str]:
    """A name in both languages; inside=True: as it reads inside a sentence ('журналисты, ...'
    for the category 'Журналисты, ...'; acronyms and proper names keep their capitals)."""
    found = {"ru": str(row[f"{prefix}_ru"]), "en": str(row[f"{prefix}_en"])}
    return {lang: lower_first(text) for lang, text in found.items()} if inside else found


def lower_first(text: str) -> str:
    """'Журналисты и СМИ' -> 'журналисты и СМИ'; 'СМИ' and 'NGOs' stay (an acronym's second letter is a capital)."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def band_claim(name: str, group: str, item: str, answer: str, table: str):
    @claim(name, table, cases=tuple(b for _, b in BANDS))
    def compute(tables: Tables) -> Claim:
        pct, count, base = share(tables, group, item, answer)
        return Claim(name, band(pct), {"share_pct": pct, "count": count, "base": base},
                     f"{count} of {base} {group} answered {item} = {answer} ({pct:.1f}%)")
    return compute


def evaluate_registered(tables: Tables) -> dict[str, Claim]:
    """Every registered claim whose tables are among `tables`."""
    return {name: function(tables) for name, (needs, function) in CLAIMS.items() if all(n in tables for n in needs)}


def _sentences() -> dict:
    """claims.yml, read again when it changed (an editor's live preview lives through edits of it)."""
    stat = SENTENCES.stat()
    return _read_sentences(stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=1)
def _read_sentences(mtime_ns: int, size: int) -> dict:
    return read_yaml(SENTENCES)


def noun_forms(noun: str, lang: str) -> tuple[str, ...]:
    return tuple(_sentences()["nouns"][noun][lang])


PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")


def sentence(claim: Claim, lang: str) -> str:
    """The claim's sentence for the edition, its placeholders filled."""
    entry = _sentences()["claims"][claim.name]
    if claim.case not in entry:
        raise KeyError(f"{SENTENCES}: claim {claim.name} has no sentence for the case {claim.case!r}")
    return PLACEHOLDER.sub(lambda m: fill(claim.values, m.group(1), m.group(2), lang), entry[claim.case][lang])


def fill(values: dict, key: str, noun: str | None, lang: str) -> str:
    """One placeholder: a count with its noun (`{n:case}`), a share (`_pct`), a name, a list of names
    or a direction (`up`/`down`/`same`, words of the sentences file), a number."""
    value = values[key]
    if noun and noun.isdigit():  # {risk:2}: a number with 2 decimals
        return formatting.number(value, lang, int(noun))
    if noun in _sentences()["words"]:  # {threats:direction_pl}: the word for the value
        return _sentences()["words"][noun][value][lang]
    if noun:
        return formatting.counted(value, lang, noun_forms(noun, lang))
    if key.endswith("_pct"):
        return formatting.percent(value, lang)
    if isinstance(value, dict):
        return value[lang]
    if isinstance(value, list):
        return formatting.joined([v[lang] if isinstance(v, dict) else str(v) for v in value], lang)
    if isinstance(value, float):
        return formatting.number(value, lang, 1)
    return formatting.number(value, lang) if isinstance(value, int) else str(value)


def show(tables: Tables, *names: str, lang: str = "ru"):
    """Claims' sentences in a notebook, computed from the notebook's tables (each as a sentence of
    its own: a bulletin's sentence may continue where the notebook's stops)."""
    from IPython.display import Markdown

    said = [sentence(CLAIMS[name][1](tables), lang).rstrip(",;. ") for name in names]
    return Markdown(" ".join(text[:1].upper() + text[1:] + "." for text in said))
