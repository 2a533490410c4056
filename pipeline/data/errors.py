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

    if isinstance(value, (str, bytes)):
        return repr(value)
    if isinstance(value, (int, float)):
        return str(value)
    return repr(plain(value))


class InputWarning(UserWarning):
    """Input that was accepted, but that a person should fix (shown on stderr)."""


class InputError(Exception):
    """Raised with every problem found in the input at once, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self, limit: int = 50) -> str:
        lines = [f"{len(self.problems)} problem(s) in the input:"]
        lines += [f"  - {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)
