"""Check a raw file against its contract in the codebook and return it typed.

Every problem of a file is collected and raised together (pipeline.errors.InputError), each naming
file, row, column, value and what was expected: an observer fixes the file in one pass.
Row numbers are those a spreadsheet shows: the header is row 1, the first respondent row 2.
"""
from __future__ import annotations

import difflib
import io
import re
from pathlib import Path

import pandas as pd

from pipeline.codebook import Codebook, Column, RawFile
from pipeline.errors import InputError, Problem

INTEGER = re.compile(r"^[+-]?\d+$")


def read_text(path: Path) -> str:
    """UTF-8 text of a raw file (a byte-order mark is accepted and dropped)."""
    if not path.exists():
        raise InputError([Problem(str(path), None, None, None, "this file to exist")])
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError([Problem(str(path), line, None, data[exc.start: exc.start + 8],
                                  "UTF-8 text (save the file as 'CSV UTF-8')")]) from exc


def read_csv_strings(path: Path) -> pd.DataFrame:
    """All cells as stripped strings, empty cells as ''; no type guessing."""
    text = read_text(path)
    if not text.strip():
        raise InputError([Problem(str(path), None, None, None, "a header row and at least one data row; the file is empty")])
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


def validate_file(path: Path, raw: RawFile, book: Codebook, division_codes: set[str]) -> pd.DataFrame:
    """Typed, validated contents of one raw survey file, personal columns dropped."""
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
        values, column_problems = _check_column(frame, column, raw, book, division_codes, name)
        problems += column_problems
        typed[column.name] = values
    if not missing:
        problems += _check_conditions(frame, raw, name)
    if problems:
        raise InputError(problems)
    return pd.DataFrame(typed)


def _row(index: int) -> int:
    return index + 2  # header is row 1


def _check_column(frame, column: Column, raw: RawFile, book: Codebook, division_codes, name):
    cells = frame[column.name]
    problems = []
    required = column.required and not column.only_when
    empty = cells == ""
    if required:
        for i in cells.index[empty]:
            problems.append(Problem(name, _row(i), column.name, "", "an answer (the item is required)"))

    if column.type == "id":
        pattern = re.compile(rf"^{raw.id_prefix}-\d{{3,}}$")
        for i, v in cells[~empty].items():
            if not pattern.match(v):
                problems.append(Problem(name, _row(i), column.name, v, f"an id like {raw.id_prefix}-001"))
        dupes = cells[cells.duplicated(keep="first") & ~empty]
        for i, v in dupes.items():
            first = _row(cells[cells == v].index[0])
            problems.append(Problem(name, _row(i), column.name, v, f"a unique id (already used in row {first})"))
        return cells.astype("string").where(~empty, pd.NA), problems

    if column.type == "code":
        codes = division_codes if column.codes == "division" else set(book.codes[column.codes])
        # codes are matched case-insensitively; division codes are upper case, the rest lower case
        normal = cells.str.upper() if column.codes == "division" else cells.str.lower()
        for i, v in normal[~empty].items():
            if v not in codes:
                close = difflib.get_close_matches(v, sorted(codes), n=3, cutoff=0.5)
                hint = f" (closest: {', '.join(close)})" if close else ""
                problems.append(Problem(name, _row(i), column.name, cells[i],
                                        f"one of {', '.join(sorted(codes))}{hint}"))
        return normal.astype("string").where(~empty, pd.NA), problems

    # integer / number
    for i, v in cells[~empty].items():
        ok = bool(INTEGER.match(v)) if column.type == "integer" else _is_number(v)
        if not ok:
            problems.append(Problem(name, _row(i), column.name, v, f"a whole number from {column.min:g} to {column.max:g}"
                                    if column.type == "integer" else "a number"))
            continue
        x = float(v)
        if (column.min is not None and x < column.min) or (column.max is not None and x > column.max):
            problems.append(Problem(name, _row(i), column.name, v, f"a value from {column.min:g} to {column.max:g}"))
    numeric = pd.to_numeric(cells.where(~empty, None), errors="coerce")
    dtype = "Int64" if column.type == "integer" else "Float64"
    return numeric.astype(dtype), problems


def _check_conditions(frame, raw: RawFile, name: str) -> list[Problem]:
    problems = []
    for column in raw.columns:
        if not column.only_when:
            continue
        (other, wanted), = column.only_when.items()
        applies = frame[other].str.lower() == str(wanted)
        filled = frame[column.name] != ""
        for i in frame.index[applies & ~filled]:
            problems.append(Problem(name, _row(i), column.name, "", f"an answer, because {other} is {wanted}"))
        for i in frame.index[~applies & filled]:
            problems.append(Problem(name, _row(i), column.name, frame.at[i, column.name],
                                    f"an empty cell, because {other} is not {wanted}"))
    return problems


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
