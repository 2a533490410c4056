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

from pipeline import evidence, formatting
from pipeline.yamlfiles import read_yaml

SENTENCES = Path(__file__).with_name("claims.yml")
Tables = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Claim:
    name: str
    case: str  # which sentence applies
    values: dict  # what the sentence quotes: numbers, shares (keys ending in _pct), {ru, en} names, lists of them
    basis: str  # what the case was decided on, in English (console, run.json)
    asserts: tuple = ()  # what the sentence asserts, as data: pipeline.checker verifies each against the tables


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


# --- what a sentence asserts, as data (the vocabulary pipeline.checker reads) -----------------------
# A reference names a number of a table: the rows `where` selects (a list of [column, op, value];
# op one of == != > >= < <= in isna notna), then `agg` of `column` (one: the single row's value;
# sum, min, max, mean; rows: how many rows), and the value the sentence quotes.
def where(**equal) -> list:
    """[column, '==', value] for each keyword (a list or tuple: 'in')."""
    return [[c, "in", list(v)] if isinstance(v, (list, tuple)) else [c, "==", v] for c, v in equal.items()]


def ref(table: str, column: str | None, value, conditions: list | None = None, agg: str = "one") -> dict:
    return {"table": table, "column": column, "where": conditions or [], "agg": agg, "value": _plain(value)}


def quoted(reference: dict, key: str | None = None) -> dict:
    """The sentence quotes this number (values[key], when given): it is the table's, and not empty."""
    return {"kind": "value", "of": reference, "key": key}


def share_of(count: dict, base: dict, quantifier: str | None, sample: bool, key: str | None = None) -> dict:
    """count of base, said with `quantifier` (a word of pipeline/evidence.yml, or None: only the
    numbers are given); sample: a survey's share (no words below the minimum base); key: the
    values' percentage the sentence prints."""
    return {"kind": "share", "count": count, "base": base, "quantifier": quantifier, "sample": sample, "key": key}


def ranked(kind: str, table: str, key: str, by: str, items, n: int = 1, conditions: list | None = None,
           excluding=(), positive: bool = True, superlative: bool = True) -> dict:
    """kind 'top' | 'bottom': `items` (values of column `key`) are exactly the rows whose `by` is
    among the n largest (smallest), every tie included, zeros never named when positive, the rows
    `excluding` left out (already named). superlative: the sentence calls them the most (a top list
    that names every row there is to name says nothing of the kind: it is a list, superlative=False)."""
    return {"kind": kind, "table": table, "key": key, "by": by, "n": n, "where": conditions or [],
            "excluding": [_plain(x) for x in excluding], "positive": positive, "superlative": superlative,
            "items": [_plain(x) for x in items]}


def members(table: str, key: str, items, conditions: list) -> dict:
    """`items` (values of column `key`) are exactly the rows `conditions` select ('the regions where
    defenders feel safe are A and B')."""
    return {"kind": "members", "table": table, "key": key, "where": conditions, "items": [_plain(x) for x in items]}


def difference(test: str, a: dict, b: dict, relation: str) -> dict:
    """Group a against group b: relation 'greater' | 'less' | 'no_clear_difference' | 'not_comparable',
    by test 'shares' (a, b: {count, base} references) or 'means' ({mean, sd, n})."""
    return {"kind": "difference", "test": test, "a": a, "b": b, "relation": relation}


def relation(a: dict, op: str, b: dict) -> dict:
    """Number a stands in `op` (> >= < <= == !=) to number b (references): 'threats above the regions' mean'."""
    return {"kind": "relation", "a": a, "op": op, "b": b}


def ratio(numerator: dict, denominator: dict, key: str, decimals: int = 0) -> dict:
    """The sentence prints values[key], numerator / denominator rounded to `decimals`."""
    return {"kind": "ratio", "numerator": numerator, "denominator": denominator, "key": key, "decimals": decimals}


