"""Personal data never leaves data/raw/: readers drop personal columns (pipeline.validation,
codebook `personal_columns`), tables hold aggregates only, and survey counts by region that would
show fewer than `min_cell_respondents` people are suppressed (pipeline/privacy.yml).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

SETTINGS = yaml.safe_load(Path(__file__).with_name("privacy.yml").read_text(encoding="utf-8"))


def min_cell(period=None) -> int:
    """The smallest count of respondents a published cell may show (the period may raise it)."""
    if period is not None and getattr(period, "min_cell_respondents", None):
        return int(period.min_cell_respondents)
    return int(SETTINGS["min_cell_respondents"])


def suppress_small_cells(table: pd.DataFrame, columns: list[str], k: int, total: str | None = None) -> pd.DataFrame:
    """Blank counts from 1 to k-1 in `columns` (zeros reveal no one), and enough others that no
    blanked cell can be worked out from what is shown:
    - in a row, if one part is blank and the row's total is shown, the other parts are blanked too;
    - in a column, whose sum is published elsewhere, a single blank cell gets a second one (the
      smallest other non-zero cell).
    Adds `suppressed` (the blanked columns of the row, ';'-separated, '' if none)."""
    out = table.copy()
    values = out[columns].astype("Int64")
    hidden = ((values > 0) & (values < k)).fillna(False)
    while True:
        before = hidden.copy()
        if total is not None:  # total minus the shown parts would give the hidden one
            partial = hidden.any(axis=1)
            hidden.loc[partial] = hidden.loc[partial] | (values.loc[partial] > 0).fillna(False)
        for column in columns:  # the column's sum minus the shown cells would give a lone hidden one
            if hidden[column].sum() == 1:
                candidates = values[column].where(~hidden[column] & (values[column] > 0)).dropna()
                if len(candidates):
                    hidden.loc[candidates.idxmin(), column] = True
        if hidden.equals(before):
            break
    for column in columns:
        out[column] = values[column].mask(hidden[column])
    if total is not None:
        small_total = (out[total] > 0) & (out[total] < k)
        out[total] = out[total].astype("Int64").mask(small_total)
    out["suppressed"] = [";".join(c for c in columns if hidden.at[i, c]) for i in out.index]
    return out
