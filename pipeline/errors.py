"""Errors about input that a person has to fix, worded for that person."""
from __future__ import annotations

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
        found = "" if self.value is None else f": found {self.value!r},"
        return f"{', '.join(where)}{found} expected {self.expected}"


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
