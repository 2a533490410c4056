"""What a part computes from: one shape for every part of the bulletin.

    part = load_inputs(media, "2015-08_2016-04")      # media: the module pipeline.parts.media
    tables = media.tables(part)                       # {table name: DataFrame}, every part alike

The registry (pipeline/steps.yml) says what the part's step reads; this loads exactly that: the
validated raw files (personal columns dropped), the reference tables, the division in force and,
for a part that compares against the previous period, that period's tables from its last run.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from types import ModuleType

import pandas as pd

from pipeline import registry
from pipeline.data import io
from pipeline.data.periods import Period, load_period
from pipeline.outputs.processed import load_processed


@dataclass(frozen=True)
class PartInputs:
    period: Period
    raw: dict[str, pd.DataFrame]
    division: pd.DataFrame  # the units of the period's division (oblasts and cities), ISO 3166-2 coded
    reference: dict[str, pd.DataFrame] = field(default_factory=dict)
    previous: dict[str, pd.DataFrame] | None = None  # the previous period's tables; None: no period, or no run
    previous_division: str | None = None  # the previous period's division; None: the same as this period's


def part_name(part: ModuleType | str) -> str:
    """pipeline.parts.media -> 'media', the part's step in the registry."""
    return part if isinstance(part, str) else part.__name__.rpartition(".")[2]


def load_inputs(part: ModuleType | str, period: str | Period, data_root: str | os.PathLike | None = None) -> PartInputs:
    """Everything the part's step reads, as the registry declares it."""
    entry = registry.entry(part_name(part))
    info = period if isinstance(period, Period) else load_period(period, data_root)
    previous = _previous_tables(info, entry.previous_period)
    return PartInputs(
        period=info,
        raw=io.load_raw(info, only=entry.raw),
        division=io.load_division(info),
        reference={name: io.load_reference(info, name) for name in entry.reference},
        previous=previous,
        previous_division=load_period(info.previous, info.data_root).division if previous is not None else None,
    )


def _previous_tables(period: Period, names: tuple[str, ...]) -> dict[str, pd.DataFrame] | None:
    """The previous period's tables, when period.yml names one and it has been run (checked
    before a run by pipeline.data.periods.previous_period_problems)."""
    if not names or not period.previous:
        return None
    try:
        return {name: load_processed(period.previous, name, period.data_root) for name in names}
    except FileNotFoundError:
        return None
