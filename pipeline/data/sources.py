"""Where a codebook file of a period is: a CSV file, a workbook of its own, or a sheet of the period's workbook.

A period's raw folder holds each codebook file (`incidents_cases.csv`, ...) as one of:

- the CSV file itself (its name in any letter case: `Incidents_Cases.CSV` is found);
- a workbook of its own, `incidents_cases.xlsx` (its first sheet, or the sheet of that name);
- a sheet named `incidents_cases` of the period's workbook `<period id>.xlsx`.

Exactly one: a file given twice (a CSV and a sheet) is refused, naming both, never picked silently.
Workbooks are read with openpyxl: cell values, not formulas (the value Excel saved with the file),
dates as YYYY-MM-DD, whole numbers without '.0', other numbers with Excel's 15 significant digits.
"""
from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pipeline.data.errors import InputError, Problem

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# spreadsheets openpyxl does not read: refused, saying what to save them as
OTHER_SPREADSHEETS = {".xls": "an Excel 97-2003 workbook (.xls)", ".xlsb": "an Excel binary workbook (.xlsb)",
                      ".ods": "an OpenDocument spreadsheet (.ods)", ".numbers": "a Numbers spreadsheet"}
SAVE_AS = "save it as 'Excel Workbook (.xlsx)' or as 'CSV UTF-8 (comma delimited)'"


@dataclass(frozen=True)
class Source:
    """One codebook file as delivered: a text file, or a sheet of a workbook."""

    path: Path
    sheet: str | None = None

    @property
    def name(self) -> str:
        """How messages name it: 'data/raw/p/p.xlsx, sheet 'incidents_cases''."""
        return f"{self.path}, sheet '{self.sheet}'" if self.sheet is not None else str(self.path)

    @property
    def is_workbook(self) -> bool:
        return self.sheet is not None


def period_workbook(raw_dir: Path) -> Path | None:
    """The period's workbook `<period id>.xlsx` (the folder's name is the period id), if there is one."""
    return _named(raw_dir, f"{raw_dir.name}.xlsx") or _named(raw_dir, f"{raw_dir.name}.xlsm")


def _files(raw_dir: Path) -> list[Path]:
    return sorted(p for p in raw_dir.iterdir() if p.is_file()) if raw_dir.is_dir() else []


def _named(raw_dir: Path, name: str) -> Path | None:
    """The file of that name in the folder, in any letter case (the exact name first)."""
    found = _all_named(raw_dir, name)
    return found[0] if found else None


def _all_named(raw_dir: Path, name: str) -> list[Path]:
    exact = [raw_dir / name] if (raw_dir / name).is_file() else []
    return exact + [p for p in _files(raw_dir) if p.name.lower() == name.lower() and p.name != name]


def find_source(raw_dir: Path, file: str) -> Source:
    """Where the codebook file `file` (e.g. 'incidents_cases.csv') is; InputError when it is
    nowhere, or in two places."""
    stem = Path(file).stem
    found = [Source(p) for p in _all_named(raw_dir, file)]
    for suffix in WORKBOOK_SUFFIXES:
        for path in _all_named(raw_dir, stem + suffix):
            names = sheet_names(path)
            sheet = _sheet(names, stem) or (names[0] if len(names) == 1 else None)
            if sheet is None:
                raise InputError([Problem(str(path), None, None, None,
                                          f"one sheet, or a sheet named '{stem}' (its sheets: {', '.join(names)})")])
            found.append(Source(path, sheet))
    book = period_workbook(raw_dir)
    if book is not None:
        sheet = _sheet(sheet_names(book), stem)
        if sheet is not None:
            found.append(Source(book, sheet))
    if len(found) > 1:
        raise InputError([Problem(str(raw_dir / file), None, None, None,
                                  f"the file once: it is given {len(found)} times ({'; '.join(s.name for s in found)}); "
                                  f"keep one and remove or rename the others")])
    if found:
        return found[0]
    raise InputError([Problem(str(raw_dir / file), None, None, None, f"this file to exist{_hint(raw_dir, stem, book)}")])


def _sheet(names: list[str], stem: str) -> str | None:
    return next((n for n in names if n.strip().lower() == stem), None)


