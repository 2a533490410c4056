"""The processed tables of a run: written by the parts' notebooks, read by researchers, the
bulletin and reviewers.

Processed tables are written twice, as Parquet (typed, for Python) and as UTF-8 CSV (for anyone),
byte-identical from one run to the next on the same inputs.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from pipeline.data.periods import load_period


def load_processed(period: str, table: str, data_root: str | os.PathLike | None = None,
                   folder: str | os.PathLike | None = None) -> pd.DataFrame:
    """A processed table of a period (from its last successful run, or from `folder`)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", table):
        raise ValueError(f"{table!r}: a table name is lower-case letters, digits and '_' (hrd-bulletin tables lists them)")
    base = Path(folder) if folder is not None else published_folder(load_period(period, data_root))
    path = base / "tables" / f"{table}.parquet"
    if not path.exists():
        available = sorted(p.stem for p in (base / "tables").glob("*.parquet"))
        raise FileNotFoundError(f"{path}: no such table; available: {', '.join(available) or 'none (run the period first)'}")
    return pd.read_parquet(path)


def published_folder(period) -> Path:
    """The period's last good outputs: data/processed/<period>/, or, while a run killed between its
    two renames has left them aside, data/processed/.previous/<period>/ (read as they are: the next
    run of the period puts them back; reading changes nothing)."""
    aside = period.processed_dir.parent / ".previous" / period.id
    return aside if not period.processed_dir.exists() and aside.is_dir() else period.processed_dir


def write_table(frame: pd.DataFrame, out_dir: str | os.PathLike, name: str) -> list[Path]:
    """Write `frame` as tables/<name>.parquet and tables/<name>.csv under out_dir."""
    folder = Path(out_dir) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    frame = frame.reset_index(drop=True)
    parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
    frame.to_parquet(parquet, index=False, compression="zstd")
    frame.to_csv(csv, index=False, encoding="utf-8", lineterminator="\n", float_format=_csv_number)
    return [parquet, csv]


def _csv_number(value: float) -> str:
    """A number as the CSV shows it: a whole one without '.0' (391, not 391.0: a count in a column
    that also holds ratios), any other as Python writes it (shortest, exact)."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


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
