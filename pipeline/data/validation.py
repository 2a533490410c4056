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
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from pipeline.data.codebook import Codebook, Column, RawFile
from pipeline.data.errors import InputError, InputWarning, Problem
from pipeline.data.gazetteer import Gazetteer, Place
from pipeline.data.periods import Period
from pipeline.data.rawtext import EXCEL_SIGNATURES, decode, parse_day
from pipeline.data.sources import Source, sheet_rows

__all__ = ["Context", "InputWarning", "RawTable", "check_references", "read_csv_strings", "read_source", "read_text",
           "validate_file"]

INTEGER = re.compile(r"^[+-]?[0-9]+$")  # ASCII digits: '３' or '٣' would pass \d and then load as missing
# Numbers as a person writes them: digits with an optional decimal point. Not what Python's float()
# also reads ('nan', 'inf', '1_000'): a 'nan' in a score would silently shift a national mean.
NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
DECIMAL_COMMA = re.compile(r"^([+-]?[0-9]+),([0-9]+)$")


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


RAW_FILE_MAX_MB = 500


def read_text(path: Path) -> str:
    """Text of a raw CSV file: UTF-8 (a byte-order mark is dropped), UTF-16 with its byte-order mark
    (Excel's "Unicode text") or, failing that, Windows-1251, the encoding of Excel's Russian "CSV"
    exports (accepted with a warning)."""
    if not path.exists():
        siblings = sorted(p.name for p in path.parent.glob(f"{path.stem}.*") if p.suffix.lower() in (".xlsx", ".xls", ".ods"))
        hint = f"; found {', '.join(siblings)}: save it as 'CSV UTF-8' under the name {path.name}" if siblings else ""
        raise InputError([Problem(str(path), None, None, None, f"this file to exist{hint}")])
    if path.stat().st_size > RAW_FILE_MAX_MB * 1e6:  # read whole, into memory: bounded before it is
        raise InputError([Problem(str(path), None, None, f"{path.stat().st_size / 1e6:,.0f} MB",
                                  f"a raw file of at most {RAW_FILE_MAX_MB} MB (a period of a hundred times No. 5's "
                                  "volume is some 50 MB): is it the period's data?")])
    data = path.read_bytes()
    for signature, kind in EXCEL_SIGNATURES.items():
        if data.startswith(signature):
            raise InputError([Problem(str(path), None, None, kind,
                                      "a CSV text file: open it in Excel and save it as 'CSV UTF-8 (comma delimited)', "
                                      f"or name it {path.stem}.xlsx (a workbook is read as such)")])
    return decode(path, data, "'CSV UTF-8'")


@dataclass
class RawTable:
    """A raw file's cells as stripped strings, its index the spreadsheet's row number minus 2 (so
    a title row above the header keeps the rows as the spreadsheet shows them)."""

    frame: pd.DataFrame
    name: str  # how messages name the file (and sheet)
    decimal_comma: bool  # '3,5' is 3.5: the file is ';' or tab separated, or a workbook
    header_row: int = 1
    problems: list[Problem] = field(default_factory=list)  # of the layout, reported with the cells' problems


SEPARATORS = (",", ";", "\t")


def _separator(lines: list[str]) -> str:
    """The separator that the header (the line with most of them, among the first lines) uses."""
    counts = {s: max((line.count(s) for line in lines), default=0) for s in SEPARATORS}
    best = max(SEPARATORS, key=lambda s: counts[s])  # ties: ',' first
    return best if counts[best] > counts[","] else ","


def _header_index(rows: list[list[str]], names: set[str]) -> int:
    """Which of the first rows is the header: the first naming a codebook column, when the rows
    above it are titles (at most two cells filled, none a column name); else the first row."""
    for i, row in enumerate(rows):
        cells = [c.strip().strip('"') for c in row]
        if any(c in names for c in cells):
            above = rows[:i]
            return i if all(sum(1 for c in r if c.strip()) <= 2 for r in above) else 0
    return 0


def _title_warning(name: str, rows: list[list[str]], header: int) -> None:
    titles = [" ".join(c.strip() for c in r if c.strip()) for r in rows[:header]]
    said = "; ".join(f"row {i + 1} {t!r}" if t else f"row {i + 1} (empty)" for i, t in enumerate(titles))
    warnings.warn(f"{name}: {said} above the header, which is row {header + 1}: read as a title, not data "
                  f"(rows keep the spreadsheet's numbers; delete the title to silence this)", InputWarning, stacklevel=4)


