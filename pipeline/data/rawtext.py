"""What observers write, read as they write it: text files in the encodings Excel saves, and days.

Shared by the raw CSV files (pipeline.validation) and period.yml (pipeline.periods), so both accept
the same things and refuse them with the same words.
"""
from __future__ import annotations

import calendar
import codecs
import datetime as dt
import re
import warnings
from pathlib import Path

from pipeline.data.errors import InputError, InputWarning, Problem

EXCEL_SIGNATURES = {b"PK\x03\x04": "an Excel workbook (.xlsx)", b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls)"}
DAY_FORMATS = ((re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})"), ("year", "month", "day")),
               (re.compile(r"([0-9]{2})\.([0-9]{2})\.([0-9]{4})"), ("day", "month", "year")))
DAY_EXPECTED = "a day as YYYY-MM-DD (or DD.MM.YYYY)"
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")


# What a file that is not text is, by its first bytes: said as such, not as text in an odd encoding
NOT_TEXT = {b"\x89PNG": "a PNG image", b"%PDF": "a PDF document", b"\x1f\x8b": "a gzip archive", b"\x7fELF": "a program (ELF)",
            b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"7z\xbc\xaf": "a 7-Zip archive",
            b"Rar!": "a RAR archive", **EXCEL_SIGNATURES}


def decode(path: Path, data: bytes, saved_as: str) -> str:
    """Text of a file: UTF-8 (a byte-order mark is dropped) or, failing that, Windows-1251, the
    encoding of Excel's and Notepad's Russian "ANSI" files (accepted with a warning).
    UTF-16 with its byte-order mark (Excel's "Unicode text") is read as such.
    saved_as names the format to save in, for the messages ('CSV UTF-8', 'UTF-8 text')."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise InputError([Problem(str(path), None, None, "UTF-32 text", f"UTF-8 text (save the file as {saved_as})")])
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError([Problem(str(path), None, None, "UTF-16 text that does not decode",
                                      f"UTF-8 text (save the file as {saved_as})")]) from exc
    kind = next((what for magic, what in NOT_TEXT.items() if data.startswith(magic)), None)
    if kind:
        raise InputError([Problem(str(path), None, None, kind, f"UTF-8 text (save the file as {saved_as})")])
    if data[:4096].count(0) > len(data[:4096]) // 4:  # UTF-16 without its byte-order mark: every other byte of Latin text is 0
        raise InputError([Problem(str(path), None, None, "NUL bytes (UTF-16 text without a byte-order mark?)",
                                  f"UTF-8 text (save the file as {saved_as})")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            text = None
        if text is not None and re.search("[А-Яа-яЁё]", text) and not re.search("[\x00-\x08\x0e-\x1f]", text):
            warnings.warn(f"{path}: not UTF-8; read as Windows-1251 (cp1251). Save it as {saved_as} to be sure.",
                          InputWarning, stacklevel=3)
            return text
        line = data[: exc.start].count(b"\n") + 1
        raise InputError([Problem(str(path), line, None, data[exc.start: exc.start + 8],
                                  f"UTF-8 text (save the file as {saved_as})")]) from exc


def parse_day(text: str) -> tuple[dt.date | None, str | None]:
    """(the day, None) or (None, what was expected instead). A day written in a known format but not
    in the calendar (2015-02-30) is named as such, not as a wrong format."""
    for pattern, order in DAY_FORMATS:
        found = pattern.fullmatch(text)
        if not found:
            continue
        parts = dict(zip(order, (int(g) for g in found.groups())))
        year, month, day = parts["year"], parts["month"], parts["day"]
        if not 1 <= month <= 12:
            return None, f"a day that exists: there is no month {month:02d}"
        days = calendar.monthrange(year, month)[1]
        if not 1 <= day <= days:
            return None, f"a day that exists: {MONTH_NAMES[month - 1]} {year} has {days} days"
        return dt.date(year, month, day), None
    return None, DAY_EXPECTED
