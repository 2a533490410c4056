"""Reconciliation: every published figure of a bulletin beside the figure recomputed from the
processed tables, whether they agree, and why not when they do not.

The recomputation reads only processed tables (never the raw data), so the reconciliation checks
what is published. Where each figure comes from is data: pipeline/published_figures.map.yml.
"""
from __future__ import annotations

import fnmatch
from pathlib import Path

import pandas as pd
import yaml

from pipeline.figures import agrees, decimals_of, leaves, load_published

MAP_PATH = Path(__file__).with_name("published_figures.map.yml")
COLUMNS = ["figure", "published", "recomputed", "agrees", "status", "basis", "note"]
STAT_KEYS = {"mean", "min", "max", "median"}


def load_map(path: Path = MAP_PATH) -> dict[str, dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """All processed tables of a run folder (data/processed/<period>/ or a staging folder)."""
    return {p.stem: pd.read_parquet(p) for p in sorted((Path(folder) / "tables").glob("*.parquet"))}


def reconcile(published: dict, tables: dict[str, pd.DataFrame], figure_map: dict | None = None) -> pd.DataFrame:
    figure_map = load_map() if figure_map is None else figure_map
    shares = _concat(tables, "_shares")
    stats = _concat(tables, "_stats")
    rows = []
    for path, value, notes in leaves({k: v for k, v in published.items() if k != "period"}):
        row = {"figure": path, "published": _as_text(value), "recomputed": None, "agrees": pd.NA,
               "status": "not_recomputed", "basis": "", "note": "; ".join(f"{v}" for v in notes.values())}
        source, stat = _find(figure_map, path)
        if source is None:
            row["basis"] = "no recomputation defined for this figure yet"
        elif not isinstance(value, (int, float)) or isinstance(value, bool):
            row["basis"] = "not a number; compared by reading"
        else:
            try:
                recomputed, basis = _recompute(source, stat, tables, shares, stats)
            except LookupError as exc:
                row.update(status="missing", basis=str(exc))
            else:
                ok = agrees(value, recomputed) if stat in ("pct", "mean") else recomputed == value
                row.update(recomputed=round(float(recomputed), 4), agrees=bool(ok),
                           status="agrees" if ok else "disagrees", basis=basis)
                if stat in ("pct", "mean") and ok:
                    row["basis"] += f"; rounds to {round(recomputed, decimals_of(value))}"
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["agrees"] = frame["agrees"].astype("boolean")
    frame["recomputed"] = frame["recomputed"].astype("Float64")
    return frame


def write_for_run(folder: Path, period) -> pd.DataFrame | None:
    """reconciliation.csv in a run folder, when the period's raw folder holds published figures."""
    if not period.published_figures_path.exists():
        return None
    frame = reconcile(load_published(period.published_figures_path), load_tables(folder))
    path = Path(folder) / "reconciliation.csv"
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return frame


def summary(frame: pd.DataFrame) -> str:
    counts = frame["status"].value_counts()
    return ", ".join(f"{status}: {counts.get(status, 0)}" for status in ("agrees", "disagrees", "missing", "not_recomputed"))


def _concat(tables: dict[str, pd.DataFrame], suffix: str) -> pd.DataFrame:
    parts = [t for name, t in tables.items() if name.endswith(suffix)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _find(figure_map: dict, path: str) -> tuple[dict | None, str]:
    """The map entry for a figure: its full path first, else its parent with the last key as stat."""
    parent, _, last = path.rpartition(".")
    for candidate, stat in ((path, None), (parent, last)):
        for pattern, source in figure_map.items():
            if _matches(pattern, candidate):
                star = _star(pattern, candidate)
                source = {k: (v.replace("*", star) if isinstance(v, str) and star else v) for k, v in source.items()}
                return source, source.get("stat", stat)
    return None, last


def _matches(pattern: str, path: str) -> bool:
    a, b = pattern.split("."), path.split(".")
    return len(a) == len(b) and all(fnmatch.fnmatchcase(y, x) for x, y in zip(a, b))


def _star(pattern: str, path: str) -> str:
    return next((y for x, y in zip(pattern.split("."), path.split(".")) if x == "*"), "")


def _recompute(source: dict, stat: str, tables, shares: pd.DataFrame, stats: pd.DataFrame) -> tuple[float, str]:
    if "total" in source:
        table, column = source["total"].split("/")
        if table not in tables:
            raise LookupError(f"table {table} was not produced")
        return float(tables[table][column].sum()), f"sum of {table}.{column}"
    if "shares" in source:
        group, item, answer = source["shares"].split("/")
        row = _one(shares, f"shares row {group}/{item}/{answer}", group=group, item=item, answer=answer)
        count, base = int(row["count"]), int(row["base"])
        basis = f"{count} of {base} {group} answering {item} = {answer}"
        if stat == "count":
            return count, basis
        if stat == "pct":
            return 100 * count / base, basis
        raise LookupError(f"a shares row has no statistic '{stat}'")
    group, item = source["stats"].split("/")
    row = _one(stats, f"stats row {group}/{item}", group=group, item=item)
    if stat not in STAT_KEYS:
        raise LookupError(f"a stats row has no statistic '{stat}'")
    return float(row[stat]), f"{stat} over {int(row['n'])} {group} ({row['population']}) of {item}"


def _one(frame: pd.DataFrame, what: str, **where) -> pd.Series:
    if frame.empty:
        raise LookupError(f"{what}: no such table was produced")
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    found = frame[mask]
    if len(found) != 1:
        raise LookupError(f"{what}: {len(found)} rows found, expected 1")
    return found.iloc[0]


def _as_text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
