"""Errors about input that a person has to fix, worded for that person."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file: where it is and what was expected instead."""

    file: str
    row: int | None  # line number in the file as a spreadsheet shows it (header = 1), or None
    column: str | None
    value: Any
    expected: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        found = ":" if self.value is None else f": found {shown(self.value)},"
        return f"{', '.join(where)}{found} expected {self.expected}"


def shown(value: Any) -> str:
    """A value as the person wrote it: '2015-04-30', not datetime.date(2015, 4, 30)."""
    def plain(v):
        if isinstance(v, (dt.date, dt.datetime)):
            return v.isoformat()
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k}: {plain(x)}" for k, x in v.items()) + "}"
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(plain(x) for x in v) + "]"
        return str(v)

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = repr(value) if isinstance(value, (str, bytes)) else repr(plain(value))
    # a whole pasted document in one cell is not printed whole: its start, and how long it is
    return text if len(text) <= SHOWN_AT_MOST else f"{text[:SHOWN_AT_MOST - 20]}...' ({len(value) if isinstance(value, (str, bytes)) else len(text)} characters)"


SHOWN_AT_MOST = 120


class InputWarning(UserWarning):
    """Input that was accepted, but that a person should fix (shown on stderr)."""


class InputError(Exception):
    """Raised with every problem found in the input at once, not just the first."""

    def __init__(self, problems: list[Problem]):
        # one problem of a whole file (a workbook that does not open) is found by every reader of
        # it: said once
        self.problems = list({str(p): p for p in problems}.values())
        super().__init__(self.report())

    def report(self, limit: int = 50) -> str:
        lines = [f"{len(self.problems)} problem(s) in the input:"]
        lines += [f"  - {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)