def _hint(raw_dir: Path, stem: str, book: Path | None) -> str:
    """What is there instead: a spreadsheet of a kind not read, the period workbook's sheets. Only
    files named after the codebook file are named (other names may be personal data)."""
    others = [p.name for p in _files(raw_dir) if p.stem.lower() == stem and p.suffix.lower() in OTHER_SPREADSHEETS]
    hints = []
    if others:
        hints.append(f"found {', '.join(others)}: {SAVE_AS}, under the name {stem}.xlsx or {stem}.csv")
    # the period's workbook under another name: a copy's "(1)", LibreOffice's .ods (named after the period: not personal)
    period_id = raw_dir.name.lower()
    near = [p.name for p in _files(raw_dir) if p.name.lower().startswith(period_id) and p != book
            and p.suffix.lower() in (*WORKBOOK_SUFFIXES, *OTHER_SPREADSHEETS)]
    if near:
        fix = ("save it as 'Excel Workbook (.xlsx)' under that name" if any(Path(n).suffix.lower() in OTHER_SPREADSHEETS for n in near)
               else "rename it so")
        hints.append(f"found {', '.join(near)}: the period's workbook is read only as {raw_dir.name}.xlsx: {fix}")
    if book is not None:
        names = sheet_names(book)
        close = difflib.get_close_matches(stem, [n.strip().lower() for n in names], n=1, cutoff=0.6)
        said = f"; did you mean '{next(n for n in names if n.strip().lower() == close[0])}'? name it '{stem}'" if close else ""
        hints.append(f"or a sheet '{stem}' in {book.name} (its sheets: {', '.join(names)}{said})")
    return "; " + "; ".join(hints) if hints else ""


def sources(raw_dir: Path, files: list[str]) -> list[Path]:
    """The files of the folder that hold the given codebook files (for run.json and the steps'
    fingerprints): whatever find_source reads, including a period workbook; nothing else."""
    found = set()
    for file in files:
        stem = Path(file).stem
        found.update(_all_named(raw_dir, file))
        for suffix in WORKBOOK_SUFFIXES:
            found.update(_all_named(raw_dir, stem + suffix))
    book = period_workbook(raw_dir)
    if book is not None:
        found.add(book)
    return sorted(found)


# --- workbooks -------------------------------------------------------------------------------

# A workbook is a zip archive, checked before it is opened: openpyxl holds every cell in memory, at
# some 50 times the sheets' unpacked size. Bulletin No. 5's period is 1 MB unpacked; a period of a
# hundred times its volume, about 100 MB. A "zip bomb" (a few MB that unpack to gigabytes) would
# take minutes and all the memory there is.
WORKBOOK_MAX_UNPACKED_MB = 200
WORKBOOK_MAX_RATIO = 100  # unpacked / packed: sheets of real data pack 5 to 20 times


def check_unpacked_size(path: str) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise InputError([Problem(path, None, None, None, f"an Excel workbook (.xlsx) that opens ({exc})")]) from None
    packed = max(Path(path).stat().st_size, 1)
    if unpacked > WORKBOOK_MAX_UNPACKED_MB * 1e6 or (unpacked > 10e6 and unpacked / packed > WORKBOOK_MAX_RATIO):
        raise InputError([Problem(path, None, None, f"{unpacked / 1e6:,.0f} MB once unpacked, from {packed / 1e6:,.1f} MB",
                                  f"a workbook of at most {WORKBOOK_MAX_UNPACKED_MB} MB unpacked, and not more than "
                                  f"{WORKBOOK_MAX_RATIO} times its size: save its sheets as CSV files named as the "
                                  "codebook says (read without this limit), or remove what is not the period's data")])


