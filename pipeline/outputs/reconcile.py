"""Reconciliation: every published figure of a bulletin beside the figure recomputed from the
processed tables, whether they agree, and why not when they do not.

The recomputation reads only processed tables (never the raw data), so the reconciliation checks
what is published. Where each figure comes from is data: pipeline/published_figures.map.yml.
The published figures are published_figures.yml and, when present, published_matrix.csv (the
bulletin's threat-type x city matrix, compared cell by cell).
"""
from __future__ import annotations

import fnmatch
from pathlib import Path

import pandas as pd

from pipeline.data.figures import agrees, leaves, load_published
from pipeline.parts import dynamics, incidents, media
from pipeline.yamlfiles import read_yaml

# The parts whose statements the bulletin makes in words ("mostly journalists"): a map entry
# `check: <part>.<function>` names a function of the part that checks one (imported here, not
# looked up at run time, so the reconciliation's code is known: pipeline.run.steps).
PARTS_WITH_CHECKS = {"incidents": incidents, "media": media, "dynamics": dynamics}

MAP_PATH = Path(__file__).with_name("published_figures.map.yml")
COLUMNS = ["figure", "title_ru", "title_en", "published", "recomputed", "agrees", "status", "reason_ru", "reason_en",
           "basis", "note"]
STAT_KEYS = {"mean", "min", "max", "median"}


def load_map(path: Path = MAP_PATH) -> dict[str, dict]:
    return read_yaml(path)


def load_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """All processed tables of a run folder (data/processed/<period>/ or a staging folder)."""
    return {p.stem: pd.read_parquet(p) for p in sorted((Path(folder) / "tables").glob("*.parquet"))}


def published_tree(period) -> dict:
    """The period's published figures: published_figures.yml plus the matrix as incidents_matrix."""
    tree = load_published(period.published_figures_path)
    matrix_path = period.published_matrix_path
    if matrix_path.exists():
        matrix = pd.read_csv(matrix_path).set_index("threat_type")
        tree["incidents_matrix"] = {t: {c: int(n) for c, n in row.items()} for t, row in matrix.iterrows()}
    return tree


# Keys of published_figures.yml that are not figures: the period's id, and the bulletin's content
# that no table can reproduce, with why (listed in the bulletin's appendix).
NOT_FIGURES = ("period", "not_reproduced")


def figures_of(published: dict) -> dict:
    """The published figures of a published_figures.yml tree, without its other keys."""
    return {k: v for k, v in published.items() if k not in NOT_FIGURES}


def not_reproduced(period) -> list[dict]:
    """The bulletin's elements that the period's data cannot reproduce: [{element: {ru, en}, why: {ru, en}}]."""
    if not period.published_figures_path.exists():
        return []
    return list(load_published(period.published_figures_path).get("not_reproduced") or [])


def write_for_run(folder: Path, period, into: Path | None = None) -> pd.DataFrame | None:
    """reconciliation.csv of the tables of a run folder, written into `into` (default: the folder),
    when the period's raw folder holds published figures."""
    if not period.published_figures_path.exists():
        return None
    frame = reconcile(published_tree(period), load_tables(folder))
    target = Path(into or folder)
    target.mkdir(parents=True, exist_ok=True)
    frame.to_csv(target / "reconciliation.csv", index=False, encoding="utf-8", lineterminator="\n")
    return frame


def run_step(run, into: Path, record) -> None:
    """The run's step `reconciliation` (pipeline/steps.yml)."""
    write_for_run(run.folder, run.period, into=into)


def step_summary(run, record) -> str:
    path = run.folder / "reconciliation.csv"
    if not path.exists():
        return "no published figures for this period: nothing to reconcile"
    return f"reconciliation with the published figures: {summary(pd.read_csv(path, keep_default_na=False))}"


def summary(frame: pd.DataFrame) -> str:
    counts = frame["status"].value_counts()
    return ", ".join(f"{status}: {counts.get(status, 0)}" for status in ("agrees", "disagrees", "missing", "not_recomputed"))


