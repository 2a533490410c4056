"""Parts I and II of the bulletin: the questionnaire of HRDs summarised.

Pure functions from the validated raw tables (pipeline.io.load_raw) to tidy tables. Which item is
summarised how is read from the codebook (pipeline/schemas/survey.yml, key `summary`), so a new
questionnaire item needs a codebook entry, not code.

Groups: `individuals`, `organizations` and, for items asked of both, `all`.
Shares are of those who answered (`base`); `non_response` counts those who did not.
Only aggregates leave this module: no row of a table here describes one respondent.
"""
from __future__ import annotations

import pandas as pd

from pipeline import evidence, formatting
from pipeline.data import privacy
from pipeline.data.codebook import Codebook, Column, load_codebook
from pipeline.data.io import region_names

GROUPS = ("individuals", "organizations")
SHARE_COLUMNS = ["part", "item", "group", "answer", "count", "base", "non_response", "share_pct",
                 "ci_low_pct", "ci_high_pct", "reliability", "item_ru", "item_en", "answer_ru", "answer_en"]
STATS_COLUMNS = ["part", "item", "group", "population", "n", "mean", "sd", "median", "min", "max", "item_ru", "item_en"]


def portrait(raw: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Part I: who the HRDs are (individuals' portrait, NGOs' experience, projects and funding)."""
    return {"shares": item_shares(raw, "I"), "stats": item_stats(raw, "I")}


def security(raw: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Part II: training, protection means, threats and attacks, appeals, coalition."""
    return {"shares": item_shares(raw, "II"), "stats": item_stats(raw, "II")}


def sample_size(raw: dict[str, pd.DataFrame]) -> dict[str, int]:
    sizes = {group: len(raw[group]) for group in GROUPS}
    return {**sizes, "all": sum(sizes.values())}


def respondents_by_oblast(raw: dict[str, pd.DataFrame], division: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Respondents per region of the period's division, every region listed (zero where none).

    Counts from 1 to min_cell - 1 are suppressed, with the counts that would reveal them
    (pipeline.privacy); `suppressed` names the blanked columns of a row. min_cell has no default:
    it is the period's setting, privacy.min_cell(period), which a default would silently ignore."""
    counts = {group: raw[group]["oblast"].value_counts() for group in GROUPS}
    table = region_names(division)
    for group in GROUPS:
        table[group] = table["oblast"].map(counts[group]).fillna(0).astype("int64")
    table["respondents"] = table["individuals"] + table["organizations"]
    table = table.sort_values("oblast", kind="stable").reset_index(drop=True)
    return privacy.suppress_small_cells(table, ["individuals", "organizations"], min_cell, total="respondents")


def _item_label(column: Column, lang: str) -> str:
    text = getattr(column, lang)
    return text.split(":")[0].strip() if column.summary == "multi" else text


def _groups_of(raw, columns: list[Column]):
    """(group name, frame) for each group that has the item, plus `all` when both have it."""
    files = set(columns[0].files)
    groups = [(g, raw[g]) for g in GROUPS if g in files]
    if len(groups) == 2:
        groups.append(("all", pd.concat([raw[g][[c.name for c in columns] + _conditions(columns)]
                                         for g in GROUPS], ignore_index=True)))
    return groups


def _conditions(columns: list[Column]) -> list[str]:
    return [c.applies_when()[0] for c in columns if c.only_when]


def _summarised(book: Codebook, part: str, kinds: tuple[str, ...]) -> list[list[Column]]:
    """Columns of a part grouped by item, in codebook order (a multi item spans several columns)."""
    items: dict[str, list[Column]] = {}
    seen = {}
    for raw_file in book.files.values():
        for column in raw_file.columns:
            if column.part == part and column.summary in kinds and column.name not in seen:
                seen[column.name] = True
                items.setdefault(column.item_name, []).append(column)
    return list(items.values())


def item_shares(raw: dict[str, pd.DataFrame], part: str) -> pd.DataFrame:
    book = load_codebook("survey")
    rows = []
    for columns in _summarised(book, part, ("share", "multi", "events")):
        first = columns[0]
        for group, frame in _groups_of(raw, columns):
            common = {"part": part, "item": first.item_name, "group": group,
                      "item_ru": _item_label(first, "ru"), "item_en": _item_label(first, "en")}
            if first.summary == "multi":
                answered = frame[[c.name for c in columns]].notna().all(axis=1)
                for c in columns:
                    count = int((frame.loc[answered, c.name] == "yes").sum())
                    rows.append({**common, **_share(count, int(answered.sum()), len(frame)),
                                 "answer": c.answer, **_answer_labels(c.ru, c.en)})
            elif first.summary == "events":
                values = frame[first.name].dropna()
                rows.append({**common, **_share(int((values > 0).sum()), len(values), len(frame)),
                             "answer": "at_least_one", "answer_ru": "хотя бы один раз", "answer_en": "at least once"})
            else:
                rows += _code_shares(book, first, frame, common)
    return pd.DataFrame(rows, columns=SHARE_COLUMNS)


def _code_shares(book: Codebook, column: Column, frame: pd.DataFrame, common: dict) -> list[dict]:
    eligible = frame
    if column.only_when:
        other, wanted = column.applies_when()
        eligible = frame[frame[other].isin(wanted).fillna(False)]
    values = eligible[column.name].dropna()
    counts = values.value_counts()
    rows = []
    for code, labels in book.codes[column.codes].items():
        rows.append({**common, **_share(int(counts.get(code, 0)), len(values), len(eligible)),
                     "answer": code, "answer_ru": labels["ru"], "answer_en": labels["en"]})
    for code, derived in book.derived_answers.get(column.codes, {}).items():
        count = int(values.isin(derived["from"]).sum())
        rows.append({**common, **_share(count, len(values), len(eligible)),
                     "answer": code, "answer_ru": derived["ru"], "answer_en": derived["en"]})
    return rows


def _answer_labels(ru: str, en: str) -> dict[str, str]:
    return {"answer_ru": ru.split(":", 1)[-1].strip(), "answer_en": en.split(":", 1)[-1].strip()}


def _share(count: int, base: int, population: int) -> dict:
    """A share with its 95 % Wilson interval and how far its base carries (pipeline/evidence.yml)."""
    low, high = evidence.wilson(count, base)
    return {"count": count, "base": base, "non_response": population - base,
            "share_pct": round(100 * count / base, 4) if base else float("nan"),
            "ci_low_pct": round(low, 4), "ci_high_pct": round(high, 4), "reliability": reliability(base)}


def reliability(base: int) -> str:
    """no_base (nobody answered), too_small (under min_base_words: never put into words), caution
    (under caution_base: a wide interval) or ok."""
    if base <= 0:
        return "no_base"
    return "too_small" if base < evidence.MIN_BASE else "caution" if base < evidence.CAUTION_BASE else "ok"


def item_stats(raw: dict[str, pd.DataFrame], part: str) -> pd.DataFrame:
    book = load_codebook("survey")
    rows = []
    for columns in _summarised(book, part, ("numeric", "events")):
        column = columns[0]
        for group, frame in _groups_of(raw, columns):
            values = frame[column.name].dropna().astype("float64")
            population = "answered"
            if column.summary == "events":
                values, population = values[values > 0], "with_at_least_one"
            rows.append({
                "part": part, "item": column.name, "group": group, "population": population,
                "n": len(values),
                "mean": round(values.mean(), 4) if len(values) else float("nan"),
                "sd": round(values.std(ddof=1), 4) if len(values) > 1 else float("nan"),
                "median": float(values.median()) if len(values) else float("nan"),
                "min": float(values.min()) if len(values) else float("nan"),
                "max": float(values.max()) if len(values) else float("nan"),
                "item_ru": column.ru, "item_en": column.en,
            })
    return pd.DataFrame(rows, columns=STATS_COLUMNS)


def view(shares: pd.DataFrame, item: str, groups=("individuals", "organizations", "all"), lang: str = "ru") -> pd.DataFrame:
    """One item's answers as a small display table: answer, then 'count / base (share%)' per group."""
    rows = shares[(shares["item"] == item) & shares["group"].isin(groups)]
    cells = rows.assign(cell=[_cell(c, b, lang) for c, b in zip(rows["count"], rows["base"])])
    table = cells.pivot_table(index=f"answer_{lang}", columns="group", values="cell", aggfunc="first", sort=False)
    table = table[[g for g in groups if g in table.columns]]
    table.index.name, table.columns.name = rows[f"item_{lang}"].iloc[0], None
    return table


def headline(shares: pd.DataFrame, group: str, item: str, answer: str, lang: str = "ru") -> str:
    """'67 of 79 (84.8%)': one answer's count, base and share, as the bulletin's text quotes it."""
    row = shares[(shares["group"] == group) & (shares["item"] == item) & (shares["answer"] == answer)]
    if len(row) != 1:
        raise KeyError(f"no single share for {group}/{item}/{answer}")
    return _cell(int(row["count"].iloc[0]), int(row["base"].iloc[0]), lang)


def stats_view(stats: pd.DataFrame, items=None, lang: str = "ru") -> pd.DataFrame:
    """Numeric items as a display table: n, mean, median, min, max per item and group."""
    rows = stats if items is None else stats[stats["item"].isin(items)]
    table = rows.set_index([f"item_{lang}", "group"])[["n", "mean", "median", "min", "max"]]
    return table.round({"mean": 1})


def _cell(count: int, base: int, lang: str) -> str:
    share = formatting.percent(100 * count / base, lang) if base else "-"
    return f"{count} {'из' if lang == 'ru' else 'of'} {base} ({share})"
