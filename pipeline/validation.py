"""Check raw files against their contracts in the codebooks and return them typed.

Every problem is collected and raised together (pipeline.errors.InputError), each naming file,
row, column, value and what was expected: an observer fixes a file in one pass.
Row numbers are those a spreadsheet shows: the header is row 1, the first data row 2.
"""
from __future__ import annotations

import datetime as dt
import difflib
import io
import re
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from pipeline.codebook import Codebook, Column, RawFile
from pipeline.errors import InputError, Problem
from pipeline.gazetteer import Gazetteer
from pipeline.periods import Period

INTEGER = re.compile(r"^[+-]?\d+$")
DAY_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")


@dataclass
class Context:
    """What a raw file is checked against besides its codebook: the period and the reference data."""

    period: Period
    reference_dir: Path
    division_codes: set[str]
    _reference: dict[str, set[str]] = field(default_factory=dict)

    @cached_property
    def gazetteer(self) -> Gazetteer:
        return Gazetteer.load(self.reference_dir, self.period.division)

    def reference_codes(self, name: str) -> set[str]:
        if name not in self._reference:
            table = pd.read_csv(self.reference_dir / f"{name}.csv", dtype=str, keep_default_na=False)
            self._reference[name] = set(table["id"])
        return self._reference[name]

    def codes(self, book: Codebook, column: Column) -> set[str]:
        if column.codes == "division":
            return self.division_codes
        if column.codes.startswith("reference/"):
            return self.reference_codes(column.codes.split("/", 1)[1])
        return set(book.codes[column.codes])


class InputWarning(UserWarning):
    """Input that was accepted, but that a person should fix (shown on stderr)."""


EXCEL_SIGNATURES = {b"PK\x03\x04": "an Excel workbook (.xlsx)", b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls)"}