@lru_cache(maxsize=4)
def _workbook(path: str, _mtime_ns: int, _size: int):
    import openpyxl  # only periods delivered as workbooks need it

    with open(path, "rb") as file:
        start = file.read(8)
    if start.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE file: Excel 97-2003, or a workbook with a password
        raise InputError([Problem(path, None, None, "an Excel 97-2003 workbook, or one protected by a password",
                                  f"an Excel workbook (.xlsx) without a password: {SAVE_AS}")])
    if not start.startswith(b"PK"):
        raise InputError([Problem(path, None, None, "not a workbook (a text file?)",
                                  f"an Excel workbook (.xlsx): a CSV file is named {Path(path).stem}.csv")])
    check_unpacked_size(path)
    try:
        return openpyxl.load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # zipfile, KeyError and openpyxl's own kinds for files it cannot make sense of
        raise InputError([Problem(path, None, None, None, f"an Excel workbook (.xlsx) that opens ({type(exc).__name__}: {exc})")]) from exc


@lru_cache(maxsize=4)
def _formulas(path: str, _mtime_ns: int, _size: int) -> dict[str, dict[str, str]]:
    """The formulas of a workbook's sheets, {sheet: {cell: formula}}; read only when its sheets hold
    any (most observers' workbooks have none: no second read)."""
    import zipfile

    import openpyxl

    with zipfile.ZipFile(path) as archive:
        sheets = (archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        if not any(b"</f>" in xml or b"<f " in xml for xml in sheets):
            return {}
    book = openpyxl.load_workbook(path, data_only=False, read_only=True)
    try:
        return {sheet.title: {cell.coordinate: cell.value for row in sheet.iter_rows() for cell in row
                              if isinstance(cell.value, str) and cell.value.startswith("=")} for sheet in book.worksheets}
    finally:
        book.close()


def workbook(path: Path):
    stat = path.stat()
    return _workbook(str(path), stat.st_mtime_ns, stat.st_size)


def sheet_names(path: Path) -> list[str]:
    return list(workbook(path).sheetnames)


def sheet_rows(source: Source) -> list[list[str]]:
    """The cells of a sheet as text, row 1 first (empty rows kept, so rows are the sheet's rows).
    Refused: a hidden sheet (a stale copy read in place of the visible one), merged cells (only
    the first cell of a merge holds its value: the others would read as no answer)."""
    sheet = workbook(source.path)[source.sheet]
    if sheet.sheet_state != "visible":
        raise InputError([Problem(source.name, None, None, f"a {sheet.sheet_state} sheet",
                                  "a visible sheet: a hidden sheet is often an old copy; unhide it if it holds the "
                                  "period's data, else delete it (and name the right sheet so)")])
    rows = [[cell_text(v) for v in row] for row in sheet.iter_rows(min_row=1, values_only=True)]
    stat = source.path.stat()
    uncalculated = [cell for cell in _formulas(str(source.path), stat.st_mtime_ns, stat.st_size).get(source.sheet, {})
                    if sheet[cell].value is None]  # a formula whose result the file does not hold: read as empty
    if uncalculated:
        raise InputError([Problem(source.name, sheet[uncalculated[0]].row, None, "formulas without a saved result in "
                                  + ", ".join(uncalculated[:5]) + (" ..." if len(uncalculated) > 5 else ""),
                                  "values: open the workbook in Excel or LibreOffice and save it again (a program that "
                                  "does not calculate saved only the formulas), or type the values")])
    # a title merged across the top is fine; from the header down, a merge hides answers
    header = next((n for n, row in enumerate(rows, start=1) if sum(bool(c) for c in row) >= 2), 1)
    merged = sorted((r for r in sheet.merged_cells.ranges if r.max_row >= header), key=lambda r: (r.min_row, r.min_col))
    if merged:
        shown = ", ".join(str(r) for r in merged[:5]) + (" ..." if len(merged) > 5 else "")
        raise InputError([Problem(source.name, merged[0].min_row, None, f"merged cells {shown}",
                                  "one value in each cell: unmerge them (Excel: Merge & Center, Unmerge Cells) and "
                                  "write the value in every cell it stands for")])
    return rows


def cell_text(value) -> str:
    """A cell's value as the CSV file would hold it: '' for an empty cell, 2015-08-03 for a day,
    3 for 3.0, 3.5 for 3.5 (15 significant digits, as Excel shows: never 0.30000000000000004)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = f"{value:.15g}"
        return format(Decimal(text), "f") if "e" in text else text
    return str(value)
