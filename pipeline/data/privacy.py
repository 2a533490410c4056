"""Personal data never leaves data/raw/: readers drop personal columns (pipeline.validation,
codebook `personal_columns`), tables hold aggregates only, and survey counts by region that would
show fewer than `min_cell_respondents` people are suppressed (pipeline/privacy.yml).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.yamlfiles import read_yaml

if TYPE_CHECKING:  # pandas only in annotations: reading period.yml needs no pandas
    import pandas as pd

SETTINGS = read_yaml(Path(__file__).with_name("privacy.yml"))
DEFAULT_MIN_CELL = int(SETTINGS["min_cell_respondents"])


def min_cell(period) -> int:
    """The smallest count of respondents a published cell may show: the period's
    min_cell_respondents (period.yml, checked by pipeline.periods) or pipeline/privacy.yml's."""
    own = getattr(period, "min_cell_respondents", None)
    return DEFAULT_MIN_CELL if own is None else int(own)


def suppress_small_cells(table: pd.DataFrame, columns: list[str], k: int, total: str | None = None) -> pd.DataFrame:
    """Blank counts from 1 to k-1 (zeros reveal no one) in `columns` and in the row total, and
    enough other cells that no blanked cell can be worked out from what is published: a row's parts
    add up to its total, and every column's sum is published elsewhere (the sample sizes).
    Simple rules first (a row with a blank part and a shown total has all its parts blanked; a
    column never has a lone blank), then an audit (recoverable_cells) of what someone could still
    work out; each cell it finds gets a neighbour blanked, until it finds none.
    Adds `suppressed` (the blanked columns of the row, ';'-separated, '' if none)."""
    out = table.copy()
    shown_columns = columns + ([total] if total is not None else [])
    values = out[shown_columns].astype("Int64")
    hidden = ((values > 0) & (values < k)).fillna(False)
    while True:
        before = hidden.copy()
        if total is not None:  # total minus the shown parts would give a hidden one
            partial = hidden[columns].any(axis=1)
            hidden.loc[partial, columns] = hidden.loc[partial, columns] | (values.loc[partial, columns] > 0).fillna(False)
        for column in shown_columns:  # the column's sum minus the shown cells would give a lone hidden one
            if hidden[column].sum() == 1:
                candidates = values[column].where(~hidden[column] & (values[column] > 0)).dropna()
                if len(candidates):
                    hidden.loc[candidates.idxmin(), column] = True
        if hidden.equals(before):
            found = recoverable_cells(values, hidden, columns, total, first_only=True)
            if not found or hidden.to_numpy().all():  # every cell blank: nothing more can be hidden
                break
            _blank_a_neighbour(values, hidden, *found[0])
    for column in shown_columns:
        out[column] = values[column].mask(hidden[column])
    out["suppressed"] = [";".join(c for c in shown_columns if hidden.at[i, c]) for i in out.index]
    return out


def _blank_a_neighbour(values: pd.DataFrame, hidden: pd.DataFrame, row, column) -> None:
    """Blank another cell next to one that could be worked out: the smallest shown non-zero cell of
    its row, else of its column; when none is left, a shown zero of its row or column (from then on
    a blank no longer says the count is at least 1, which is what pinned the cell down)."""
    shown_row, shown_column = values.loc[row].where(~hidden.loc[row]), values[column].where(~hidden[column])
    for candidates, place in ((shown_row[shown_row > 0], "row"), (shown_column[shown_column > 0], "column"),
                              (shown_row[shown_row == 0], "row"), (shown_column[shown_column == 0], "column")):
        candidates = candidates.dropna()
        if len(candidates):
            target = candidates.astype("int64").idxmin()
            hidden.loc[(row, target) if place == "row" else (target, column)] = True
            return
    shown = values.where(~hidden).stack().dropna()
    if len(shown):
        hidden.loc[shown.astype("int64").idxmin()] = True


def recoverable_cells(values: pd.DataFrame, hidden: pd.DataFrame, columns: list[str], total: str | None,
                      first_only: bool = False) -> list[tuple]:
    """(row, column) of the blanked non-zero cells whose value someone could work out exactly from the shown
    cells, the row totals (parts add up to the total) and the column sums, knowing that a blanked
    cell is a whole number of at least 1 (zeros are shown; of at least 0 once a zero has been
    blanked). Each blanked cell's smallest and largest possible values are found by integer
    programming (scipy's HiGHS); equal means recoverable. first_only: stop at the first one found."""
    from scipy.optimize import linprog

    cells = [(row, column) for column in hidden.columns for row in hidden.index[hidden[column]]]
    if not cells:
        return []
    at = {cell: n for n, cell in enumerate(cells)}
    equations, targets = [], []

    def equation(members: list[tuple], signs: list[int], constant: float) -> None:
        """sum(sign * cell) = constant, the shown cells moved to the right-hand side."""
        coefficients, target = [0.0] * len(cells), constant
        for cell, sign in zip(members, signs):
            if cell in at:
                coefficients[at[cell]] += sign
            else:
                target -= sign * float(values.at[cell])
        if any(coefficients):
            equations.append(coefficients)
            targets.append(target)

    if total is not None:  # in every row the parts add up to the total
        for row in values.index:
            equation([(row, c) for c in columns] + [(row, total)], [1] * len(columns) + [-1], 0.0)
    for column in hidden.columns:  # every column adds up to its published sum
        equation([(row, column) for row in values.index], [1] * len(values), float(values[column].astype("int64").sum()))
    upper = float(values.astype("int64").to_numpy().sum())
    lowest = 0 if (hidden & (values == 0).fillna(False)).to_numpy().any() else 1
    found = []
    for cell, n in at.items():
        extremes = []
        for sense in (1, -1):
            objective = [0.0] * len(cells)
            objective[n] = sense
            result = linprog(objective, A_eq=equations or None, b_eq=targets or None, bounds=[(lowest, upper)] * len(cells),
                             integrality=[1] * len(cells), method="highs")
            if result.status != 0:  # the shown figures admit no solution: nothing more to learn here
                break
            extremes.append(round(result.x[n]))
        if len(extremes) == 2 and extremes[0] == extremes[1] and values.at[cell] > 0:  # a zero reveals no one
            found.append(cell)
            if first_only:  # the suppression blanks a neighbour of the first and audits again
                break
    return found
