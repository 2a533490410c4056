"""Units of two administrative divisions matched for a comparison (issue 16): which units of a later
division nest in which unit of an earlier one, from data/raw/reference/divisions/changes.csv.

changes.csv lists every unit whose ground changed from one division to the next: relation `nests`
(the later unit lies in the earlier one, and the earlier unit is the union of the later units that
nest in it) or `same` (the same ground under a code that matching would not find). Every other
unit kept its ground, and is found by its code: the same `code`, or the later unit's `code_alpha`
equal to the earlier unit's `code` or `code_alpha` (KZ-11 of kz_2018 is KZ-AKM of kz_2015). A code
named in changes.csv is never matched by code: KZ-63 of kz_2022 is not KZ-63 of kz_2018.

Divisions further apart are matched through the ones between them (kz_2015 -> kz_2018 -> kz_2022).

    match = units_match(reference_dir, "kz_2022", "kz_2018")   # this period's division, the previous one's
    match.this["KZ-10"] == "KZ-63"; match.on == "kz_2018"
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.data.errors import InputError, Problem

RELATIONS = ("nests", "same")
WGS84_NAMES = ("OGC:CRS84", "urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326")
BOUNDARIES_EXPECTED = "a GeoJSON FeatureCollection (RFC 7946: longitude, latitude) with a property `code` on every feature"
# Limits checked before a boundaries file is read: the shipped ones are 0.1-0.2 MB with some
# 20,000 points; a file far beyond that would cost the run minutes and gigabytes in every map.
BOUNDARIES_MAX_MB = 10
BOUNDARIES_MAX_POINTS = 500_000
# Kazakhstan's extent with a margin (longitude 46.5-87.4, latitude 40.5-55.5): a point outside it
# is projected metres, swapped latitude and longitude, or another country
KAZAKHSTAN = {"longitude": (45.0, 89.0), "latitude": (39.0, 57.0)}


def boundaries_path(reference_dir: Path, division: str) -> Path:
    return Path(reference_dir) / "boundaries" / f"{division}.geojson"


def boundary_features(reference_dir: Path, division: str, codes: set[str]) -> list[dict]:
    """The features of boundaries/<division>.geojson, checked as JSON before a run starts (no
    geometry library): a FeatureCollection on longitude and latitude (WGS 84), one feature per unit
    of the division (codes), each with its `code` and a Polygon or MultiPolygon. The maps
    (pipeline.outputs.maps) read them here."""
    path = boundaries_path(reference_dir, division)
    if not path.is_file():
        raise InputError([Problem(str(path), None, None, None, f"boundaries of division {division} ({BOUNDARIES_EXPECTED})")])
    if path.stat().st_size > BOUNDARIES_MAX_MB * 1e6:
        raise InputError([Problem(str(path), None, None, f"{path.stat().st_size / 1e6:.0f} MB",
                                  f"boundaries of at most {BOUNDARIES_MAX_MB} MB (simplified, as the shipped ones of 0.2 MB: "
                                  "mapshaper -simplify 5% keep-shapes)")])
    try:
        try:
            collection = json.loads(path.read_text(encoding="utf-8-sig"))  # with or without a byte-order mark
        except RecursionError:
            raise ValueError("arrays nested too deep for coordinates") from None
        if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
            found = collection.get("type") if isinstance(collection, dict) else type(collection).__name__
            raise ValueError(f"the file holds {json.dumps(found, ensure_ascii=False)}, not a FeatureCollection")
        # RFC 7946 has no `crs` member; older files name theirs: only longitude-latitude on WGS 84 is drawn right
        crs = collection.get("crs")
        name = crs.get("properties", {}).get("name") if isinstance(crs, dict) and crs.get("type") == "name" else crs
        if crs is not None and name not in WGS84_NAMES:
            raise ValueError(f"coordinates in {json.dumps(name, ensure_ascii=False)}, not longitude and latitude on WGS 84")
        features = collection.get("features")
        if not isinstance(features, list):
            raise ValueError("no list of features")
        found = []
        for number, feature in enumerate(features, start=1):
            code = ((feature.get("properties") if isinstance(feature, dict) else None) or {}).get("code")
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            if not (isinstance(code, str) and code):
                raise ValueError(f"feature {number} has code {json.dumps(code, ensure_ascii=False)}, not an ISO 3166-2 code as text")
            if not (isinstance(geometry, dict) and geometry.get("type") in ("Polygon", "MultiPolygon")
                    and isinstance(geometry.get("coordinates"), list)):
                kind = geometry.get("type") if isinstance(geometry, dict) else geometry
                raise ValueError(f"feature {number} ({code}) has geometry {json.dumps(kind, ensure_ascii=False)}, "
                                 "not a Polygon or MultiPolygon with coordinates")
            check_geometry(geometry, f"feature {number} ({code})")
            found.append(code)
    except (ValueError, AttributeError) as error:  # json's errors are ValueErrors
        raise InputError([Problem(str(path), None, None, None, f"{BOUNDARIES_EXPECTED} ({error})")]) from None
    twice = sorted({code for code in found if found.count(code) > 1})
    missing, extra = sorted(codes - set(found)), sorted(set(found) - codes)
    if missing or extra or twice:
        raise InputError([Problem(str(path), None, "code", ", ".join(missing + extra + twice),
                                  f"one feature per unit of divisions/{division}.csv "
                                  f"(missing: {', '.join(missing) or 'none'}; unknown: {', '.join(extra) or 'none'}; "
                                  f"more than once: {', '.join(twice) or 'none'})")])
    return features


def check_geometry(geometry: dict, where: str) -> None:
    """A Polygon or MultiPolygon's coordinates: rings of [longitude, latitude] inside Kazakhstan, a
    bounded number of points, and valid polygons (no ring crossing itself or another: plotly would
    fill the wrong side). Raises ValueError naming the feature."""
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    points = 0
    for polygon in polygons:
        for ring in polygon if isinstance(polygon, list) else [None]:
            if not (isinstance(ring, list) and len(ring) >= 4):
                raise ValueError(f"{where} has a ring that is not a list of at least 4 positions")
            for position in ring:
                if not (isinstance(position, list) and len(position) in (2, 3)
                        and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in position)):
                    raise ValueError(f"{where} has a position {json.dumps(position)[:60]}, not [longitude, latitude]")
                (west, east), (south, north) = KAZAKHSTAN["longitude"], KAZAKHSTAN["latitude"]
                if not (west <= position[0] <= east and south <= position[1] <= north):
                    raise ValueError(f"{where} has a point ({position[0]}, {position[1]}) outside Kazakhstan (longitude "
                                     f"{west:g} to {east:g}, latitude {south:g} to {north:g}): coordinates in metres, or "
                                     "latitude and longitude swapped?")
            points += len(ring)
            if points > BOUNDARIES_MAX_POINTS:
                raise ValueError(f"{where} has more than {BOUNDARIES_MAX_POINTS:,} points: simplify the boundaries")
    problem = explain_validity(shape(geometry))
    if problem != "Valid Geometry":
        raise ValueError(f"{where} is not a valid polygon ({problem}); repair it (e.g. mapshaper -clean, or QGIS Fix geometries)")


def load_units(reference_dir: Path, division: str) -> pd.DataFrame:
    return pd.read_csv(Path(reference_dir) / "divisions" / f"{division}.csv", dtype=str, keep_default_na=False)


def load_changes(reference_dir: Path) -> pd.DataFrame:
    path = Path(reference_dir) / "divisions" / "changes.csv"
    if not path.is_file():
        return pd.DataFrame(columns=["from_division", "from_code", "to_division", "to_code", "relation", "in_force", "source"])
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def step(reference_dir: Path, earlier: str, later: str, changes: pd.DataFrame | None = None) -> dict[str, str]:
    """Each unit of the later division -> the unit of the earlier division it lies in (two divisions
    that changes.csv links directly)."""
    changes = load_changes(reference_dir) if changes is None else changes
    rows = changes[(changes["from_division"] == earlier) & (changes["to_division"] == later)]
    old, new = load_units(reference_dir, earlier), load_units(reference_dir, later)
    where = str(Path(reference_dir) / "divisions" / "changes.csv")
    problems = [Problem(where, None, "relation", r, f"one of {', '.join(RELATIONS)}") for r in set(rows["relation"]) - set(RELATIONS)]
    problems += [Problem(where, None, "from_code", c, f"a unit of {earlier}") for c in set(rows["from_code"]) - set(old["code"])]
    problems += [Problem(where, None, "to_code", c, f"a unit of {later}") for c in set(rows["to_code"]) - set(new["code"])]
    problems += [Problem(where, None, "to_code", c, f"a unit of {later} named once from {earlier}")
                 for c, n in rows["to_code"].value_counts().items() if n > 1]
    if problems:
        raise InputError(problems)
    mapping = dict(zip(rows["to_code"], rows["from_code"]))
    named = set(rows["from_code"])
    alpha = new["code_alpha"] if "code_alpha" in new.columns else pd.Series("", index=new.index)
    old_alpha = old["code_alpha"] if "code_alpha" in old.columns else pd.Series("", index=old.index)
    by_code = {c: c for c in old["code"] if c not in named}
    by_code |= {a: c for a, c in zip(old_alpha, old["code"]) if a and c not in named}
    for code, letters in zip(new["code"], alpha):
        if code in mapping:
            continue
        found = by_code.get(code) or (by_code.get(letters) if letters else None)
        if found is None:
            problems.append(Problem(where, None, "to_code", code, f"a row saying which unit of {earlier} {code} of {later} lies in"))
        else:
            mapping[code] = found
    missing = set(old["code"]) - set(mapping.values())
    problems += [Problem(where, None, "from_code", c, f"a row saying which units of {later} {c} of {earlier} became")
                 for c in sorted(missing)]
    if problems:
        raise InputError(problems)
    return mapping


def path(reference_dir: Path, earlier: str, later: str, changes: pd.DataFrame | None = None) -> list[str] | None:
    """The divisions from earlier to later, each changed into the next in changes.csv (None: none)."""
    changes = load_changes(reference_dir) if changes is None else changes
    edges = set(zip(changes["from_division"], changes["to_division"]))
    routes = [[earlier]]
    while routes:
        route = routes.pop(0)
        if route[-1] == later:
            return route
        routes += [route + [b] for a, b in sorted(edges) if a == route[-1] and b not in route]
    return None


def nesting(reference_dir: Path, earlier: str, later: str) -> dict[str, str] | None:
    """Each unit of the later division -> the unit of the earlier division it lies in; None when
    changes.csv does not lead from earlier to later."""
    changes = load_changes(reference_dir)
    route = path(reference_dir, earlier, later, changes)
    if route is None:
        return None
    mapping = {c: c for c in load_units(reference_dir, earlier)["code"]}
    for a, b in zip(route, route[1:]):
        down = step(reference_dir, a, b, changes)
        mapping = {code: mapping[up] for code, up in down.items()}
    return mapping


@dataclass(frozen=True)
class UnitsMatch:
    """How this period's units and the previous period's meet: both mapped to the units of `on`
    (the earlier, coarser division of the two). this/previous: code -> code of the unit of `on` it
    lies in; None: the identity (that side's division is `on`)."""
    division: str
    previous_division: str
    on: str
    this: dict[str, str] | None = None
    previous: dict[str, str] | None = None

    @property
    def same(self) -> bool:
        return self.division == self.previous_division

    @property
    def pooled(self) -> str | None:
        """'this' or 'previous': the side whose units are pooled into the other's; None: neither."""
        return None if self.same else "this" if self.on == self.previous_division else "previous"

    def parts(self, side: str) -> dict[str, list[str]]:
        """Per unit of `on`: the units of one side (this or previous) that lie in it (sorted), when
        that side's division is not `on`."""
        mapping = self.this if side == "this" else self.previous
        out: dict[str, list[str]] = {}
        for code, into in sorted((mapping or {}).items()):
            out.setdefault(into, []).append(code)
        return out


def units_match(reference_dir: Path, division: str, previous_division: str | None) -> UnitsMatch:
    """This period's division against the previous period's (None: the same)."""
    previous_division = previous_division or division
    if previous_division == division:
        return UnitsMatch(division, division, division)
    down = nesting(reference_dir, previous_division, division)
    if down is not None:
        return UnitsMatch(division, previous_division, previous_division, this=down)
    up = nesting(reference_dir, division, previous_division)
    if up is not None:
        return UnitsMatch(division, previous_division, division, previous=up)
    raise InputError([Problem(str(Path(reference_dir) / "divisions" / "changes.csv"), None, None,
                              f"{previous_division} -> {division}",
                              "rows leading from one division to the other, to compare a period with its previous one")])