def read_csv_strings(path: Path, names: set[str] | frozenset[str] = frozenset()) -> pd.DataFrame:
    """All cells as stripped strings, empty cells as ''; no type guessing. Comma, semicolon
    (Excel's Russian locale) or tab (Excel's "Unicode text") separated."""
    table = read_csv_table(path, names)
    if table.problems:
        raise InputError(table.problems)
    return table.frame


def read_csv_table(path: Path, names: set[str] | frozenset[str] = frozenset(), name: str | None = None) -> RawTable:
    name = name or str(path)
    text = read_text(path)
    if not text.strip():
        raise InputError([Problem(name, None, None, None, "a header row and at least one data row; the file is empty")])
    first_lines = text.splitlines()[:10]
    separator = _separator(first_lines)
    records = list(csv.reader(io.StringIO("\n".join(first_lines)), delimiter=separator))
    header = _header_index(records, set(names))
    skipped = 0
    if header:
        _title_warning(name, records, header)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
        for _ in range(header):
            next(reader)
        skipped = reader.line_num  # lines the title rows span
        text = "".join(text.splitlines(keepends=True)[skipped:])
    header_line = text.splitlines()[0]
    columns = [h.strip().strip('"') for h in header_line.split(separator)]
    repeated = sorted({n for n in columns if n and columns.count(n) > 1})
    if repeated:
        raise InputError([Problem(name, header + 1, n, None, "each column once in the header") for n in repeated])
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=separator, skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        raise InputError([_parser_problem(Path(name), exc, separator, text, header)]) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.fillna("").apply(lambda col: col.str.strip())
    frame.index = pd.RangeIndex(header, header + len(frame))
    return _tidy(RawTable(frame, name, decimal_comma=separator != ",", header_row=header + 1))


def read_sheet(source: Source, names: set[str] | frozenset[str]) -> RawTable:
    """A workbook's sheet as a raw table: the same strings a CSV export would hold."""
    rows = sheet_rows(source)
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise InputError([Problem(source.name, None, None, None, "a header row and at least one data row; the sheet is empty")])
    header = _header_index(rows[:10], set(names))
    if header:
        _title_warning(source.name, rows, header)
    width = max(len(r) for r in rows)
    head = [c.strip() for c in rows[header]] + [""] * (width - len(rows[header]))
    columns = [c if c else f"Unnamed: {j}" for j, c in enumerate(head)]
    repeated = sorted({n for n in columns if columns.count(n) > 1})
    if repeated:
        raise InputError([Problem(source.name, header + 1, n, None, "each column once in the header") for n in repeated])
    body = [[c.strip() for c in r] + [""] * (width - len(r)) for r in rows[header + 1:]]
    frame = pd.DataFrame(body, columns=columns, dtype=str, index=pd.RangeIndex(header, header + len(body)))
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series([], dtype=str) for c in columns})
    return _tidy(RawTable(frame, source.name, decimal_comma=True, header_row=header + 1))


def _column_letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _tidy(table: RawTable) -> RawTable:
    """Drop what Excel leaves around a table: empty rows at the end (',,,,,,'), and columns with
    neither a name nor a value ('Unnamed: 10'). A column with values but no name is a problem."""
    frame = table.frame
    unnamed = [c for c in frame.columns if c == "" or UNNAMED.fullmatch(c)]
    for position, column in enumerate(frame.columns):
        if column in unnamed and (frame.iloc[:, position] != "").any():
            table.problems.append(Problem(table.name, table.header_row, None, f"column {_column_letter(position)}",
                                          "a name in the header for every column that holds values (the codebook's "
                                          "column name; or delete the column)"))
    frame = frame.drop(columns=unnamed)
    filled = (frame != "").any(axis=1) if len(frame.columns) else pd.Series(False, index=frame.index)
    table.frame = frame[filled]  # rows without any value are not data (Excel keeps ',,,,,,' rows)
    return table


UNNAMED = re.compile(r"Unnamed: [0-9]+(_level_[0-9]+)?")


