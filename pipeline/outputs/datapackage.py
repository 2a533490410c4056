"""datapackage.json (Frictionless Data Package) describing a run's processed tables.

Descriptions come from each part's pipeline/parts/<part>.tables.yml; types from the tables themselves; sizes and SHA-256
hashes from the files. Nothing in it depends on when the run happened, so two runs on the same
inputs write the same bytes.
"""
from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

import pandas as pd

from pipeline.checksums import sha256
from pipeline.data.periods import Period
from pipeline.yamlfiles import read_yaml

PARTS_DIR = Path(__file__).resolve().parents[1] / "parts"
RECONCILIATION_META = Path(__file__).with_name("reconciliation.tables.yml")


def metadata_files() -> list[Path]:
    """Where the tables are described: pipeline/parts/<part>.tables.yml for every part of the
    registry, and the reconciliation's."""
    from pipeline import registry

    parts = [PARTS_DIR / f"{e.name}.tables.yml" for e in registry.entries().values() if e.kind == "notebook"]
    return parts + [RECONCILIATION_META]


def tables_by_part() -> dict[str, dict[str, dict]]:
    """Every table's title, description, key and columns, by the part (or output) that writes it.
    `like: <table>` takes the columns (and whatever else is not given) of a table described before."""
    # read once per version of the files: the reconciliation asks for a title hundreds of times
    stamps = tuple((path, *_stamp(path)) for path in metadata_files())
    return copy.deepcopy(_tables_by_part(stamps))


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=4)
def _tables_by_part(stamps: tuple) -> dict[str, dict[str, dict]]:
    meta: dict = {}
    parts: dict[str, dict[str, dict]] = {}
    for path, *_ in stamps:
        part = path.name.removesuffix(".tables.yml")
        for name, info in (read_yaml(path) or {}).items():
            if name in meta:
                raise KeyError(f"{path}: table {name} is described twice")
            like = info.pop("like", None)
            meta[name] = parts.setdefault(part, {})[name] = {**meta[like], **info} if like else info
    return parts


def table_titles() -> dict[str, str]:
    """Every table's title ("English / Russian"), by name: asked for hundreds of times by the
    reconciliation, so shared, not copied (read it, do not change it)."""
    return _titles(tuple((path, *_stamp(path)) for path in metadata_files()))


@functools.lru_cache(maxsize=4)
def _titles(stamps: tuple) -> dict[str, str]:
    return {name: info["title"] for tables in _tables_by_part(stamps).values() for name, info in tables.items()
            if "title" in info}


def tables_meta() -> dict:
    """Every table's title, description, key and columns, by name."""
    return {name: info for tables in tables_by_part().values() for name, info in tables.items()}


def field_type(dtype) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    return "string"


def check_integers(name: str, frame: pd.DataFrame, columns: list[str]) -> None:
    """The columns a table's metadata declares `integers` (counts, ranks, waves) hold whole numbers,
    never negative, in an integer dtype: a count that became 391.0 or -1 on some period is a bug of
    its part, stopped here, before the run publishes anything."""
    for column in columns:
        if column not in frame.columns:
            raise ValueError(f"table {name}: column {column!r}, declared integer in its part's .tables.yml, is missing")
        values = frame[column]
        if not pd.api.types.is_integer_dtype(values.dtype):
            raise TypeError(f"table {name}: column {column!r} is {values.dtype}, expected an integer dtype "
                            "(declared `integers` in its part's .tables.yml)")
        if (values.dropna() < 0).any():
            raise ValueError(f"table {name}: column {column!r} holds {int(values.min())}, expected no negative count")


