"""The codebooks: data contracts of the raw files (pipeline/schemas/*.yml) and their documentation.

`load_codebook(name)` gives the contract that pipeline.validation enforces (and, for the survey,
which items Parts I and II summarise); `render_markdown()` writes data/raw/CODEBOOK.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.paths import SCHEMAS_DIR
from pipeline.yamlfiles import read_yaml

# The raw data of a period, in the order files are read (a file's references point backwards).
CODEBOOKS = ("survey", "incidents", "media", "assessments")


@dataclass(frozen=True)
class Column:
    name: str
    files: tuple[str, ...]
    type: str
    ru: str
    en: str
    question: str
    codes: str | None = None
    min: float | None = None
    max: float | None = None
    required: bool = True
    only_when: dict | None = None
    pattern: str | None = None
    ref: str | None = None  # "<file>.<column>" for type ref
    part: str | None = None
    summary: str | None = None
    item: str | None = None  # for summary: multi
    answer: str | None = None  # for summary: multi
    regions: bool = False  # place: a region's name or code places the row in a region only (no city)
    may_be_absent: bool = False  # the column may be left out of the file (then all its cells are empty)

    @property
    def item_name(self) -> str:
        return self.item or self.name

    def applies_when(self) -> tuple[str, tuple[str, ...]] | None:
        """(other column, values) for which this column is answered, if conditional."""
        if not self.only_when:
            return None
        (other, wanted), = self.only_when.items()
        return other, tuple(wanted) if isinstance(wanted, list) else (str(wanted),)


@dataclass(frozen=True)
class RawFile:
    key: str
    file: str
    ru: str
    en: str
    id_prefix: str | None = None
    primary_key: tuple[str, ...] = ()
    columns: tuple[Column, ...] = field(default=())
    referenced_by: str | None = None  # "<file>.<column>" that must name every row's key at least once
    referenced_by_why: str = ""  # the reason, in the words of the messages and CODEBOOK.md

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Codebook:
    name: str
    codes: dict[str, dict[str, dict[str, str]]]
    derived_answers: dict[str, dict[str, dict]]
    files: dict[str, RawFile]
    personal_columns: tuple[dict, ...]

    @property
    def personal_names(self) -> frozenset[str]:
        return frozenset(c["name"] for c in self.personal_columns)

    def label(self, codes: str, code: str, lang: str = "ru") -> str:
        if codes in self.codes and code in self.codes[codes]:
            return self.codes[codes][code][lang]
        derived = self.derived_answers.get(codes, {}).get(code)
        return derived[lang] if derived else code


@lru_cache(maxsize=None)
def load_codebook(name: str = "survey") -> Codebook:
    spec = read_yaml(SCHEMAS_DIR / f"{name}.yml")
    columns = [Column(**{**c, "files": tuple(c["files"])}) for c in spec["columns"]]
    files = {}
    for key, meta in spec["files"].items():
        own = tuple(c for c in columns if key in c.files)
        ids = [c.name for c in own if c.type == "id"]
        primary_key = tuple(meta.pop("primary_key", ids))
        files[key] = RawFile(key=key, **meta, primary_key=primary_key, columns=own)
    return Codebook(
        name=name,
        codes=spec.get("codes") or {},
        derived_answers=spec.get("derived_answers", {}),
        files=files,
        personal_columns=tuple(spec.get("personal_columns", [])),
    )


def all_files() -> dict[str, tuple[Codebook, RawFile]]:
    """Every raw file of a period: key -> (its codebook, its contract), in reading order."""
    return {key: (book, raw) for name in CODEBOOKS for book in [load_codebook(name)] for key, raw in book.files.items()}


def _allowed(book: Codebook, raw: RawFile, c: Column) -> str:
    if c.type == "code":
        if c.codes == "division":
            return "ISO 3166-2 codes of the period's division"
        if c.codes.startswith("reference/"):
            return f"ids of `data/raw/{c.codes}.csv`"
        return ", ".join(f"`{k}`" for k in book.codes[c.codes])
    if c.type in ("integer", "number"):
        return f"{c.type} {c.min:g} to {c.max:g}"
    return {
        "id": f"`{raw.id_prefix}-` and digits, unique",
        "date": "a day of the period, YYYY-MM-DD",
        "place": "a name of `data/raw/reference/gazetteer.csv`" + (
            "; or a region's name (`Алматинская область`, `Ақмола облысы`, `Akmola region`) or ISO 3166-2 code "
            "(`KZ-AKM`, `KZ-11`): the row is counted in its region, not in city tables" if c.regions else ""),
        "ref": f"a `{c.ref}` of its file",
        "label": f"matching `{c.pattern}`",
        "wave": "a wave number of period.yml",
    }[c.type]


def render_markdown() -> str:
    """Human-readable codebook of every raw file: one table per file, then personal data and codes."""
    out = ["# Codebook of the raw data of a period", "",
           "Generated from `pipeline/schemas/*.yml` by `hrd-bulletin codebook`; edit the YAML, not this file.",
           "Each file has one header row, the column names below. Missing answers (item non-response) are empty "
           "cells. Codes are case-insensitive on input.", "",
           "## Accepted file formats", "",
           "A period's folder `data/raw/<period id>/` holds, beside `period.yml`, each file of this codebook once "
           "(`hrd-bulletin validate <period id>` checks them), as one of:", "",
           "- a **CSV text file** `incidents_cases.csv` (the name in any letter case): UTF-8, with or without a "
           "byte-order mark (Excel's \"CSV UTF-8 (comma delimited)\"), separated by `,`, `;` (Excel's \"CSV\" in a "
           "Russian locale) or tab; UTF-16 with its byte-order mark (Excel's \"Unicode text\", tab separated); "
           "Windows-1251 is read with a warning;",
           "- an **Excel workbook of its own**, `incidents_cases.xlsx` (or `.xlsm`): its only sheet, or the sheet "
           "named `incidents_cases`;",
           "- a **sheet of the period's workbook** `<period id>.xlsx`, named as the file without `.csv` "
           "(`incidents_cases`, ...); its other sheets are never read. `hrd-bulletin template <period id>` writes "
           "such a workbook for observers to fill in, with these columns, drop-down lists of the codes and places, "
           "and a first sheet explaining every column; it is written as `<period id>.template.xlsx`, a name never "
           "read as data, and handed in as `<period id>.xlsx` once filled.", "",
           "A file given twice (a CSV and a sheet) is refused, naming both. In workbooks, cell values are read, not "
           "formulas; date cells are days. A decimal comma (`3,5`) is read in workbooks and in `;`- or "
           "tab-separated files; days may be written YYYY-MM-DD or DD.MM.YYYY. Refused, with what to save them as: "
           "Excel 97-2003 `.xls`, `.xlsb`, OpenDocument `.ods`, Numbers files, workbooks with a password, text in "
           "other encodings. Personal-data columns (listed under each codebook) may be present and are dropped when "
           "a file is read; other files in the folder (scans, notes) are never read.", "",
           "Place names are looked up in `data/raw/reference/gazetteer.csv`; case, `ё`/`е`, quotes, dashes, a space "
           "for a hyphen, Kazakh letters typed as Russian ones, a Latin `i` for `і`, `г.`, `қ.`, `қаласы` do not "
           "matter. A name two places bear (`data/raw/reference/ambiguous_places.csv`: `Аксай`, `Шевченко`, "
           "`Никольский`) needs the row's `oblast`; without it the name is refused, naming both places. Region codes "
           "may be the letter codes of the division or the numeric ISO 3166-2:KZ codes in force since 2020 "
           "(`KZ-75`; `data/raw/reference/divisions/<division>_codes.csv`).", ""]
    for name in CODEBOOKS:
        book = load_codebook(name)
        for raw in book.files.values():
            required_rows = ""
            if raw.referenced_by:
                other_file, other_column = raw.referenced_by.split(".")
                required_rows = (f" Every `{raw.primary_key[0]}` appears in at least one row of "
                                 f"`{book.files[other_file].file}` (column `{other_column}`): {raw.referenced_by_why}.")
            out += [f"## `{raw.file}`: {raw.en}", "",
                    f"{raw.ru}. Key: {', '.join(f'`{k}`' for k in raw.primary_key)}.{required_rows}", "",
                    "| column | type | allowed values | answer required | meaning (ru) | meaning (en) | question |",
                    "|---|---|---|---|---|---|---|"]
            for c in raw.columns:
                condition = c.applies_when()
                required = (f"when {condition[0]} is {' or '.join(condition[1])}" if condition
                            else "no; the column may be left out" if c.may_be_absent else "yes" if c.required else "no")
                out.append(f"| `{c.name}` | {c.type} | {_allowed(book, raw, c)} | {required} | {c.ru} | {c.en} | {c.question} |")
            out.append("")
        if book.personal_columns:
            files = ", ".join(f"`{r.file}`" for r in book.files.values())
            out += [f"### Personal data that {files} may carry", "",
                    "These columns are personal data. They may stay in the observers' raw files, are dropped "
                    "when a file is read, and nothing published is derived from them.", "",
                    "| column | meaning (ru) | meaning (en) |", "|---|---|---|"]
            out += [f"| `{c['name']}` | {c['ru']} | {c['en']} |" for c in book.personal_columns]
            out.append("")
        if book.codes:
            out += [f"### Code lists of {name}", ""]
            for code_list, values in book.codes.items():
                out.append(f"- **{code_list}**: " + "; ".join(f"`{k}` {v['en']} / {v['ru']}" for k, v in values.items()))
            out.append("")
    return "\n".join(out)
