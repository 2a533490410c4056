"""Check raw files against their contracts in the codebooks and return them typed.

Every problem is collected and raised together (pipeline.errors.InputError), each naming file,
row, column, value and what was expected: an observer fixes a file in one pass.
Row numbers are those a spreadsheet shows: the header is row 1, the first data row 2.
"""
from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from pipeline.data.codebook import Codebook, Column, RawFile
from pipeline.data.errors import InputError, InputWarning, Problem
from pipeline.data.gazetteer import Gazetteer
from pipeline.data.periods import Period
from pipeline.data.rawtext import EXCEL_SIGNATURES, decode, parse_day

__all__ = ["Context", "InputWarning", "check_references", "read_csv_strings", "read_text", "validate_file"]

INTEGER = re.compile(r"^[+-]?[0-9]+$")  # ASCII digits: '３' or '٣' would pass \d and then load as missing
# Numbers as a person writes them: digits with an optional decimal point. Not what Python's float()
# also reads ('nan', 'inf', '1_000'): a 'nan' in a score would silently shift a national mean.
NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")


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
    return decode(path, data, "'CSV UTF-8'")


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
        raise InputError([_parser_problem(path, exc, separator, text)]) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


def _lines_of_row(text: str, separator: str, row: int) -> int:
    """How many lines of the file a spreadsheet row (a record, header = 1) spans."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    start = 1
    for number, _ in enumerate(reader, start=1):
        if number == row:
            return reader.line_num - start + 1
        start = reader.line_num + 1
    return 1


def _parser_problem(path: Path, exc: Exception, separator: str, text: str) -> Problem:
    """What the CSV reader could not read, at the spreadsheet's row. pandas counts records, not
    lines (a quoted cell may span lines): its 'line L' is the spreadsheet's row L, its 'row R' (from
    0, the header being 0) the spreadsheet's row R + 1."""
    message = str(exc)
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if found:
        expected, row, saw = (int(x) for x in found.groups())
        lines = _lines_of_row(text, separator, row)
        if lines > 1:
            return Problem(str(path), row, None, f"{saw} cells",
                           f"{expected} cells: a quote '\"' in this row opens a cell that another quote closes "
                           f"{lines - 1} line(s) below, so those lines were read into this row (remove the stray quote)")
        return Problem(str(path), row, None, f"{saw} cells",
                       f"{expected} cells, as many as the header has columns (a stray '{separator}'?)")
    found = re.search(r"EOF inside string starting at row (\d+)", message)
    if found:
        return Problem(str(path), int(found.group(1)) + 1, None, None,
                       "a closing quote '\"' for the quote that opens a cell in this row: the cell runs on to the end "
                       "of the file (remove the stray quote, or close it)")
    return Problem(str(path), None, None, None, f"a well-formed CSV file ({message})")


def _cells_spanning_rows(frame: pd.DataFrame, columns: list[str], name: str) -> list[Problem]:
    """A codebook cell never holds a line break: one that does was opened by a stray quote '"' and
    closed by another rows further down, and the rows between were read into it."""
    problems = []
    for column in columns:
        cells = frame[column]
        for i, value in _failing(cells, cells.str.contains("\n", regex=False)):
            swallowed = value.count("\n")
            problems.append(Problem(name, _row(i), column, value if len(value) <= 60 else value[:57] + "...",
                                    f"one line per cell: a quote '\"' opens this cell and another closes it {swallowed} "
                                    f"line(s) below, so those lines were read as part of this cell (remove the stray quote)"))
    return problems


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
    broken = _cells_spanning_rows(frame, [c for c in frame.columns if c in known], name)
    if broken:  # a row that swallowed the lines after a stray quote is not what the observer wrote
        problems += broken
        frame = frame.drop(index=sorted({p.row - 2 for p in broken}))

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
        if raw.referenced_by:  # e.g. every case has at least one violation
            other_file, other_column = raw.referenced_by.split(".")
            if other_file not in tables:
                continue
            id_column = raw.primary_key[0]
            values = tables[key][id_column]
            used = set(tables[other_file][other_column].dropna())
            other_name = contracts[other_file][1].file
            for i, value in _failing(values, values.notna() & ~values.isin(used)):
                problems.append(Problem(str(folder / raw.file), _row(i), id_column, value,
                                        f"at least one row of {other_name} with this {other_column}: {raw.referenced_by_why}"))
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
        parsed = {v: parse_day(v) for v in cells[~empty].unique()}
        unreadable = {v for v, (day, _) in parsed.items() if day is None}
        outside = {v for v, (day, _) in parsed.items() if day is not None and not first <= day <= last}
        for i, v in _failing(cells, cells.isin(unreadable | outside)):
            problems.append(Problem(name, _row(i), column.name, v, parsed[v][1] if v in unreadable
                                    else f"a day of the period, {first} to {last}"))
        good = {v: pd.Timestamp(day) for v, (day, _) in parsed.items() if v not in unreadable and v not in outside}
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
    readable = {v for v in distinct if (INTEGER if column.type == "integer" else NUMBER).match(v)}
    in_range = {v for v in readable if not ((column.min is not None and float(v) < column.min)
                                            or (column.max is not None and float(v) > column.max))}
    for i, v in _failing(cells, ~empty & ~cells.isin(in_range)):
        if v not in readable:
            kind = "a whole number" if column.type == "integer" else "a number"
            hint = " (leave the cell empty where there is no value)" if not column.required else ""
            problems.append(Problem(name, _row(i), column.name, v, f"{kind} from {column.min:g} to {column.max:g}{hint}"))
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