def _lines_of_row(text: str, separator: str, row: int) -> int:
    """How many lines of the file a spreadsheet row (a record, header = 1) spans."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    start = 1
    for number, _ in enumerate(reader, start=1):
        if number == row:
            return reader.line_num - start + 1
        start = reader.line_num + 1
    return 1


def _parser_problem(path: Path, exc: Exception, separator: str, text: str, offset: int = 0) -> Problem:
    """What the CSV reader could not read, at the spreadsheet's row. pandas counts records, not
    lines (a quoted cell may span lines): its 'line L' is the spreadsheet's row L, its 'row R' (from
    0, the header being 0) the spreadsheet's row R + 1; `offset` title rows stand above the header."""
    message = str(exc)
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if found:
        expected, row, saw = (int(x) for x in found.groups())
        lines = _lines_of_row(text, separator, row)
        row += offset
        if lines > 1:
            return Problem(str(path), row, None, f"{saw} cells",
                           f"{expected} cells: a quote '\"' in this row opens a cell that another quote closes "
                           f"{lines - 1} line(s) below, so those lines were read into this row (remove the stray quote)")
        return Problem(str(path), row, None, f"{saw} cells",
                       f"{expected} cells, as many as the header has columns (a stray '{separator}'?)")
    found = re.search(r"EOF inside string starting at row (\d+)", message)
    if found:
        return Problem(str(path), int(found.group(1)) + 1 + offset, None, None,
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


def read_source(source: Source | Path, names: set[str] | frozenset[str] = frozenset()) -> RawTable:
    """A raw file as delivered, CSV or a workbook's sheet; `names` (the columns it may have) tell
    the header from a title row above it."""
    if isinstance(source, Path):
        source = Source(source)
    if source.is_workbook:
        return read_sheet(source, names)
    return read_csv_table(source.path, names)


def validate_file(path: Path | Source, raw: RawFile, book: Codebook, context: Context) -> pd.DataFrame:
    """Typed, validated contents of one raw file (a CSV file or a workbook's sheet), personal
    columns dropped. The index is the spreadsheet's row number minus 2 (load_raw renumbers it).

    A place column adds the columns `city` and `oblast` (from the gazetteer and the division).
    """
    known = {c.name for c in raw.columns}
    allowed = known | book.personal_names
    table = read_source(path, allowed)
    frame, name, header_row = table.frame, table.name, table.header_row
    problems: list[Problem] = list(table.problems)
    if frame.empty:
        problems.append(Problem(name, None, None, None, "at least one data row below the header"))

    for col in frame.columns:
        if col not in allowed:
            close = difflib.get_close_matches(col, sorted(allowed), n=3)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            problems.append(Problem(name, header_row, col, None, f"only the codebook's columns{hint}"))
    absent = [c.name for c in raw.columns if c.may_be_absent and c.name not in frame.columns]
    frame = frame.assign(**{c: "" for c in absent})  # a column that may be left out: as if all its cells were empty
    missing = [c.name for c in raw.columns if c.name not in frame.columns]
    for col in missing:
        problems.append(Problem(name, header_row, col, None, "this column in the header (see data/raw/CODEBOOK.md)"))
    broken = _cells_spanning_rows(frame, [c for c in frame.columns if c in known], name)
    if broken:  # a row that swallowed the lines after a stray quote is not what the observer wrote
        problems += broken
        frame = frame.drop(index=sorted({p.row - 2 for p in broken}))

    typed = {}
    for column in raw.columns:
        if column.name in missing:
            continue
        values, column_problems = _check_column(frame, column, raw, book, context, name, table.decimal_comma)
        problems += column_problems
        if column.name == "oblast" and any(c.type == "place" for c in raw.columns):
            continue  # it decided the place (pipeline.data.validation._check_place), whose oblast is the table's
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
                     folder: Path, names: dict[str, str] | None = None) -> list[Problem]:
    """Every `ref` column's values exist in the file it points at (e.g. a violation's case).
    `names`: how messages name each file (a workbook's sheet), by key."""
    names = names or {}
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
                problems.append(Problem(names.get(key, str(folder / raw.file)), _row(i), column.name, value,
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
                problems.append(Problem(names.get(key, str(folder / raw.file)), _row(i), id_column, value,
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


def _check_column(frame, column: Column, raw: RawFile, book: Codebook, context: Context, name: str,
                  decimal_comma: bool = False):
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
        if column.codes == "division":  # the numeric ISO 3166-2:KZ codes (KZ-75) name the same units
            units = context.gazetteer.units
            normal = normal.map(lambda v: units.get(v, v))
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
        return _check_place(frame, column, raw, context, name, cells, empty, problems)

    if column.type == "wave":
        waves = {str(w["wave"]) for w in context.period.waves}
        for i, v in _failing(cells, ~empty & ~cells.isin(waves)):
            problems.append(Problem(name, _row(i), column.name, v, f"a wave of period.yml: {', '.join(sorted(waves))}"))
        return pd.to_numeric(cells.where(~empty & cells.isin(waves), None), errors="coerce").astype("Int64"), problems

    # integer / number
    written = cells
    if decimal_comma and column.type == "number":  # '3,5' where ',' cannot be the separator: Excel's Russian locale
        cells = cells.str.replace(DECIMAL_COMMA, r"\1.\2", regex=True)
    distinct = cells[~empty].unique()
    readable = {v for v in distinct if (INTEGER if column.type == "integer" else NUMBER).match(v)}
    in_range = {v for v in readable if not ((column.min is not None and float(v) < column.min)
                                            or (column.max is not None and float(v) > column.max))}
    for i, v in _failing(cells, ~empty & ~cells.isin(in_range)):
        if v not in readable:
            kind = "a whole number" if column.type == "integer" else "a number"
            hint = " (leave the cell empty where there is no value)" if not column.required else ""
            if column.type == "number" and DECIMAL_COMMA.fullmatch(v):
                hint = " with a decimal point (3.5): a decimal comma is read only in ';'-separated files and workbooks"
            problems.append(Problem(name, _row(i), column.name, written[i],
                                    f"{kind} from {column.min:g} to {column.max:g}{hint}"))
        else:
            problems.append(Problem(name, _row(i), column.name, written[i], f"a value from {column.min:g} to {column.max:g}"))
    numeric = pd.to_numeric(cells.where(~empty, None), errors="coerce")
    if column.type == "integer":  # cells refused above become empty, so the column stays whole numbers
        return numeric.where(cells.str.match(INTEGER.pattern)).astype("Int64"), problems
    return numeric.astype("Float64"), problems


def _check_place(frame, column: Column, raw: RawFile, context: Context, name: str, cells, empty, problems):
    """A place name -> (city, oblast). A region's name or code places the row in the region only
    (when the codebook allows it: column.regions). A name two places bear is decided by the row's
    `oblast` column, or refused naming both."""
    gazetteer = context.gazetteer
    division = context.period.division
    hints = frame["oblast"].str.upper().map(lambda v: gazetteer.units.get(v, v)) if "oblast" in frame.columns else None
    if hints is None:
        hints = pd.Series("", index=cells.index)
    read = {v: gazetteer.places(v) for v in cells[~empty].unique()}
    decided: dict[tuple[str, str], object] = {}  # (name, oblast) -> Place or what was expected
    for v, hint in set(zip(cells[~empty], hints[~empty])):
        candidates, how = read[v]
        if hint and hint in context.division_codes:
            fitting = [p for p in candidates if p.oblast == hint or (p.city is None and p.oblast is None)]
            if not fitting and candidates:
                decided[v, hint] = (f"a place in the region of column 'oblast', {hint}: "
                                    f"{v!r} is {' or '.join(gazetteer.describe(p) for p in candidates)}")
                continue
            if any(p.city for p in fitting):  # the city of that name in this region, not another settlement there
                fitting = [p for p in fitting if p.city]
            candidates = [Place(p.city, hint) if p.oblast is None else p for p in fitting] if fitting else candidates
        if not candidates:
            close = gazetteer.closest(v)
            hint_text = f"; closest known: {', '.join(close)}" if close else ""
            decided[v, hint] = (f"a region of division {division}{hint_text}" if how == "region"
                                else f"a place of data/raw/reference/gazetteer.csv{hint_text}")
        elif len(candidates) > 1:
            said = " or ".join(gazetteer.describe(p) for p in candidates)
            fix = ("give its region in column 'oblast' (an ISO 3166-2 code)" if any(c.name == "oblast" for c in raw.columns)
                   else "write a name only one place bears")
            decided[v, hint] = f"one place: {v!r} is {said}; {fix}"
        elif candidates[0].oblast is None:
            place = candidates[0]
            decided[v, hint] = (f"a city placed in division {division} (add '{place.city}' to divisions/{division}_cities.csv)"
                                if place.city else f"one place: {v!r} is {gazetteer.describe(place)}; give its region in column 'oblast'")
        elif candidates[0].city is None and not column.regions:
            decided[v, hint] = (f"a city or town: {v!r} names the region {candidates[0].oblast}, and this file counts "
                                f"by city; closest known: {', '.join(gazetteer.closest(v.split()[0])) or 'none'}")
        else:
            decided[v, hint] = candidates[0]
    keys = pd.Series(list(zip(cells, hints)), index=cells.index)
    outcome = keys.map(lambda k: decided.get(k))
    bad = ~empty & outcome.map(lambda o: isinstance(o, str))
    for i, expected in outcome[bad].items():
        problems.append(Problem(name, _row(i), column.name, cells[i], expected))
    good = ~empty & ~bad
    city = outcome.where(good).map(lambda o: o.city if isinstance(o, Place) else None)
    oblast = outcome.where(good).map(lambda o: o.oblast if isinstance(o, Place) else None)
    return {column.name: cells.astype("string").where(~empty, pd.NA), "city": city.astype("string"),
            "oblast": oblast.astype("string")}, problems


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
