"""datapackage.json (Frictionless Data Package) describing a run's processed tables.

Descriptions come from pipeline/tables.yml; types from the tables themselves; sizes and SHA-256
hashes from the files. Nothing in it depends on when the run happened, so two runs on the same
inputs write the same bytes.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import yaml

from pipeline.periods import Period

TABLES_META = Path(__file__).with_name("tables.yml")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tables_meta() -> dict:
    return yaml.safe_load(TABLES_META.read_text(encoding="utf-8"))


def field_type(dtype) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    return "string"


def build(folder: Path, period: Period) -> dict:
    """The data package of a run folder holding tables/*.csv|parquet and reconciliation.csv."""
    meta = tables_meta()
    resources = []
    csvs = sorted((folder / "tables").glob("*.csv")) + sorted(folder.glob("reconciliation.csv"))
    for csv in csvs:
        name = csv.stem
        if name not in meta:
            raise KeyError(f"{csv}: table '{name}' is not described in {TABLES_META}")
        info = meta[name]
        frame = pd.read_parquet(csv.with_suffix(".parquet")) if csv.with_suffix(".parquet").exists() else pd.read_csv(csv)
        undocumented = [c for c in frame.columns if c not in info["columns"]]
        if undocumented:
            raise KeyError(f"{csv}: columns {undocumented} are not described in {TABLES_META}")
        fields = [{"name": c, "type": field_type(frame[c].dtype), "description": info["columns"][c]} for c in frame.columns]
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


def write(folder: Path, period: Period) -> Path:
    path = folder / "datapackage.json"
    text = json.dumps(build(folder, period), ensure_ascii=False, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    return path
