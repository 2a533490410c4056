"""Reading a period's raw data: validated against the codebook, personal columns dropped; and the
reference tables. (Processed tables are read and written by pipeline.outputs.processed.)
"""
from __future__ import annotations

import os

import pandas as pd

from pipeline.data.codebook import all_files
from pipeline.data.divisions import boundary_features
from pipeline.data.errors import InputError
from pipeline.data.periods import Period, load_period, previous_period_problems
from pipeline.data.sources import find_source
from pipeline.data.validation import Context, check_references, validate_file


def region_names(division: pd.DataFrame) -> pd.DataFrame:
    """oblast, oblast_ru, oblast_en of every unit of a division: the first columns of regional tables."""
    return division[["code", "name_ru", "name_en"]].rename(columns={"code": "oblast", "name_ru": "oblast_ru",
                                                                    "name_en": "oblast_en"})


def load_division(period: Period) -> pd.DataFrame:
    """The administrative units (oblasts and cities) in force in the period, ISO 3166-2 coded."""
    from pipeline.data.names import as_named_in

    return as_named_in(pd.read_csv(period.division_path, dtype=str, keep_default_na=False), "unit", "code", period)


def load_raw(period: str | Period, data_root: str | os.PathLike | None = None,
             only: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    """Every raw table of a period, validated against the codebooks, personal columns dropped.

    Returns {"individuals": ..., "organizations": ..., "cases": ..., "violations": ..., ...}
    (`only` limits it to some files). All problems of all files are raised together as one
    InputError: nothing runs on data with a known defect.
    """
    if not isinstance(period, Period):
        period = load_period(period, data_root)
    contracts = all_files()
    wanted = contracts if only is None else {k: v for k, v in contracts.items() if k in only}
    context = Context(period=period, reference_dir=period.reference_dir,
                      division_codes=set(load_division(period)["code"]))
    tables, names, problems = {}, {}, []
    for key, (book, raw) in wanted.items():
        try:  # a CSV file, a workbook of its own or a sheet of the period's workbook (pipeline.data.sources)
            source = find_source(period.raw_dir, raw.file)
            names[key] = source.name
            tables[key] = validate_file(source, raw, book, context)
        except InputError as exc:
            problems += exc.problems
    problems += check_references(tables, contracts, period.raw_dir, names)
    if problems:
        raise InputError(problems)
    # rows were numbered as the spreadsheet's (title rows, empty rows); the tables count from 0
    return {key: table.reset_index(drop=True) for key, table in tables.items()}


def validate_period(period: Period, previous_run_required: bool = True) -> dict[str, pd.DataFrame]:
    """Everything a run checks before it starts: every raw file, the division's boundaries, the
    published figures' sums, and the previous period."""
    from pipeline.data.figures import check_published, load_published

    problems = previous_period_problems(period, required_run=previous_run_required)
    try:
        tables = load_raw(period)
    except InputError as exc:
        tables, problems = {}, problems + exc.problems
    try:  # the maps' boundaries, as JSON: a wrong file is found now, not in the first notebook with a map
        boundary_features(period.reference_dir, period.division, set(load_division(period)["code"]))
    except InputError as exc:
        problems += exc.problems
    if period.published_figures_path.exists():
        problems += check_published(load_published(period.published_figures_path), str(period.published_figures_path))
    if problems:
        raise InputError(problems)
    return tables


def load_reference(period: Period, name: str) -> pd.DataFrame:
    """A reference table of data/raw/reference/ (threat_types, hrd_categories, cities, ...); the
    cities named as they were in the period (pipeline.data.names)."""
    table = pd.read_csv(period.reference_dir / f"{name}.csv", dtype=str, keep_default_na=False)
    if name == "cities":
        from pipeline.data.names import as_named_in

        table = as_named_in(table, "city", "city", period)
    return table