def change(table: str, key: str, before: dict, after: dict, weights: list[str], direction: str) -> dict:
    """Paired regional scores, before -> after ({where, column} of `table`, joined on `key`; weights:
    the columns averaged as each region's weight): direction 'up' | 'down' | 'no_clear_change'."""
    return {"kind": "change", "table": table, "key": key, "before": before, "after": after, "weights": weights,
            "direction": direction}


def whole(value) -> int | float:
    """A whole number as an int (printed without decimals: '27 лет', not '27,0 лет')."""
    value = float(value)
    return int(value) if value.is_integer() else value


def _plain(value):
    """A number or text as JSON keeps it (numpy scalars to Python)."""
    return value.item() if hasattr(value, "item") else value


# --- helpers -------------------------------------------------------------------------------------
def share(tables: Tables, group: str, item: str, answer: str) -> tuple[float, int, int]:
    """(percent, count, base) of an answer among those of the group who answered the item; a share
    of an empty base is NaN (never printed: the claims choose another sentence)."""
    found = _share_index(tables).get((group, item, answer))
    if found is None:
        raise KeyError(f"no share {group}/{item}/{answer}")
    count, base = found
    return (100 * count / base if base else float("nan")), count, base


_SHARE_INDEXES: dict[int, tuple] = {}


def _share_index(tables: Tables) -> dict[tuple, tuple[int, int]]:
    """(group, item, answer) -> (count, base) of every shares table, built once per set of tables
    (a claim asks for dozens of shares; filtering the tables for each is most of their time)."""
    frames = tuple(t for n, t in sorted(tables.items()) if n.endswith("_shares"))
    key = tuple(id(f) for f in frames)  # the frames are kept with their index: an id is not reused meanwhile
    cached = _SHARE_INDEXES.get(key)
    if cached is None:
        index = {}
        for frame in frames:
            index.update(zip(zip(frame["group"], frame["item"], frame["answer"]),
                             zip(frame["count"].astype(int), frame["base"].astype(int))))
        if len(_SHARE_INDEXES) > 16:
            _SHARE_INDEXES.clear()
        cached = _SHARE_INDEXES[key] = (frames, index)
    return cached[1]


def shares_table(tables: Tables, item: str) -> str:
    """The name of the shares table that holds an item."""
    for name, table in tables.items():
        if name.endswith("_shares") and (table["item"] == item).any():
            return name
    raise KeyError(f"no shares table holds {item}")


def survey_share(tables: Tables, group: str, item: str, answer: str, key: str | None = None, words: bool = True) -> tuple[dict, dict]:
    """A survey answer's share as a claim quotes it ({count, base, pct} for `{x:share:noun}`) and the
    assertion behind it: its word (pipeline/evidence.yml) when `words` and the base allows one."""
    pct, count, base = share(tables, group, item, answer)
    table = shares_table(tables, item)
    rows = where(group=group, item=item, answer=answer)
    word = evidence.quantifier(count, base) if words and evidence.speakable(count, base) else None
    return ({"count": count, "base": base, "pct": pct},
            share_of(ref(table, "count", count, rows), ref(table, "base", base, rows), word, sample=True, key=key))


def names(row, prefix: str = "name", inside: bool = False) -> dict[str, str]:
    """A name in both languages; inside=True: as it reads inside a sentence ('журналисты, ...'
    for the category 'Журналисты, ...'; acronyms and proper names keep their capitals)."""
    found = {"ru": str(row[f"{prefix}_ru"]), "en": str(row[f"{prefix}_en"])}
    return {lang: lower_first(text) for lang, text in found.items()} if inside else found