def reconcile(published: dict, tables: dict[str, pd.DataFrame], figure_map: dict | None = None) -> pd.DataFrame:
    figure_map = load_map() if figure_map is None else figure_map
    shares = _concat(tables, "_shares")
    stats = _concat(tables, "_stats")
    rows = []
    for path, value, notes in leaves(figures_of(published)):
        row = {"figure": path, "published": _as_text(value), "recomputed": "", "agrees": pd.NA,
               "status": "not_recomputed", "basis": "", "note": "; ".join(f"{v}" for v in notes.values()),
               "reason_ru": "", "reason_en": ""}
        source, stat = _find(figure_map, path)
        row.update(title(path, source, stat, tables))
        if source is None:
            row["basis"] = "no recomputation defined for this figure"
            rows.append(row)
            continue
        try:
            if "check" in source:
                recomputed, ok, basis = _check(source, tables, value)
            else:
                if not isinstance(value, (int, float)) and "ranking" not in source:
                    raise LookupError(f"a {type(value).__name__} cannot be compared with a number")
                recomputed, basis = _recompute(source, stat, tables, shares, stats)
                ok = _agrees(value, recomputed)
        except LookupError as exc:
            row.update(status="missing", basis=str(exc))
        else:
            row.update(recomputed=_as_text(recomputed), agrees=bool(ok), status="agrees" if ok else "disagrees", basis=basis)
            if not ok:
                row.update(reason(source, stat, value, recomputed, tables, published))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["agrees"] = frame["agrees"].astype("boolean")
    return frame


def _agrees(published, recomputed) -> bool:
    if isinstance(published, list):
        return list(published) == list(recomputed)
    return agrees(published, recomputed)


