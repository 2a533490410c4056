"""Reading raw and processed data, writing processed tables. I/O lives here, nowhere else.

Processed tables are written twice, as Parquet (typed, for Python) and as UTF-8 CSV (for anyone),
byte-identical from one run to the next on the same inputs.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from pipeline.codebook import all_files
from pipeline.errors import InputError
from pipeline.periods import Period, load_period, previous_period_problems
from pipeline.validation import Context, check_references, validate_file


def load_division(period: Period) -> pd.DataFrame:
    """The administrative units (oblasts and cities) in force in the period, ISO 3166-2 coded."""
    return pd.read_csv(period.division_path, dtype=str, keep_default_na=False)


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
    context = Context(period=period, reference_dir=period.data_root / "raw" / "reference",
                      division_codes=set(load_division(period)["code"]))
    tables, problems = {}, []
    for key, (book, raw) in wanted.items():
        try:
            tables[key] = validate_file(period.raw_dir / raw.file, raw, book, context)
        except InputError as exc:
            problems += exc.problems
    problems += check_references(tables, contracts, period.raw_dir)
    if problems:
        raise InputError(problems)
    return tables


def validate_period(period: Period, previous_in_batch: bool = False, previous_run_required: bool = True
                    ) -> dict[str, pd.DataFrame]:
    """Everything a run checks before it starts: every raw file, the published figures' sums, and
    the previous period (previous_in_batch: it runs in the same command, so it need not have run)."""
    from pipeline.figures import check_published, load_published

    problems = previous_period_problems(period, required_run=previous_run_required and not previous_in_batch)
    try:
        tables = load_raw(period)
    except InputError as exc:
        tables, problems = {}, problems + exc.problems
    if period.published_figures_path.exists():
        problems += check_published(load_published(period.published_figures_path), str(period.published_figures_path))
    if problems:
        raise InputError(problems)
    return tables


def load_reference(period: Period, name: str) -> pd.DataFrame:
    """A reference table of data/raw/reference/ (threat_types, hrd_categories, cities, ...)."""
    return pd.read_csv(period.data_root / "raw" / "reference" / f"{name}.csv", dtype=str, keep_default_na=False)


def load_processed(period: str, table: str, data_root: str | os.PathLike | None = None,
                   folder: str | os.PathLike | None = None) -> pd.DataFrame:
    """A processed table of a period (from its last successful run, or from `folder`)."""
    if folder is None:
        from pipeline.publish import settle

        info = load_period(period, data_root)
        settle(info.processed_dir.parent, info.id)  # undo the swap of a run killed mid-publish
        base = info.processed_dir
    else:
        base = Path(folder)
    path = base / "tables" / f"{table}.parquet"
    if not path.exists():
        available = sorted(p.stem for p in (base / "tables").glob("*.parquet"))
        raise FileNotFoundError(f"{path}: no such table; available: {', '.join(available) or 'none (run the period first)'}")
    return pd.read_parquet(path)


def write_table(frame: pd.DataFrame, out_dir: str | os.PathLike, name: str) -> list[Path]:
    """Write `frame` as tables/<name>.parquet and tables/<name>.csv under out_dir."""
    folder = Path(out_dir) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    frame = frame.reset_index(drop=True)
    parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
    frame.to_parquet(parquet, index=False, compression="zstd")
    frame.to_csv(csv, index=False, encoding="utf-8", lineterminator="\n")
    return [parquet, csv]


def save_tables(output_dir: str | os.PathLike | None, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """Write a notebook's tables into the run's folder; exploring (output_dir None) writes nothing."""
    if output_dir is None:
        print("Exploring: tables not written (a run passes output_dir).")
        return []
    written = []
    for name, frame in tables.items():
        written += write_table(frame, output_dir, name)
    print("Written: " + ", ".join(sorted({p.stem for p in written})))
    return written