def lower_first(text: str) -> str:
    """A name as it reads inside a sentence: 'Журналисты и СМИ' -> 'журналисты и СМИ'. Acronyms
    ('СМИ', 'КНБ (...)', 'NGOs': a capital second letter) and proper names (another word outside
    brackets starts with a capital and goes on in small letters: 'National Security Committee
    (KNB)') keep their capitals."""
    if len(text) < 2 or not text[0].isupper() or text[1].isupper():
        return text
    outside = re.sub(r"\([^)]*\)", "", text).split()[1:]
    if any(len(word) > 1 and word[0].isupper() and word[1:].islower() for word in outside):
        return text
    return text[0].lower() + text[1:]


def top_rows(table: pd.DataFrame, by: str, n: int = 1, key: str | None = None, excluding=(), smallest: bool = False,
             positive: bool = True) -> pd.DataFrame:
    """The rows among the n largest (smallest) of `by`, every row tied with the n-th included, zeros
    left out when positive, rows whose `key` is in `excluding` left out; largest (smallest) first,
    ties by key."""
    rows = table[table[by].notna()]
    if positive:
        rows = rows[rows[by] > 0]
    if key is not None and len(excluding):
        rows = rows[~rows[key].isin(list(excluding))]
    if rows.empty:
        return rows
    ordered = rows.sort_values([by] + ([key] if key else []), ascending=[smallest] + ([True] if key else []), kind="stable")
    cut = ordered[by].iloc[min(n, len(ordered)) - 1]
    return ordered[ordered[by] <= cut] if smallest else ordered[ordered[by] >= cut]


def listed(rows: pd.DataFrame, name: str = "name", count: str | None = None, inside: bool = False, quoted: bool | str = False,
           dashes: bool = False, decimals: int = 0) -> dict[str, str]:
    """The rows' names joined in each language ('Алматы (90), Астана (50) и Павлодар (50)'), each
    with its `count` when given; inside: as names read inside a sentence (lower_first); quoted:
    «name» / "name" (quoted="ru": in the Russian edition only); dashes: for names that hold commas ('name — 27; name — 16' / 'name: 27; ...')."""
    out = {}
    for lang in ("ru", "en"):
        items = []
        for _, row in rows.iterrows():
            text = str(row[f"{name}_{lang}"])
            text = lower_first(text) if inside else text
            if quoted is True or quoted == lang:
                text = f"«{text}»" if lang == "ru" else f'"{text}"'
            if count is not None:
                number = formatting.number(row[count], lang, decimals)
                text = f"{text}{' — ' if lang == 'ru' else ': '}{number}" if dashes else f"{text} ({number})"
            items.append(text)
        out[lang] = "; ".join(items) if dashes else formatting.joined(items, lang)
    return out


def covers_all(top: pd.DataFrame, table: pd.DataFrame, by: str) -> bool:
    """Whether a top list (ties included) names every row with a positive `by`, more than one:
    then "the most ..." would single out nothing, and the sentence lists them instead."""
    return len(top) > 1 and len(top) == int((table[by] > 0).sum())


def bottom_rows(table: pd.DataFrame, by: str, n: int, key: str, excluding) -> tuple[pd.DataFrame, int]:
    """The rows with the smallest `by` after those `excluding` (the top, named already), and how many
    were asked for: at most n, and always fewer than the rows left, so that "the lowest" never means
    "all but the highest" (with four regions: the lowest two, not three of the four); none when ties
    would take them all."""
    remaining = table[~table[key].isin(list(excluding)) & table[by].notna() & (table[by] > 0)]
    wanted = max(0, min(n, len(remaining) - 1))
    rows = top_rows(remaining, by, wanted, key=key, smallest=True) if wanted else remaining.head(0)
    return (rows.head(0) if len(rows) >= len(remaining) else rows), wanted