def build(folder: Path, period: Period) -> dict:
    """The data package of a run folder holding tables/*.csv|parquet and reconciliation.csv."""
    meta = tables_meta()
    resources = []
    csvs = sorted((folder / "tables").glob("*.csv")) + sorted(folder.glob("reconciliation.csv"))
    for csv in csvs:
        name = csv.stem
        if name not in meta:
            raise KeyError(f"{csv}: table '{name}' is not described in pipeline/parts/<part>.tables.yml")
        info = meta[name]
        frame = pd.read_parquet(csv.with_suffix(".parquet")) if csv.with_suffix(".parquet").exists() else pd.read_csv(csv)
        undocumented = [c for c in frame.columns if c not in info["columns"]]
        if undocumented:
            raise KeyError(f"{csv}: columns {undocumented} of table {name} are not described in its part's .tables.yml")
        check_integers(name, frame, info.get("integers", []))
        fields = [{"name": c, "type": field_type(frame[c].dtype), "description": info["columns"][c]}
                  | ({"constraints": {"minimum": 0}} if c in info.get("integers", []) else {}) for c in frame.columns]
        relative = csv.relative_to(folder).as_posix()
        resource = {
            "name": name.replace("_", "-"), "path": relative, "type": "table", "scheme": "file", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "title": info["title"], "description": info["description"].strip(),
            "bytes": csv.stat().st_size, "hash": f"sha256:{sha256(csv)}",
            "schema": {"fields": fields, "primaryKey": info.get("primary_key", [])},
        }
        parquet = csv.with_suffix(".parquet")
        if parquet.exists():  # the same table, typed, for Python and R users
            resource["parquet"] = {"path": parquet.relative_to(folder).as_posix(), "bytes": parquet.stat().st_size,
                                   "hash": f"sha256:{sha256(parquet)}"}
        resources.append(resource)
    resources += map_resources(folder)
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": f"hrd-kz-{period.id.replace('_', '-').lower()}",
        "title": f"{period.title_en} (bulletin No. {period.bulletin_number})",
        "description": (f"Processed tables of the monitoring of human rights defenders in Kazakhstan, "
                        f"{period.first_day} to {period.last_day}. {period.origin_note['en']} "
                        "Aggregates only: no personal data."),
        "version": f"{period.id}",
        "keywords": ["human rights defenders", "Kazakhstan", "monitoring", f"data origin: {period.data_origin}"],
        "resources": resources,
    }


MAP_FORMATS = {".html": ("html", "text/html"), ".json": ("json", "application/json"), ".png": ("png", "image/png"), ".svg": ("svg", "image/svg+xml"),
               ".js": ("js", "text/javascript")}


def map_resources(folder: Path) -> list[dict]:
    """The maps (interactive HTML, PNG, SVG, and the plotly.js their HTML loads) as file resources."""
    resources = []
    for path in sorted((folder / "maps").glob("*")):
        fmt, mediatype = MAP_FORMATS[path.suffix]
        name = path.name.lower().replace("_", "-").replace(".", "-")
        resources.append({
            "name": f"map-{name}" if path.suffix != ".js" else f"maps-{name}", "path": path.relative_to(folder).as_posix(),
            "type": "file", "scheme": "file", "format": fmt, "mediatype": mediatype,
            "title": "plotly.js, loaded by the interactive maps" if path.suffix == ".js" else f"Map {path.stem} ({fmt})",
            "bytes": path.stat().st_size, "hash": f"sha256:{sha256(path)}",
        })
    return resources


def write(folder: Path, period: Period, into: Path | None = None) -> Path:
    """datapackage.json describing the run folder, written into `into` (default: the folder)."""
    path = Path(into or folder) / "datapackage.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(build(folder, period), ensure_ascii=False, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def run_step(run, into: Path, record) -> None:
    """The run's step `datapackage` (pipeline/steps.yml)."""
    write(run.folder, run.period, into=into)


def describe_tables(period=None) -> str:
    """`hrd-bulletin tables`: every processed table with its part, title, description and columns;
    with a period that has been run, the rows of each of its tables."""
    present = {}
    if period is not None:
        from pipeline.outputs.processed import published_folder

        folder = published_folder(period)
        present = {p.stem: p for p in (folder / "tables").glob("*.parquet")}
        present.update({p.stem: p for p in folder.glob("reconciliation.csv")})
        if not present:
            from pipeline.data.errors import InputError, Problem

            raise InputError([Problem(str(folder / "tables"), None, None, None,
                                      f"the tables of a run of {period.id}: run `hrd-bulletin run {period.id}` first")])
    lines = []
    for part, tables in tables_by_part().items():
        lines.append(f"# {part}")
        for name, info in tables.items():
            rows = ""
            if period is not None:
                if name in present:
                    path = present[name]
                    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
                    rows = f"  [{len(frame)} rows]"
                else:
                    rows = "  [not in this run]"
            lines += [f"{name}: {info['title']}{rows}", f"    {' '.join(info['description'].split())}",
                      f"    columns: {', '.join(info['columns'])}"]
        lines.append("")
    return "\n".join(lines).rstrip()