def _concat(tables: dict[str, pd.DataFrame], suffix: str) -> pd.DataFrame:
    parts = [t for name, t in tables.items() if name.endswith(suffix)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _find(figure_map: dict, path: str) -> tuple[dict | None, str]:
    """The map entry for a figure: its full path first, else its parent with the last key as stat."""
    parent, _, last = path.rpartition(".")
    for candidate, stat in ((path, None), (parent, last)):
        for pattern, source in figure_map.items():
            captured = _match(pattern, candidate)
            if captured is None:
                continue
            keys = source.get("keys", {})
            captured = [keys.get(c, c.lower() if keys.get("lower") else c) for c in captured]
            return _fill(source, captured), source.get("stat", stat)
    return None, last


def _match(pattern: str, path: str) -> list[str] | None:
    a, b = pattern.split("."), path.split(".")
    if len(a) != len(b) or not all(fnmatch.fnmatchcase(y, x) for x, y in zip(a, b)):
        return None
    return [y for x, y in zip(a, b) if x == "*"]


def _fill(source, captured: list[str]):
    if isinstance(source, dict):
        return {k: _fill(v, captured) for k, v in source.items()}
    if isinstance(source, str):
        for n, value in enumerate(captured, start=1):
            source = source.replace(f"{{{n}}}", value)
    return source


def _table(tables, name: str) -> pd.DataFrame:
    if name not in tables:
        raise LookupError(f"table {name} was not produced")
    return tables[name]


def _where(frame: pd.DataFrame, where: dict) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        if column not in frame.columns:
            raise LookupError(f"no column {column}")
        mask &= frame[column] == value
    return frame[mask]


def _check(source: dict, tables, value):
    part, _, function = source["check"].partition(".")
    if part not in PARTS_WITH_CHECKS or not hasattr(PARTS_WITH_CHECKS[part], function):
        raise LookupError(f"check {source['check']}: expected <part>.<function> of {', '.join(PARTS_WITH_CHECKS)}")
    check = getattr(PARTS_WITH_CHECKS[part], function)
    try:
        recomputed, ok, basis = check(tables, value, **source.get("args", {}))
    except KeyError as exc:
        raise LookupError(f"{source['check']}: table {exc} was not produced") from exc
    return recomputed, bool(ok), basis


def _recompute(source: dict, stat: str, tables, shares: pd.DataFrame, stats: pd.DataFrame):
    where = source.get("where", {})
    for kind in ("total", "min", "max"):
        if kind in source:
            table, column = source[kind].split("/")
            rows = _where(_table(tables, table), where)
            value = {"total": rows[column].sum, "min": rows[column].min, "max": rows[column].max}[kind]()
            described = ", ".join(f"{k} = {v}" for k, v in where.items())
            return float(value), f"{kind} of {table}.{column}" + (f" where {described}" if described else f" over {len(rows)} rows")
    if "value" in source:
        rows = _where(_table(tables, source["value"]), where)
        if len(rows) != 1:
            raise LookupError(f"{source['value']} where {where}: {len(rows)} rows, expected 1")
        column = source["columns"][stat] if "columns" in source else source["column"]
        return float(rows[column].iloc[0]), f"{source['value']}.{column} where " + ", ".join(f"{k} = {v}" for k, v in where.items())
    if "ranking" in source:
        table, column = source["ranking"].split("/")
        ranked = _table(tables, table).sort_values(["rank", column])
        aliases = source.get("aliases", {})
        top = [aliases.get(x, x) for x in ranked[column].head(source["top"])]
        counts = ranked.select_dtypes("number").drop(columns="rank").iloc[:, 0].head(source["top"] + 1)
        return top, f"{table} by rank: " + ", ".join(f"{x} {n}" for x, n in zip(ranked[column], counts))
    if "shares" in source:
        group, item, answer = source["shares"].split("/")
        row = _one(shares, f"shares row {group}/{item}/{answer}", group=group, item=item, answer=answer)
        count, base = int(row["count"]), int(row["base"])
        basis = f"{count} of {base} {group} answering {item} = {answer}"
        if stat == "count":
            return count, basis
        if stat == "pct":
            return 100 * count / base, basis
        raise LookupError(f"a shares row has no statistic '{stat}'")
    group, item = source["stats"].split("/")
    row = _one(stats, f"stats row {group}/{item}", group=group, item=item)
    if stat not in STAT_KEYS:
        raise LookupError(f"a stats row has no statistic '{stat}'")
    return float(row[stat]), f"{stat} over {int(row['n'])} {group} ({row['population']}) of {item}"


def _one(frame: pd.DataFrame, what: str, **where) -> pd.Series:
    if frame.empty:
        raise LookupError(f"{what}: no such table was produced")
    found = _where(frame, where)
    if len(found) != 1:
        raise LookupError(f"{what}: {len(found)} rows found, expected 1")
    return found.iloc[0]


def _as_text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{round(value, 4):g}"
    return str(value)


# --- titles and reasons in the edition's language -------------------------------------------------
# A reader of the appendix sees each figure by its title, not its path in published_figures.yml,
# and, where a figure cannot be met, why, in words computed from the published figures and this
# run's tables (so a reason never outlives the data that made it true).
STAT_WORDS = {"pct": ("доля, %", "share, %"), "count": ("число", "count"), "mean": ("среднее", "mean"),
              "median": ("медиана", "median"), "min": ("минимум", "minimum"), "max": ("максимум", "maximum"),
              "rank": ("место", "rank")}
GROUP_WORDS = {"individuals": ("физические лица", "individuals"), "organizations": ("НПО", "NGOs"),
               "all": ("все респонденты", "all respondents")}
COLUMN_WORDS = {"violations": ("нарушения", "violations"), "share_pct": ("доля, %", "share, %"), "rank": ("место", "rank"),
                "share_of_type_pct": ("доля в виде угроз, %", "share of the type, %"), "cases": ("случаи", "cases"),
                "cases_covered": ("случаи, освещённые за квартал", "cases covered per quarter")}
NAMED_BY = {"threat_type": "incidents_by_type", "hrd_category": "incidents_by_hrd_category", "city": "incidents_by_city",
            "source": "incidents_by_source", "measure": None, "figure": None, "response": None, "name_en": "incidents_by_city"}


def _names(tables: dict[str, pd.DataFrame], key: str, value) -> tuple[str, str]:
    """The Russian and English name of a code (a threat type, a category, a city, a measure)."""
    if key in ("measure", "figure"):
        for table in tables.values():
            if key in table.columns and "label_ru" in table.columns and (table[key] == value).any():
                row = table[table[key] == value].iloc[0]
                return row["label_ru"], row["label_en"]
    table = tables.get(NAMED_BY.get(key) or "")
    if table is not None and key in table.columns and (table[key] == value).any():
        row = table[table[key] == value].iloc[0]
        return row["name_ru"], row["name_en"]
    words = {"ignored": ("государство проигнорировало", "ignored by the state"), True: ("всего", "in all")}
    return words.get(value, (str(value), str(value)))


def _table_titles(name: str) -> tuple[str, str]:
    from pipeline.outputs.datapackage import table_titles

    title = table_titles().get(name, f"{name} / {name}")
    english, _, russian = title.partition(" / ")
    return russian or english, english


def title(path: str, source: dict | None, stat: str | None, tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """title_ru and title_en of a published figure, from where it is recomputed."""
    parts: list[tuple[str, str]] = []
    if source is None:
        parts = [(path, path)]
    elif "title" in source:
        parts = [(source["title"]["ru"], source["title"]["en"])]
    elif "shares" in source or "stats" in source:
        group, item, *answer = (source.get("shares") or source["stats"]).split("/")
        table = _concat(tables, "_shares" if "shares" in source else "_stats")
        rows = table[(table["item"] == item) & (table["group"] == group)] if len(table) else table
        if answer and len(rows):
            rows = rows[rows["answer"] == answer[0]]
        if len(rows):
            row = rows.iloc[0]
            parts.append((row["item_ru"], row["item_en"]))
            if answer:
                parts.append((row["answer_ru"], row["answer_en"]))
        parts.append(GROUP_WORDS.get(group, (group, group)))
        if stat in STAT_WORDS:
            parts.append(STAT_WORDS[stat])
    elif "ranking" in source:
        table = source["ranking"].split("/")[0]
        ru, en = _table_titles(table)
        parts = [(ru.split(": ", 1)[-1], en.split(": ", 1)[-1]), (f"первые {source['top']}", f"the first {source['top']}")]
    else:
        spec = source.get("value") or next(source[k] for k in ("total", "min", "max") if k in source)
        table = spec.split("/")[0]
        where = {k: v for k, v in source.get("where", {}).items() if k != "in_bulletin_matrix"}
        ru, en = _table_titles(table)
        named = [_names(tables, k, v) for k, v in where.items()]
        if not (named and table in ("incidents_summary", "media_summary", "period_headlines")):
            parts.append((ru.split(": ", 1)[-1], en.split(": ", 1)[-1]))
        parts += named
        column = (source.get("columns", {}).get(stat) if "columns" in source else source.get("column")) or spec.partition("/")[2]
        if column in COLUMN_WORDS and column != "value":
            parts.append(COLUMN_WORDS[column])
        for kind in ("min", "max"):
            if kind in source:
                parts.append(STAT_WORDS[kind])
    return {"title_ru": "; ".join(p[0] for p in parts), "title_en": "; ".join(p[1] for p in parts)}


def reason(source: dict, stat: str | None, published, recomputed, tables: dict[str, pd.DataFrame],
           published_tree: dict) -> dict[str, str]:
    """reason_ru and reason_en of a figure that cannot be met, computed by the kind the map names
    (`why:`): a row or a column of the bulletin's own matrix, or the types that rank above."""
    why = source.get("why")
    kind = why.get(stat) if isinstance(why, dict) else why
    if kind is None:
        return {"reason_ru": f"опубликовано {published}, пересчитано {_as_text(recomputed)}",
                "reason_en": f"published {published}, recomputed {_as_text(recomputed)}"}
    return REASONS[kind](source, published, recomputed, tables, published_tree.get("incidents_matrix", {}))


def _matrix_row(source, published, recomputed, tables, matrix) -> dict[str, str]:
    threat_type = source["where"]["threat_type"]
    ru, en = _names(tables, "threat_type", threat_type)
    row_sum = sum(matrix.get(threat_type, {}).values())
    if row_sum == recomputed:
        return {"reason_ru": f"текст бюллетеня говорит {published}, но строка «{ru}» его же матрицы даёт {row_sum}; "
                             "пересчёт следует матрице, самой подробной таблице",
                "reason_en": f"the bulletin's text says {published}, but its own matrix row \"{en}\" sums to {row_sum}; "
                             "the recomputation follows the matrix, the most detailed table"}
    return {"reason_ru": f"строка «{ru}» матрицы бюллетеня даёт {row_sum}, текст — {published}, пересчёт — {_as_text(recomputed)}",
            "reason_en": f"the matrix row \"{en}\" sums to {row_sum}, the text says {published}, the recomputation gives "
                         f"{_as_text(recomputed)}"}


def _rank_above(source, published, recomputed, tables, matrix) -> dict[str, str]:
    threat_type = source["where"]["threat_type"]
    ranked = tables["incidents_by_type"]
    mine = int(ranked.loc[ranked["threat_type"] == threat_type, "violations"].iloc[0])
    above = ranked[ranked["violations"] > mine].sort_values("violations", ascending=False)
    listed = {lang: ", ".join(f"«{r[f'name_{lang}']}» ({r['violations']})" for _, r in above.iterrows()) for lang in ("ru", "en")}
    return {"reason_ru": f"по записям о нарушениях выше стоят: {listed['ru']}; место — {_as_text(recomputed)}, не {published}",
            "reason_en": f"in the records of violations these rank above it: {listed['en']}; it is {_as_text(recomputed)}, "
                         f"not {published}"}


def _matrix_column(source, published, recomputed, tables, matrix) -> dict[str, str]:
    cities = tables["incidents_by_city"]
    row = cities[cities["name_en"] == source["where"]["name_en"]].iloc[0]
    column = sum(counts.get(row["city"], 0) for counts in matrix.values())
    if column > published:
        return {"reason_ru": f"только виды угроз, показанные в матрице бюллетеня, дают городу «{row['name_ru']}» {column} "
                            f"нарушений, больше {published} в тексте: цифру текста получить нельзя",
                "reason_en": f"the threat types of the bulletin's matrix alone give {row['name_en']} {column} violations, "
                             f"more than the {published} of the text: the text's figure cannot be met"}
    return {"reason_ru": f"матрица бюллетеня даёт городу «{row['name_ru']}» {column} нарушений, остальные "
                         f"{int(recomputed) - column} — виды угроз, которых матрица не показывает",
            "reason_en": f"the bulletin's matrix gives {row['name_en']} {column} violations, the other "
                         f"{int(recomputed) - column} are of threat types the matrix does not show"}


REASONS = {"matrix_row": _matrix_row, "rank": _rank_above, "matrix_column": _matrix_column}