def band_claim(name: str, group: str, item: str, answer: str, table: str):
    """A survey share in words by the rules of pipeline/evidence.yml: its word ('most', 'about half',
    ...) when the base allows one, else the counts (small_base), or that nobody answered (no_base).
    The sentences: claims.yml `bands`, with the claim's own subject and verb."""
    @claim(name, table, cases=BAND_CASES)
    def compute(tables: Tables) -> Claim:
        value, asserted = survey_share(tables, group, item, answer, key="share_pct")
        pct, count, base = value["pct"], value["count"], value["base"]
        word = asserted["quantifier"]
        case = word or ("small_base" if base else "no_base")
        if not word:  # the counts alone, or that nobody answered: no percentage is printed
            asserted = {**asserted, "key": None} if base else quoted(asserted["base"], "base")
        return Claim(name, case, {"share_pct": pct, "count": count, "base": base, "min_base": evidence.MIN_BASE},
                     f"{count} of {base} {group} answered {item} = {answer} ({pct:.1f}%)", (asserted,))
    return compute


BAND_CASES = ("none", "few", "minority", "about_half", "half", "most", "almost_all", "all", "small_base", "no_base")


def stat_claim(name: str, group: str, item: str, table: str, cases=("stated", "few_answers", "none"), decimals: int = 1):
    """Numbers of a numeric item (mean, min, max, median): 'stated' when at least evidence.MIN_BASE
    answered, 'few_answers' (the count alone: a mean of a few is one person's answer, nearly), else 'none'."""
    @claim(name, table, cases=cases)
    def compute(tables: Tables) -> Claim:
        stats = tables[table]
        rows = where(group=group, item=item)
        row = stats[(stats["group"] == group) & (stats["item"] == item)].iloc[0]
        n = int(row["n"])
        values = {"n": n, "min_base": evidence.MIN_BASE}
        asserts = [quoted(ref(table, "n", n, rows), "n")]
        case = "none" if not n else "few_answers" if n < evidence.MIN_BASE else "stated"
        if case == "stated":
            values |= {"mean": round(float(row["mean"]), decimals), "median": whole(row["median"]),
                       "min": whole(row["min"]), "max": whole(row["max"])}
            asserts += [quoted(ref(table, c, row[c], rows)) for c in ("mean", "median", "min", "max")]
            asserts.append(relation(ref(table, "n", n, rows), ">=", evidence.MIN_BASE))  # a mean of enough answers
        return Claim(name, case, values, f"{item} of {group}: n = {n}" + (f", mean {row['mean']:.2f}" if n else ""),
                     tuple(asserts))
    return compute


def shares_claim(name: str, group: str, item: str, answers: dict[str, str], table: str):
    """Several answers of an item as the text quotes them ({key:share}: a percentage, or the counts
    when the base is too small for one): 'stated' when anyone answered, else 'none'."""
    @claim(name, table, cases=("stated", "none"))
    def compute(tables: Tables) -> Claim:
        values, asserts = {}, []
        for key, answer in answers.items():
            values[key], asserted = survey_share(tables, group, item, answer, words=False)
            asserts.append(asserted)
        base = next(iter(values.values()))["base"]
        return Claim(name, "stated" if base else "none", values,
                     f"{item} of {group}: " + ", ".join(f"{k} {v['count']} of {v['base']}" for k, v in values.items()),
                     tuple(asserts) if base else (quoted(ref(table, "base", 0, where(group=group, item=item), agg="max")),))
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


PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?(?::(\w+))?\}")
FIELD = re.compile(r"\{@(\w+)\}")


def template(name: str, case: str, lang: str) -> str:
    """The claim's sentence for the case: its own, or for a share in words (band claims) the
    `bands` sentence with the claim's subject and verb (`band` fields) put in."""
    entry = _sentences()["claims"][name]
    if case in entry:
        return entry[case][lang]
    if "band" in entry and case in _sentences()["bands"]:
        fields = entry["band"][lang]
        return FIELD.sub(lambda m: fields[m.group(1)], _sentences()["bands"][case][lang])
    raise KeyError(f"{SENTENCES}: claim {name} has no sentence for the case {case!r}")