def read_text(path: Path) -> str:
    """Text of a raw CSV file: UTF-8 (a byte-order mark is dropped) or, failing that, Windows-1251,
    the encoding of Excel's Russian "CSV" exports (accepted with a warning)."""
    if not path.exists():
        siblings = sorted(p.name for p in path.parent.glob(f"{path.stem}.*") if p.suffix.lower() in (".xlsx", ".xls", ".ods"))
        hint = f"; found {', '.join(siblings)}: save it as 'CSV UTF-8' under the name {path.name}" if siblings else ""
        raise InputError([Problem(str(path), None, None, None, f"this file to exist{hint}")])
    data = path.read_bytes()
    for signature, kind in EXCEL_SIGNATURES.items():
        if data.startswith(signature):
            raise InputError([Problem(str(path), None, None, kind,
                                      "a CSV text file: open it in Excel and save it as 'CSV UTF-8 (comma delimited)'")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            text = None
        if text is not None and re.search("[А-Яа-яЁё]", text) and not re.search("[\x00-\x08\x0e-\x1f]", text):
            warnings.warn(f"{path}: not UTF-8; read as Windows-1251 (cp1251). Save it as 'CSV UTF-8' to be sure.",
                          InputWarning, stacklevel=2)
            return text
        line = data[: exc.start].count(b"\n") + 1
        raise InputError([Problem(str(path), line, None, data[exc.start: exc.start + 8],
                                  "UTF-8 text (save the file as 'CSV UTF-8')")]) from exc


def read_csv_strings(path: Path) -> pd.DataFrame:
    """All cells as stripped strings, empty cells as ''; no type guessing. Comma or semicolon
    separated (Excel's Russian locale writes semicolons)."""
    text = read_text(path)
    if not text.strip():
        raise InputError([Problem(str(path), None, None, None, "a header row and at least one data row; the file is empty")])
    header = text.splitlines()[0]
    separator = ";" if header.count(";") > header.count(",") else ","
    names = [h.strip().strip('"') for h in header.split(separator)]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError([Problem(str(path), 1, n, None, "each column once in the header") for n in repeated])
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=separator)
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if not found:
            raise InputError([Problem(str(path), None, None, None, f"a well-formed CSV file ({exc})")]) from exc
        expected, line, saw = (int(x) for x in found.groups())
        raise InputError([Problem(str(path), line, None, f"{saw} cells",
                                  f"{expected} cells, as many as the header has columns (a stray '{separator}'?)")]) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


def validate_file(path: Path, raw: RawFile, book: Codebook, context: Context) -> pd.DataFrame:
    """Typed, validated contents of one raw file, personal columns dropped.

    A place column adds the columns `city` and `oblast` (from the gazetteer and the division).
    """
    frame = read_csv_strings(path)
    name = str(path)
    problems: list[Problem] = []
    if frame.empty:
        problems.append(Problem(name, None, None, None, "at least one data row below the header"))

    known = {c.name for c in raw.columns}
    allowed = known | book.personal_names
    for col in frame.columns:
        if col not in allowed:
            close = difflib.get_close_matches(col, sorted(allowed), n=3)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            problems.append(Problem(name, 1, col, None, f"only the codebook's columns{hint}"))
    missing = [c.name for c in raw.columns if c.name not in frame.columns]
    for col in missing:
        problems.append(Problem(name, 1, col, None, "this column in the header (see data/raw/CODEBOOK.md)"))

    typed = {}
    for column in raw.columns:
        if column.name in missing:
            continue
        values, column_problems = _check_column(frame, column, raw, book, context, name)
        problems += column_problems
        if isinstance(values, dict):
            typed.update(values)
        else:
            typed[column.name] = values
    if not missing:
        problems += _check_conditions(frame, raw, name)
        problems += _check_key(frame, raw, name)
    if problems:
        raise InputError(problems)
    return pd.DataFrame(typed)


def check_references(tables: dict[str, pd.DataFrame], contracts: dict[str, tuple[Codebook, RawFile]],
                     folder: Path) -> list[Problem]:
    """Every `ref` column's values exist in the file it points at (e.g. a violation's case)."""
    problems = []
    for key, (_, raw) in contracts.items():
        if key not in tables:
            continue
        for column in raw.columns:
            if column.type != "ref":
                continue
            target_file, target_column = column.ref.split(".")
            if target_file not in tables:
                continue
            known = set(tables[target_file][target_column].dropna())
            target_name = contracts[target_file][1].file
            values = tables[key][column.name]
            for i, value in _failing(values, values.notna() & ~values.isin(known)):
                problems.append(Problem(str(folder / raw.file), _row(i), column.name, value,
                                        f"a {target_column} listed in {target_name}"))
    return problems


def _row(index: int) -> int:
    return index + 2  # header is row 1


def _check_key(frame: pd.DataFrame, raw: RawFile, name: str) -> list[Problem]:
    key = list(raw.primary_key)
    if not key or any(k not in frame.columns for k in key):
        return []
    normal = frame[key].apply(lambda col: col.str.upper() if col.name == "oblast" else col)
    dupes = normal[normal.duplicated(keep=False)]
    problems = []
    for values, rows in dupes.groupby(key[0] if len(key) == 1 else key, sort=False).groups.items():
        first, *others = list(rows)
        shown = values if isinstance(values, str) else ", ".join(map(str, values))
        for i in others:
            problems.append(Problem(name, _row(i), ", ".join(key), shown,
                                    f"a unique {' + '.join(key)} (already used in row {_row(first)})"))
    return problems


def _check_column(frame, column: Column, raw: RawFile, book: Codebook, context: Context, name: str):
    cells = frame[column.name]
    problems = []
    empty = cells == ""
    if column.required and not column.only_when:
        for i in cells.index[empty]:
            problems.append(Problem(name, _row(i), column.name, "", "a value (the column is required)"))
    # Checks are vectorised, or made once per distinct value (dates, places and numbers repeat a
    # lot); only the cells that fail are visited one by one, to name them.

    if column.type == "id":
        pattern = rf"^{raw.id_prefix}-\d{{3,}}$"
        for i, v in _failing(cells, ~empty & ~cells.str.match(pattern)):
            problems.append(Problem(name, _row(i), column.name, v, f"an id like {raw.id_prefix}-001"))
        return cells.astype("string").where(~empty, pd.NA), problems

    if column.type in ("ref", "label"):
        if column.pattern:
            for i, v in _failing(cells, ~empty & ~cells.str.match(column.pattern)):
                problems.append(Problem(name, _row(i), column.name, v, f"a code matching {column.pattern}"))
        return cells.astype("string").where(~empty, pd.NA), problems

    if column.type == "code":
        codes = context.codes(book, column)
        # codes are matched case-insensitively; division codes are upper case, the rest lower case
        normal = cells.str.upper() if column.codes == "division" else cells.str.lower()
        for i, v in _failing(normal, ~empty & ~normal.isin(codes)):
            close = difflib.get_close_matches(v, sorted(codes), n=3, cutoff=0.5)
            hint = f" (closest: {', '.join(close)})" if close else ""
            listed = ", ".join(sorted(codes)) if len(codes) <= 20 else f"a code of {column.codes}"
            problems.append(Problem(name, _row(i), column.name, cells[i], f"one of {listed}{hint}"))
        return normal.astype("string").where(~empty, pd.NA), problems

    if column.type == "date":
        first, last = context.period.first_day, context.period.last_day
        parsed = {v: _parse_day(v) for v in cells[~empty].unique()}
        unreadable = {v for v, day in parsed.items() if day is None}
        outside = {v for v, day in parsed.items() if day is not None and not first <= day <= last}
        for i, v in _failing(cells, cells.isin(unreadable | outside)):
            problems.append(Problem(name, _row(i), column.name, v, "a day as YYYY-MM-DD (or DD.MM.YYYY)" if v in unreadable
                                    else f"a day of the period, {first} to {last}"))
        good = {v: pd.Timestamp(day) for v, day in parsed.items() if v not in unreadable and v not in outside}
        return pd.to_datetime(cells.map(good)).astype("datetime64[s]"), problems

    if column.type == "place":
        gazetteer = context.gazetteer
        cities = {v: gazetteer.city(v) for v in cells[~empty].unique()}
        regions = {v: gazetteer.oblast(found) for v, found in cities.items() if found is not None}
        placed = {v: region for v, region in regions.items() if region is not None}
        for i, v in _failing(cells, ~empty & ~cells.isin(placed)):
            if cities[v] is None:
                close = gazetteer.closest(v)
                hint = f"; closest known: {', '.join(close)}" if close else ""
                problems.append(Problem(name, _row(i), column.name, v,
                                        f"a place of data/raw/reference/gazetteer.csv{hint}"))
            else:
                problems.append(Problem(name, _row(i), column.name, v,
                                        f"a city placed in division {context.period.division} "
                                        f"(add '{cities[v]}' to divisions/{context.period.division}_cities.csv)"))
        city = cells.map({v: cities[v] for v in placed}).astype("string")
        oblast = cells.map(placed).astype("string")
        return {column.name: cells.astype("string").where(~empty, pd.NA), "city": city, "oblast": oblast}, problems

    if column.type == "wave":
        waves = {str(w["wave"]) for w in context.period.waves}
        for i, v in _failing(cells, ~empty & ~cells.isin(waves)):
            problems.append(Problem(name, _row(i), column.name, v, f"a wave of period.yml: {', '.join(sorted(waves))}"))
        return pd.to_numeric(cells.where(~empty & cells.isin(waves), None), errors="coerce").astype("Int64"), problems

    # integer / number
    distinct = cells[~empty].unique()
    readable = {v for v in distinct if (INTEGER.match(v) if column.type == "integer" else _is_number(v))}
    in_range = {v for v in readable if not ((column.min is not None and float(v) < column.min)
                                            or (column.max is not None and float(v) > column.max))}
    for i, v in _failing(cells, ~empty & ~cells.isin(in_range)):
        if v not in readable:
            problems.append(Problem(name, _row(i), column.name, v, f"a whole number from {column.min:g} to {column.max:g}"
                                    if column.type == "integer" else f"a number from {column.min:g} to {column.max:g}"))
        else:
            problems.append(Problem(name, _row(i), column.name, v, f"a value from {column.min:g} to {column.max:g}"))
    numeric = pd.to_numeric(cells.where(~empty, None), errors="coerce")
    if column.type == "integer":  # cells refused above become empty, so the column stays whole numbers
        return numeric.where(cells.str.match(INTEGER.pattern)).astype("Int64"), problems
    return numeric.astype("Float64"), problems


def _check_conditions(frame, raw: RawFile, name: str) -> list[Problem]:
    problems = []
    for column in raw.columns:
        condition = column.applies_when()
        if not condition:
            continue
        other, wanted = condition
        said = " or ".join(wanted)
        applies = frame[other].str.lower().isin(wanted)
        filled = frame[column.name] != ""
        for i in frame.index[applies & ~filled]:
            problems.append(Problem(name, _row(i), column.name, "", f"a value, because {other} is {frame.at[i, other]}"))
        for i in frame.index[~applies & filled]:
            problems.append(Problem(name, _row(i), column.name, frame.at[i, column.name],
                                    f"an empty cell, because {other} is not {said}"))
    return problems


def _failing(cells: pd.Series, failed: pd.Series):
    """(index, value) of the cells that failed a check, in file order."""
    return cells[failed.fillna(False).astype(bool)].items()


def _parse_day(text: str) -> dt.date | None:
    for fmt in DAY_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