def sentence(claim: Claim, lang: str, markdown: bool = False) -> str:
    """The claim's sentence for the edition, its placeholders filled, its first letter a capital.
    markdown: for a Markdown document, the filled-in text (names from the data) escaped, so that
    it reads as text whatever it holds; the sentence's own wording (claims.yml) is the editors'."""
    def filled(m: re.Match) -> str:
        if m.group(1) not in claim.values:  # a typo in the sentence: said where it is, not as a KeyError
            raise ValueError(f"{SENTENCES}: claim {claim.name}, case {claim.case}, {lang}: the sentence names "
                             f"{{{m.group(1)}}}, which the claim does not give; it gives {', '.join(sorted(claim.values))}")
        text = fill(claim.values, m.group(1), m.group(2), lang, m.group(3))
        return formatting.markdown_text(text) if markdown else text

    text = PLACEHOLDER.sub(filled, template(claim.name, claim.case, lang))
    return text[:1].upper() + text[1:]


def fill(values: dict, key: str, noun: str | None, lang: str, of: str | None = None) -> str:
    """One placeholder: a count with its noun (`{n:case}`), a share or its counts (`{x:share:noun}`),
    a share (`_pct`), a name, a list of names or a direction (`up`/`down`/`same`, words of the
    sentences file), a number."""
    value = values[key]
    if noun == "share":  # '54,4% физических лиц' / '3 из 7 физических лиц' (a base too small for a share)
        return share_text(value, lang, of)
    if of == "form":  # {cases:described:form}: the word that agrees with the count, alone ('описано')
        return formatting.plural(value, lang, noun_forms(noun, lang))
    if noun and noun.isdigit():  # {risk:2}: a number with 2 decimals
        return formatting.number(value, lang, int(noun))
    if noun in _sentences()["words"]:  # {threats:direction_pl}: the word for the value
        return _sentences()["words"][noun][value][lang]
    if noun:  # a fraction takes the genitive singular after "из", "до", "не меньше" ('7,5 года')
        return formatting.counted(value, lang, noun_forms(noun, lang), fraction_form=0 if noun.endswith("_genitive") else 1)
    if key.endswith("_pct"):
        return formatting.percent(value, lang)
    if isinstance(value, dict):
        return value[lang]
    if isinstance(value, list):
        return formatting.joined([v[lang] if isinstance(v, dict) else str(v) for v in value], lang)
    if isinstance(value, float):
        return formatting.number(value, lang, 1)
    return formatting.number(value, lang) if isinstance(value, int) else str(value)


def share_text(value: dict, lang: str, noun: str | None) -> str:
    """A survey share {count, base, pct} with the noun of its base: its percentage when the base
    allows one ('54,4% физических лиц', '54.4% of individuals'), else the counts ('3 из 7
    физических лиц', '1 из 1 физического лица', '3 of 7 individuals'); the noun's forms are the
    genitive ones in Russian (`<noun>_genitive` of the nouns, when there is one)."""
    forms = noun_forms(f"{noun}_genitive" if f"{noun}_genitive" in _sentences()["nouns"] else noun, lang) if noun else None
    if evidence.speakable(value["count"], value["base"]):
        text = formatting.percent(value["pct"], lang)
        if not forms:
            return text
        return f"{text} {forms[-1]}" if lang == "ru" else f"{text} of {forms[-1]}"
    counts = f"{formatting.number(value['count'], lang)} {'из' if lang == 'ru' else 'of'} {formatting.number(value['base'], lang)}"
    return f"{counts} {formatting.plural(value['base'], lang, forms)}" if forms else counts


def show(tables: Tables, *names: str, lang: str = "ru"):
    """Claims' sentences in a notebook, computed from the notebook's tables; the data's text in them
    (names) is shown as text, never read as Markdown."""
    from IPython.display import Markdown

    return Markdown(" ".join(sentence(CLAIMS[name][1](tables), lang, markdown=True) for name in names))
